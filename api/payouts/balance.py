"""The one definition of what a vendor may be paid. The vendor's payout request, the payout-batch asset, the
vendor's balance and analytics API and the `payout_ledger` mart (in SQL) all read it.

Per vendor `v` and currency `c`, at the instant `as_of` (default: now), over the commission ledger
(`commerce.commission_lines`, sale lines and their negative reversals) grouped by vendor order `vo`:

- `net(vo)` = sum of `vendor_amount` over every line of `vo` (the sale lines and every refund or cancellation
  reversal of them, whenever it was written): the vendor's share of what the buyer paid for `vo`, net of
  refunds. A reversal always follows its sale, so a refund after a payout lowers what is available at once.
- `vo` is **captured** when `vendor_orders.captured_total > 0` (captured at `vendor_orders.captured_at`).
  Not captured (authorised only, or canceled before capture, which nets to 0): its net is **uncaptured**, and
  never counted in the captured share.
- A captured `vo` is **settled** when (a) the UTC day of its order (`orders.created_at`, the day the
  commission run attributes the sale to) lies in a commission run (`commerce.commission_runs`, `period_start
  <= day <= period_end`) with `checks_passed` and status `approved` or `locked`, and (b) the vendor's
  holding period has passed: `captured_at + vendors.payout_hold_days days <= as_of`. Its net is then
  *earned*; a captured, unsettled `vo` is **pending**.
- Payouts (`commerce.payouts`) of `v` in `c`: `requested` or `approved` ones are **in payout**, `paid` ones
  **paid**; `failed` and `rejected` ones hold nothing (their amount returns to the balance).
- **available** = earned - in payout - paid.

So, to the minor unit, `paid + in_payout + available + pending = captured_net`, the vendor's share of the
money captured net of refunds and reversals. `available` may go below zero when money already paid out is
refunded; nothing can be paid out then. A payout is never more than `available` when it is made
(`api.payouts.service.create_payout` locks the vendor row and checks it).

The payout batch passes `runs`: then only runs `locked` before it and the `approved` runs it includes count
in (a), so the batch pays exactly the runs it lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.clock import utcnow

# The ledger per vendor order, classified (the module docstring in SQL).
_LEDGER_SQL = """
WITH settled_days AS (
    SELECT DISTINCT d::date AS day
    FROM commerce.commission_runs AS r
    CROSS JOIN LATERAL generate_series(r.period_start, r.period_end, interval '1 day') AS d
    WHERE r.checks_passed
      AND (r.status = 'locked'
           OR (r.status = 'approved' AND (CAST(:all_runs AS boolean) OR r.id = ANY(CAST(:runs AS varchar[])))))
),
per_vendor_order AS (
    SELECT cl.vendor_id, cl.currency_code, cl.vendor_order_id, sum(cl.vendor_amount)::bigint AS net
    FROM commerce.commission_lines AS cl
    WHERE (CAST(:vendor_id AS varchar) IS NULL OR cl.vendor_id = :vendor_id)
      AND (CAST(:currency AS varchar) IS NULL OR cl.currency_code = :currency)
    GROUP BY cl.vendor_id, cl.currency_code, cl.vendor_order_id
)
SELECT p.vendor_id, p.currency_code,
       CASE WHEN vo.captured_total <= 0 THEN 'uncaptured'
            WHEN (o.created_at AT TIME ZONE 'UTC')::date IN (SELECT day FROM settled_days)
                 AND vo.captured_at + make_interval(days => v.payout_hold_days) <= :as_of THEN 'earned'
            ELSE 'pending' END AS bucket,
       sum(p.net)::bigint AS amount
FROM per_vendor_order AS p
JOIN commerce.vendor_orders AS vo ON vo.id = p.vendor_order_id
JOIN commerce.orders AS o ON o.id = vo.order_id
JOIN commerce.vendors AS v ON v.id = p.vendor_id
GROUP BY 1, 2, 3
"""
_PAYOUTS_SQL = """
SELECT vendor_id, currency_code,
       CASE WHEN status = 'paid' THEN 'paid' ELSE 'in_payout' END AS bucket, sum(amount)::bigint AS amount
FROM commerce.payouts
WHERE status IN ('requested', 'approved', 'paid')
  AND (CAST(:vendor_id AS varchar) IS NULL OR vendor_id = :vendor_id)
  AND (CAST(:currency AS varchar) IS NULL OR currency_code = :currency)
GROUP BY 1, 2, 3
"""


@dataclass
class Balance:
    """One vendor's money in one currency, in minor units (see the module docstring)."""

    vendor_id: str
    currency_code: str
    uncaptured: int = 0
    pending: int = 0
    earned: int = 0
    in_payout: int = 0
    paid: int = 0

    @property
    def available(self) -> int:
        return self.earned - self.in_payout - self.paid

    @property
    def captured_net(self) -> int:
        """The vendor's share of the money captured, net of refunds: paid + in payout + available + pending."""
        return self.pending + self.earned

    def as_dict(self) -> dict[str, Any]:
        return {"vendor_id": self.vendor_id, "currency_code": self.currency_code, "uncaptured": self.uncaptured,
                "pending": self.pending, "available": self.available, "in_payout": self.in_payout,
                "paid": self.paid, "captured_net": self.captured_net}


def balances(
    session: Session,
    *,
    vendor_id: str | None = None,
    currency: str | None = None,
    as_of: datetime | None = None,
    runs: Sequence[str] | None = None,
) -> list[Balance]:
    """Every vendor's balance per currency (filtered by `vendor_id` / `currency`), by vendor and currency."""
    params = {"vendor_id": vendor_id, "currency": currency}
    found: dict[tuple[str, str], Balance] = {}

    def entry(row: Any) -> Balance:
        key = (row["vendor_id"], row["currency_code"])
        if key not in found:
            found[key] = Balance(*key)
        return found[key]

    ledger = session.execute(text(_LEDGER_SQL), {
        **params, "as_of": as_of or utcnow(), "all_runs": runs is None, "runs": list(runs or []),
    }).mappings()
    for row in ledger:
        setattr(entry(row), row["bucket"], int(row["amount"]))
    for row in session.execute(text(_PAYOUTS_SQL), params).mappings():
        setattr(entry(row), row["bucket"], int(row["amount"]))
    return [found[key] for key in sorted(found)]


def balance(session: Session, vendor_id: str, currency: str, *, as_of: datetime | None = None) -> Balance:
    """One vendor's balance in one currency (all zero when it has no ledger and no payouts in it)."""
    found = balances(session, vendor_id=vendor_id, currency=currency, as_of=as_of)
    return found[0] if found else Balance(vendor_id, currency)
