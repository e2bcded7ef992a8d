"""Great Expectations suites over orders, commission runs and payouts, and the queries that give each suite
its data. Run by Dagster asset checks (`assets/analytics`, `assets/commissions`); the API process never
imports this module (Great Expectations is heavy and only the pipelines need it).

Each suite validates one pandas DataFrame built by one SQL query; derived columns (`*_error`,
`*_difference`) turn cross-column rules into single-column expectations, so every result in the Dagster UI
names the rule, the column, how many rows failed and a sample of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.money import ISO_4217

CURRENCIES = sorted(ISO_4217)


@dataclass(frozen=True)
class Expectation:
    """One expectation: a Great Expectations class name and its arguments, plus what it means to us."""

    rule: str
    type: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    expectations: tuple[Expectation, ...]


@dataclass
class SuiteResult:
    suite: str
    success: bool
    rows: int
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"]]

    def as_markdown(self) -> str:
        lines = ["| rule | expectation | column | ok | unexpected | sample |", "| --- | --- | --- | --- | --- | --- |"]
        for r in self.results:
            sample = ", ".join(str(v) for v in r["sample"][:5])
            lines.append(
                f"| {r['rule']} | {r['expectation']} | {r['column']} | {'yes' if r['success'] else 'NO'} "
                f"| {r['unexpected_count']} | {sample} |"
            )
        return "\n".join(lines)


def _e(rule: str, type_: str, **kwargs: Any) -> Expectation:
    return Expectation(rule, type_, kwargs)


ORDERS = Suite(
    "orders",
    "Every order line of the commerce store: prices add up, currencies are ISO 4217, no order is dated in "
    "the future.",
    (
        _e("one row per order line", "ExpectColumnValuesToBeUnique", column="order_line_id"),
        _e("every line belongs to an order", "ExpectColumnValuesToNotBeNull", column="order_id"),
        _e("currencies valid", "ExpectColumnValuesToBeInSet", column="currency_code", value_set=CURRENCIES),
        _e("no order in the future", "ExpectColumnValuesToBeBetween", column="seconds_in_future", max_value=0),
        _e("quantity at least one", "ExpectColumnValuesToBeBetween", column="quantity", min_value=1),
        _e("prices not negative", "ExpectColumnValuesToBeBetween", column="unit_price", min_value=0),
        _e("subtotal = quantity x unit price", "ExpectColumnValuesToBeBetween", column="subtotal_error",
           min_value=0, max_value=0),
        _e("order total = subtotal + shipping + tax", "ExpectColumnValuesToBeBetween", column="total_error",
           min_value=0, max_value=0),
    ),
)

COMMISSION_LINES = Suite(
    "commission_lines",
    "The sale lines checkout recorded for the orders of a commission run's period.",
    (
        _e("commission = rate x base (+ fee) within one minor unit per line", "ExpectColumnValuesToBeBetween",
           column="commission_error", min_value=0, max_value=1),
        _e("no negative earnings on a sale", "ExpectColumnValuesToBeBetween", column="sale_earnings", min_value=0),
        _e("currencies valid", "ExpectColumnValuesToBeInSet", column="currency_code", value_set=CURRENCIES),
        _e("gross = commission + earnings", "ExpectColumnValuesToBeBetween", column="split_error",
           min_value=0, max_value=0),
    ),
)

COMMISSION_TOTALS = Suite(
    "commission_totals",
    "A commission run's totals per vendor and currency against the sum of the ledger lines of its period.",
    (
        _e("run totals equal the sum of lines", "ExpectColumnValuesToBeBetween", column="total_difference",
           min_value=0, max_value=0),
        _e("currencies valid", "ExpectColumnValuesToBeInSet", column="currency_code", value_set=CURRENCIES),
    ),
)

COMMISSION_COVERAGE = Suite(
    "commission_coverage",
    "Every order line placed in the period has exactly one recorded sale commission line.",
    (
        _e("every order line has exactly one commission line", "ExpectColumnValuesToBeBetween",
           column="sale_lines", min_value=1, max_value=1),
    ),
)

PAYOUTS = Suite(
    "payouts",
    "The payouts of a batch: positive, valid currency, one per vendor and currency, never over the balance.",
    (
        _e("amount positive", "ExpectColumnValuesToBeBetween", column="amount", min_value=1),
        _e("currencies valid", "ExpectColumnValuesToBeInSet", column="currency_code", value_set=CURRENCIES),
        _e("one payout per vendor and currency", "ExpectCompoundColumnsToBeUnique",
           column_list=["vendor_id", "currency_code"]),
        _e("never more than the approved balance", "ExpectColumnValuesToBeBetween", column="over_balance",
           max_value=0),
        _e("status known", "ExpectColumnValuesToBeInSet", column="status",
           value_set=["requested", "approved", "paid", "failed", "rejected"]),
    ),
)


def _frame(session: Session, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    result = session.execute(text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def orders_frame(session: Session) -> pd.DataFrame:
    return _frame(session, """
        SELECT l.id AS order_line_id, o.id AS order_id, o.currency_code,
               extract(epoch FROM o.created_at - now())::float AS seconds_in_future,
               l.quantity, l.unit_price, abs(l.subtotal - l.quantity * l.unit_price) AS subtotal_error,
               abs(o.total - o.subtotal - o.shipping_total - o.tax_total) AS total_error
        FROM commerce.order_line_items AS l
        JOIN commerce.vendor_orders AS vo ON vo.id = l.vendor_order_id
        JOIN commerce.orders AS o ON o.id = vo.order_id
    """, {})


def commission_lines_frame(session: Session, period_start: date, period_end: date) -> pd.DataFrame:
    """The sale lines checkout recorded for the orders placed in the period."""
    return _frame(session, """
        SELECT cl.id AS commission_line_id, cl.order_line_item_id AS order_line_id, cl.currency_code,
               CASE WHEN cl.base_amount <= 0 OR cl.commission_amount = cl.base_amount THEN 0
                    ELSE abs(cl.commission_amount - cl.fixed_fee - cl.base_amount * cl.rate) END::float
                   AS commission_error,
               cl.vendor_amount AS sale_earnings,
               abs(cl.gross_amount - cl.commission_amount - cl.vendor_amount) AS split_error
        FROM commerce.commission_lines AS cl JOIN commerce.orders AS o ON o.id = cl.order_id
        WHERE cl.type = 'sale' AND o.created_at >= :start AND o.created_at < :end
    """, _bounds(period_start, period_end))


def commission_totals_frame(session: Session, run_id: str) -> pd.DataFrame:
    """A run's totals per vendor and currency next to the sums of the recorded ledger lines of its period
    (sales by the order's time, refund reversals by the refund's, cancellation remainders by the cancel's)."""
    return _frame(session, """
        WITH run AS (
            SELECT * FROM commerce.commission_runs WHERE id = :run_id
        ),
        bounds AS (
            SELECT (period_start::timestamp AT TIME ZONE 'UTC') AS start,
                   ((period_end + 1)::timestamp AT TIME ZONE 'UTC') AS "end"
            FROM run
        ),
        totals AS (
            SELECT t ->> 'vendor_id' AS vendor_id, t ->> 'currency_code' AS currency_code,
                   (t ->> 'commission_amount')::bigint AS commission_amount,
                   (t ->> 'vendor_amount')::bigint AS vendor_amount, (t ->> 'gross_amount')::bigint AS gross_amount
            FROM run CROSS JOIN LATERAL jsonb_array_elements(run.totals) AS t
        ),
        lines AS (
            SELECT cl.vendor_id, cl.currency_code, sum(cl.commission_amount) AS commission_amount,
                   sum(cl.vendor_amount) AS vendor_amount, sum(cl.gross_amount) AS gross_amount
            FROM commerce.commission_lines AS cl
            JOIN commerce.orders AS o ON o.id = cl.order_id
            JOIN commerce.vendor_orders AS vo ON vo.id = cl.vendor_order_id
            LEFT JOIN commerce.refunds AS r ON r.id = cl.refund_id
            CROSS JOIN bounds AS b
            WHERE (cl.type = 'sale' AND o.created_at >= b.start AND o.created_at < b."end")
               OR (cl.type <> 'sale' AND cl.refund_id IS NOT NULL AND r.created_at >= b.start
                   AND r.created_at < b."end")
               OR (cl.type <> 'sale' AND cl.refund_id IS NULL AND vo.canceled_at >= b.start
                   AND vo.canceled_at < b."end")
            GROUP BY 1, 2
        )
        SELECT coalesce(t.vendor_id, l.vendor_id) AS vendor_id,
               coalesce(t.currency_code, l.currency_code) AS currency_code,
               (abs(coalesce(t.commission_amount, 0) - coalesce(l.commission_amount, 0))
                + abs(coalesce(t.vendor_amount, 0) - coalesce(l.vendor_amount, 0))
                + abs(coalesce(t.gross_amount, 0) - coalesce(l.gross_amount, 0)))::bigint AS total_difference
        FROM totals AS t FULL JOIN lines AS l ON l.vendor_id = t.vendor_id AND l.currency_code = t.currency_code
    """, {"run_id": run_id})


def commission_coverage_frame(session: Session, period_start: date, period_end: date) -> pd.DataFrame:
    return _frame(session, """
        SELECT l.id AS order_line_id, count(cl.id) AS sale_lines
        FROM commerce.order_line_items AS l
        JOIN commerce.vendor_orders AS vo ON vo.id = l.vendor_order_id
        JOIN commerce.orders AS o ON o.id = vo.order_id
        LEFT JOIN commerce.commission_lines AS cl ON cl.order_line_item_id = l.id AND cl.type = 'sale'
        WHERE o.created_at >= :start AND o.created_at < :end
        GROUP BY l.id
    """, _bounds(period_start, period_end))


def payouts_frame(session: Session, batch_id: str) -> pd.DataFrame:
    return _frame(session, """
        SELECT i ->> 'vendor_id' AS vendor_id, i ->> 'currency_code' AS currency_code, p.amount, p.status,
               p.amount - (i ->> 'balance')::bigint AS over_balance
        FROM commerce.payout_batches AS b
        CROSS JOIN LATERAL jsonb_array_elements(b.items) AS i
        JOIN commerce.payouts AS p ON p.id = i ->> 'payout_id'
        WHERE b.id = :batch_id
    """, {"batch_id": batch_id})


def _bounds(period_start: date, period_end: date) -> dict[str, Any]:
    from assets.commissions.engine import day_bounds

    start, end = day_bounds(period_start, period_end)
    return {"start": start, "end": end}


def validate(suite: Suite, frame: pd.DataFrame) -> SuiteResult:
    """Validate `frame` against `suite` with Great Expectations (an ephemeral context, pandas batch)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"{suite.name}_source")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    gx_suite = gx.ExpectationSuite(name=suite.name)
    for expectation in suite.expectations:
        factory: Callable[..., Any] = getattr(gx.expectations, expectation.type)
        gx_suite.add_expectation(factory(**expectation.kwargs, meta={"rule": expectation.rule}))
    outcome = batch.validate(gx_suite)
    results = []
    for item in outcome.results:
        config = item.expectation_config
        kwargs = dict(config.kwargs) if config is not None else {}
        results.append({
            "rule": str((config.meta or {}).get("rule", "")) if config is not None else "",
            "expectation": config.type if config is not None else "",
            "column": kwargs.get("column") or ",".join(kwargs.get("column_list", [])),
            "success": bool(item.success),
            "unexpected_count": int(item.result.get("unexpected_count") or 0),
            "sample": list(item.result.get("partial_unexpected_list") or [])[:10],
        })
    return SuiteResult(suite=suite.name, success=bool(outcome.success), rows=len(frame), results=results)
