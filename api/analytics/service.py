"""Reads of the dbt marts (`analytics.*`), never recomputed here: the routes show what dbt built."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from api.analytics.readiness import marts_unavailable
from api.analytics.schemas import StatsRow, StatsTotals, VendorStatsOut
from api.clock import utcnow
from api.config import get_settings
from api.errors import FieldError, NotFound, ValidationFailed
from api.vendors.models import Vendor

MAX_DAYS = 366


def date_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """Defaults: the last 30 UTC days up to yesterday. At most a year; `from` not after `to`."""
    end = date_to or (utcnow().date() - timedelta(days=1))
    start = date_from or (end - timedelta(days=29))
    if start > end:
        raise ValidationFailed("`from` is after `to`.", errors=[FieldError(field="from", message="after `to`")])
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(
            f"At most {MAX_DAYS} days at once.", errors=[FieldError(field="to", message=f"over {MAX_DAYS} days")]
        )
    return start, end


def mart_query(session: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a read on the marts in a savepoint; 503 while dbt has not built them yet."""
    try:
        with session.begin_nested():
            return [dict(row) for row in session.execute(text(sql), params).mappings()]
    except ProgrammingError as exc:
        raise marts_unavailable(get_settings().data_dir) from exc


def vendor_sales(
    session: Session, vendor_ids: list[str], date_from: date, date_to: date
) -> dict[str, list[dict[str, Any]]]:
    """Gross and net sales and orders per vendor and currency over the days, from `vendor_stats` (503 while dbt
    has not built it)."""
    if not vendor_ids:
        return {}
    rows = mart_query(session, """
        SELECT vendor_id, currency_code, sum(gross_sales)::bigint AS gross_sales, sum(net_sales)::bigint AS net_sales,
               sum(orders)::bigint AS orders
        FROM analytics.vendor_stats
        WHERE vendor_id = ANY(:vendor_ids) AND stat_date BETWEEN :start AND :end
        GROUP BY vendor_id, currency_code
        ORDER BY vendor_id, currency_code
    """, {"vendor_ids": vendor_ids, "start": date_from, "end": date_to})
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.pop("vendor_id"), []).append(row)
    return out


LEDGER_COLUMNS = ("occurred_at", "vendor_id", "currency_code", "entry_type", "source_id", "order_id", "payout_id",
                  "line_day", "amount", "balance_state", "payable_amount", "payable_balance_after")


def ledger_query(vendor_id: str | None, currency: str | None) -> tuple[str, dict[str, Any]]:
    """The `payout_ledger` mart's movements (oldest first, the order its running balance is summed in)."""
    sql = f"""
        SELECT {", ".join(LEDGER_COLUMNS)} FROM analytics.payout_ledger
        WHERE (CAST(:vendor_id AS text) IS NULL OR vendor_id = :vendor_id)
          AND (CAST(:currency AS text) IS NULL OR currency_code = :currency)
        ORDER BY vendor_id, currency_code, occurred_at, entry_id
    """
    return sql, {"vendor_id": vendor_id, "currency": currency}


def payout_ledger(
    session: Session, vendor_id: str | None, currency: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the payout ledger with its running payable balance (503 while dbt has not built it)."""
    sql, params = ledger_query(vendor_id, currency)
    total = mart_query(session, f"SELECT count(*) AS n FROM ({sql}) AS ledger", params)[0]["n"]
    rows = mart_query(session, f"{sql} LIMIT :limit OFFSET :offset", {**params, "limit": limit, "offset": offset})
    return rows, int(total)


def vendor_stats(session: Session, vendor_id: str, date_from: date, date_to: date) -> VendorStatsOut:
    if session.get(Vendor, vendor_id) is None:
        raise NotFound("No such vendor.")
    params = {"vendor_id": vendor_id, "start": date_from, "end": date_to}
    series = mart_query(session, """
        SELECT stat_date AS date, currency_code, gross_sales, net_sales, orders, items, average_order_value,
               refunds, commission, earnings, top_products
        FROM analytics.vendor_stats
        WHERE vendor_id = :vendor_id AND stat_date BETWEEN :start AND :end
        ORDER BY stat_date, currency_code
    """, params)
    totals = mart_query(session, """
        WITH summed AS (
            SELECT currency_code, sum(gross_sales)::bigint AS gross_sales, sum(net_sales)::bigint AS net_sales,
                   sum(orders)::bigint AS orders, sum(items)::bigint AS items, sum(refunds)::bigint AS refunds,
                   sum(commission)::bigint AS commission, sum(earnings)::bigint AS earnings
            FROM analytics.vendor_stats
            WHERE vendor_id = :vendor_id AND stat_date BETWEEN :start AND :end
            GROUP BY currency_code
        ),
        products AS (
            SELECT s.currency_code, p ->> 'product_id' AS product_id, min(p ->> 'title') AS title,
                   sum((p ->> 'gross_sales')::bigint) AS gross_sales, sum((p ->> 'items')::bigint) AS items
            FROM analytics.vendor_stats AS s CROSS JOIN LATERAL jsonb_array_elements(s.top_products) AS p
            WHERE s.vendor_id = :vendor_id AND s.stat_date BETWEEN :start AND :end
            GROUP BY 1, 2
        ),
        ranked AS (
            SELECT currency_code,
                   jsonb_agg(jsonb_build_object('product_id', product_id, 'title', title, 'gross_sales', gross_sales,
                                                'items', items) ORDER BY gross_sales DESC, product_id) AS top_products
            FROM (SELECT *, row_number() OVER (PARTITION BY currency_code ORDER BY gross_sales DESC, product_id) AS rank
                  FROM products) AS r
            WHERE rank <= 5
            GROUP BY currency_code
        )
        SELECT s.*,
               CASE WHEN s.orders = 0 THEN 0
                    WHEN (s.gross_sales % s.orders) * 2 = s.orders
                    THEN s.gross_sales / s.orders + (s.gross_sales / s.orders) % 2
                    ELSE round(s.gross_sales::numeric / s.orders)::bigint END AS average_order_value,
               coalesce(r.top_products, '[]'::jsonb) AS top_products
        FROM summed AS s LEFT JOIN ranked AS r USING (currency_code)
        ORDER BY s.currency_code
    """, params)
    return VendorStatsOut(
        vendor_id=vendor_id,
        date_from=date_from,
        date_to=date_to,
        totals=[StatsTotals.model_validate(row) for row in totals],
        series=[StatsRow.model_validate(row) for row in series],
    )


def company_spend(session: Session, company_id: str, month_from: date, month_to: date) -> list[dict[str, Any]]:
    """A company's spend per UTC month and currency from the `company_spend` mart, oldest month first."""
    return mart_query(session, """
        SELECT month, currency_code, orders::bigint AS orders, subtotal::bigint AS subtotal, total::bigint AS total,
               refunds::bigint AS refunds, net_spend::bigint AS net_spend
        FROM analytics.company_spend
        WHERE company_id = :company_id AND month BETWEEN :start AND :end
        ORDER BY month, currency_code
    """, {"company_id": company_id, "start": month_from.replace(day=1), "end": month_to})
