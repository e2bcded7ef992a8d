"""The commission run: recompute, for one period, every vendor's commission and earnings from the order
lines and the rules in force at order time - independently of what checkout recorded - and compare with the
recorded commission ledger (`commerce.commission_lines`). Every difference is a finding.

How the amounts are computed (the rules of `api/commissions/service.py`, re-implemented here, not called):

- **Sale lines** (orders placed in the period, by `orders.created_at`): the rule version in force at the
  order's time - a category rule of one of the categories the sale line recorded (the product's approved
  categories at the sale), highest priority then lowest id, else the vendor's rule, else the platform
  default, else the vendor's rate recorded on the vendor order at the sale, with no fee. Versions a sale used
  never change, so the recomputation reproduces the sale's terms. The base is
  the line subtotal; the commission is `base * rate` rounded half-even plus the rule's fixed fee in the
  order's currency, at most the base (0 when the base is 0). The gross is the line's largest-remainder share
  of its vendor order's total (weights: line subtotals, ties to the lower line id). Earnings = gross -
  commission. This part runs in polars, chosen by measurement (`bench/commission_bench.py`, 1,000,000
  lines, 2 cores): the bare aggregation takes about 5.8 s in PostgreSQL against 1.5 s in polars or DuckDB
  plus 1.7 s to COPY the rows out; a first SQL version of the run (INSERT ... SELECT of every computed line,
  then a join with the ledger) took 16.6 s. The run keeps no per-line copy: what it stores is the totals per
  vendor and currency and every finding, so the rows only travel out of PostgreSQL once and the comparison
  is a polars join. The order lines (then the rules) and the recorded sale lines (with the categories each was
  priced with) are copied out at once by the asset, on two connections reading one exported snapshot
  (`separate_readers`): the two COPYs were 4.9 s one after the other, 3.1 s side by side on 2 cores.
- **Reversals** (refunds recorded in the period, and the remainder reversed when a vendor order is
  canceled in the period): the vendor order's history is replayed from its recomputed sale lines: each
  refund's allocation is split over the lines by what each still holds (largest remainder), and each line's
  base and commission are reversed cumulatively (`prorate(after) - prorate(before)`). There are few of
  them, so this part is Python with `api.money`.

Money stays integer minor units per currency; rates are `Decimal`/`numeric`; rounding is half-even, and the
SQL and polars roundings are both `api.money.half_even_quotient` evaluated over their own expressions (the one
definition, `tests/analytics/test_rounding.py` holds the three to the same values).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import psycopg
import psycopg.sql
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from api import money
from api.commission_runs.models import CommissionRun, RunStatus
from api.db import libpq_url, scope_connection, tenant_scope_of

AMOUNT_FIELDS = ("gross_amount", "base_amount", "fixed_fee", "commission_amount", "vendor_amount")
FINDINGS_KEPT = 1000  # findings stored on the run record; `finding_count` has them all


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, (end + 1 day) 00:00 UTC): the timestamps of the inclusive period start..end."""
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


RATE_SCALE = 10_000  # rates are numeric(5, 4): `rate * RATE_SCALE` is an exact integer in SQL and polars


def sale_lines_sql(where: str) -> str:
    """SELECT computing the sale lines of the orders matched by `where` (over `o`, `vo`, `l`)."""
    commission = (
        "CASE WHEN subtotal <= 0 THEN 0 ELSE "
        f"least(subtotal, {money.half_even_sql(f'subtotal * (rate * {RATE_SCALE})::bigint', RATE_SCALE)} + fee) END"
    )
    return f"""
    WITH lines AS (
        SELECT l.id AS order_line_id, l.vendor_order_id, vo.order_id, vo.vendor_id, l.product_id, l.subtotal,
               vo.total AS vo_total, o.currency_code, o.created_at AS ordered_at, vo.commission_rate AS vendor_rate
        FROM commerce.orders AS o
        JOIN commerce.vendor_orders AS vo ON vo.order_id = o.id
        JOIN commerce.order_line_items AS l ON l.vendor_order_id = vo.id
        JOIN commerce.vendors AS v ON v.id = vo.vendor_id
        WHERE {where}
    ),
    category_rule AS (
        SELECT DISTINCT ON (ln.order_line_id) ln.order_line_id, r.id, r.rate, r.fixed_fees
        FROM lines AS ln
        JOIN commerce.commission_lines AS rec ON rec.order_line_item_id = ln.order_line_id AND rec.type = 'sale'
        CROSS JOIN LATERAL unnest(rec.categories) AS pc(category_id)
        JOIN commerce.commission_rules AS r
          ON r.scope = 'category' AND r.category_id = pc.category_id
         AND r.valid_from <= ln.ordered_at AND (r.valid_to IS NULL OR r.valid_to > ln.ordered_at)
        ORDER BY ln.order_line_id, r.priority DESC, r.id
    ),
    termed AS (
        SELECT ln.*,
               coalesce(cr.id, vr.id, pr.id) AS rule_id,
               coalesce(cr.rate, vr.rate, pr.rate, ln.vendor_rate) AS rate,
               coalesce((coalesce(cr.fixed_fees, vr.fixed_fees, pr.fixed_fees) ->> ln.currency_code)::bigint, 0)
                   AS fee
        FROM lines AS ln
        LEFT JOIN category_rule AS cr ON cr.order_line_id = ln.order_line_id
        LEFT JOIN commerce.commission_rules AS vr
          ON cr.id IS NULL AND vr.scope = 'vendor' AND vr.vendor_id = ln.vendor_id
         AND vr.valid_from <= ln.ordered_at AND (vr.valid_to IS NULL OR vr.valid_to > ln.ordered_at)
        LEFT JOIN commerce.commission_rules AS pr
          ON cr.id IS NULL AND vr.id IS NULL AND pr.scope = 'platform'
         AND pr.valid_from <= ln.ordered_at AND (pr.valid_to IS NULL OR pr.valid_to > ln.ordered_at)
    ),
    weighted AS (
        SELECT t.*,
               CASE WHEN sum(subtotal) OVER w > 0 THEN subtotal ELSE 1 END AS weight,
               (CASE WHEN sum(subtotal) OVER w > 0 THEN sum(subtotal) OVER w ELSE count(*) OVER w END)::bigint
                   AS weight_sum
        FROM termed AS t
        WINDOW w AS (PARTITION BY vendor_order_id)
    ),
    floored AS (
        SELECT w.*, (vo_total * weight) / weight_sum AS floor_share, (vo_total * weight) % weight_sum AS remainder
        FROM weighted AS w
    ),
    allocated AS (
        SELECT f.*,
               vo_total - (sum(floor_share) OVER (PARTITION BY vendor_order_id))::bigint AS left_over,
               row_number() OVER (PARTITION BY vendor_order_id ORDER BY remainder DESC, order_line_id) AS rank
        FROM floored AS f
    ),
    computed AS (
        SELECT a.*,
               (floor_share + CASE WHEN rank <= left_over THEN 1 ELSE 0 END)::bigint AS gross_amount,
               {commission} AS commission_amount
        FROM allocated AS a
    )
    SELECT 'sale' AS line_type, vendor_id, order_id, vendor_order_id, order_line_id, NULL::varchar AS refund_id,
           rule_id, currency_code, ordered_at, subtotal AS base_amount, gross_amount, rate, fee AS fixed_fee,
           commission_amount, gross_amount - commission_amount AS vendor_amount
    FROM computed
    """






@dataclass
class RunResult:
    run_id: str
    period_start: date
    period_end: date
    status: str
    recomputed: bool
    line_count: int = 0
    finding_count: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)


# ---- reversals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reversal:
    line_type: str
    vendor_id: str
    order_id: str
    vendor_order_id: str
    order_line_id: str
    refund_id: str | None
    rule_id: str | None
    currency_code: str
    ordered_at: datetime
    base_amount: int
    gross_amount: int
    rate: Decimal
    fixed_fee: int
    commission_amount: int
    vendor_amount: int


def _replay(
    sales: dict[str, dict[str, Any]], events: list[tuple[datetime, str, str | None, int | None]]
) -> list[tuple[datetime, _Reversal]]:
    """Replay a vendor order's refunds and cancellation over its sale lines; each reversal with its time."""
    held = {line_id: sales[line_id]["gross_amount"] for line_id in sorted(sales)}
    out: list[tuple[datetime, _Reversal]] = []
    for at, kind, refund_id, amount in events:
        total_held = sum(held.values())
        wanted = total_held if amount is None else amount
        if wanted <= 0 or total_held <= 0:
            continue
        wanted = min(wanted, total_held)
        shares = money.allocate(wanted, list(held.values()))
        for (line_id, before), share in zip(list(held.items()), shares, strict=True):
            if share == 0:
                continue
            sale, after = sales[line_id], before - share
            gross = sale["gross_amount"]
            base = money.prorate(sale["base_amount"], after, gross) - money.prorate(sale["base_amount"], before, gross)
            commission = money.prorate(sale["commission_amount"], after, gross) - money.prorate(
                sale["commission_amount"], before, gross
            )
            out.append((at, _Reversal(
                line_type=kind, vendor_id=sale["vendor_id"], order_id=sale["order_id"],
                vendor_order_id=sale["vendor_order_id"], order_line_id=line_id, refund_id=refund_id,
                rule_id=sale["rule_id"], currency_code=sale["currency_code"], ordered_at=sale["ordered_at"],
                base_amount=base, gross_amount=-share, rate=sale["rate"], fixed_fee=sale["fixed_fee"],
                commission_amount=commission, vendor_amount=-share - commission,
            )))
            held[line_id] = after
    return out


def compute_reversals(session: Session, start: datetime, end: datetime) -> list[tuple[datetime, _Reversal]]:
    """Reversal lines (with their time) for refunds created, and vendor orders canceled, in [start, end)."""
    touched: list[str] = list(session.execute(text("""
        SELECT DISTINCT key AS vendor_order_id
        FROM commerce.refunds AS r CROSS JOIN LATERAL jsonb_object_keys(r.allocations) AS key
        WHERE r.created_at >= :start AND r.created_at < :end
        UNION
        SELECT id FROM commerce.vendor_orders WHERE canceled_at >= :start AND canceled_at < :end
    """), {"start": start, "end": end}).scalars())
    if not touched:
        return []
    sales: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    statement = text(sale_lines_sql("vo.id IN :ids")).bindparams(bindparam("ids", expanding=True))
    for row in session.execute(statement, {"ids": touched}).mappings():
        sales[row["vendor_order_id"]][row["order_line_id"]] = dict(row)
    events: dict[str, list[tuple[datetime, int, str, str | None, int | None]]] = defaultdict(list)
    refunds = text("""
        SELECT r.id, r.created_at, key AS vendor_order_id, value::bigint AS amount
        FROM commerce.refunds AS r CROSS JOIN LATERAL jsonb_each_text(r.allocations) AS alloc(key, value)
        WHERE key IN :ids AND r.created_at < :end
    """).bindparams(bindparam("ids", expanding=True))
    for row in session.execute(refunds, {"ids": touched, "end": end}).mappings():
        events[str(row["vendor_order_id"])].append(
            (row["created_at"], 0, "refund", str(row["id"]), int(row["amount"]))
        )
    cancels = text("SELECT id, canceled_at FROM commerce.vendor_orders WHERE id IN :ids AND canceled_at < :end")
    for row in session.execute(
        cancels.bindparams(bindparam("ids", expanding=True)), {"ids": touched, "end": end}
    ).mappings():
        events[str(row["id"])].append((row["canceled_at"], 1, "cancellation", None, None))
    reversals: list[tuple[datetime, _Reversal]] = []
    for vendor_order_id in touched:
        ordered = sorted(events[vendor_order_id], key=lambda e: (e[0], e[1], e[3] or ""))
        replayed = _replay(sales[vendor_order_id], [(at, kind, ref, amount) for at, _, kind, ref, amount in ordered])
        reversals.extend((at, rev) for at, rev in replayed if start <= at < end)
    return reversals


RECORDED_REVERSALS_SQL = """
    SELECT cl.order_line_item_id, cl.refund_id, cl.vendor_id, cl.gross_amount, cl.base_amount,
           cl.commission_amount, cl.vendor_amount, coalesce(r.created_at, vo.canceled_at) AS event_at
    FROM commerce.commission_lines AS cl
    LEFT JOIN commerce.refunds AS r ON r.id = cl.refund_id
    JOIN commerce.vendor_orders AS vo ON vo.id = cl.vendor_order_id
    WHERE cl.type IN ('refund', 'cancellation') AND (
        (cl.refund_id IS NOT NULL AND r.created_at >= :start AND r.created_at < :end)
        OR (cl.refund_id IS NULL AND vo.canceled_at >= :start AND vo.canceled_at < :end))
"""


# ---- sales: PostgreSQL -> polars -> PostgreSQL ---------------------------------------------------------

LINES_SQL = """
    SELECT l.id AS order_line_id, l.vendor_order_id, vo.order_id, vo.vendor_id, l.product_id, l.subtotal,
           vo.total AS vo_total, o.currency_code, (extract(epoch FROM o.created_at) * 1000000)::bigint AS ordered_at,
           (vo.commission_rate * 10000)::bigint AS vendor_rate_e4
    FROM commerce.orders AS o
    JOIN commerce.vendor_orders AS vo ON vo.order_id = o.id
    JOIN commerce.order_line_items AS l ON l.vendor_order_id = vo.id
    JOIN commerce.vendors AS v ON v.id = vo.vendor_id
    WHERE o.created_at >= '{start}' AND o.created_at < '{end}'
"""
RECORDED_SQL = """
    SELECT cl.order_line_item_id AS order_line_id, cl.id AS r_id, cl.vendor_id AS r_vendor_id,
           cl.currency_code AS r_currency_code, cl.gross_amount AS r_gross_amount, cl.base_amount AS r_base_amount,
           (cl.rate * 10000)::bigint AS r_rate_e4, cl.fixed_fee AS r_fixed_fee,
           cl.commission_amount AS r_commission_amount, cl.vendor_amount AS r_vendor_amount,
           (extract(epoch FROM o.created_at) * 1000000)::bigint AS r_ordered_at,
           cl.categories AS r_categories
    FROM commerce.commission_lines AS cl JOIN commerce.orders AS o ON o.id = cl.order_id
    WHERE cl.type = 'sale' AND o.created_at >= '{start}' AND o.created_at < '{end}'
"""
RULES_SQL = """
    SELECT id AS rule_id, scope, coalesce(vendor_id, '') AS vendor_id, coalesce(category_id, '') AS category_id,
           (rate * 10000)::bigint AS rate_e4, priority, fixed_fees::text AS fixed_fees,
           (extract(epoch FROM valid_from) * 1000000)::bigint AS valid_from,
           coalesce((extract(epoch FROM valid_to) * 1000000)::bigint, 9223372036854775807) AS valid_to
    FROM commerce.commission_rules
"""
LINE_SCHEMA = {
    "order_line_id": pl.Utf8, "vendor_order_id": pl.Utf8, "order_id": pl.Utf8, "vendor_id": pl.Utf8,
    "product_id": pl.Utf8, "subtotal": pl.Int64, "vo_total": pl.Int64, "currency_code": pl.Utf8,
    "ordered_at": pl.Int64, "vendor_rate_e4": pl.Int64,
}
RECORDED_SCHEMA = {
    "order_line_id": pl.Utf8, "r_id": pl.Utf8, "r_vendor_id": pl.Utf8, "r_currency_code": pl.Utf8,
    "r_gross_amount": pl.Int64, "r_base_amount": pl.Int64, "r_rate_e4": pl.Int64, "r_fixed_fee": pl.Int64,
    "r_commission_amount": pl.Int64, "r_vendor_amount": pl.Int64, "r_ordered_at": pl.Int64,
    "r_categories": pl.Utf8,  # the (approved) categories the sale was priced with, frozen at the sale: '{a,b}'
}
RULE_SCHEMA = {
    "rule_id": pl.Utf8, "scope": pl.Utf8, "vendor_id": pl.Utf8, "category_id": pl.Utf8, "rate_e4": pl.Int64,
    "priority": pl.Int64, "fixed_fees": pl.Utf8, "valid_from": pl.Int64, "valid_to": pl.Int64,
}


@dataclass
class Inputs:
    lines: pl.DataFrame
    rules: pl.DataFrame
    categories: pl.DataFrame
    recorded: pl.DataFrame


def _copy_out(connection: psycopg.Connection[Any], sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    """Rows of `sql` through COPY ... TO STDOUT (CSV), straight into polars: the fastest way out of PostgreSQL
    without Arrow."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    return pl.read_csv(buffer.getvalue(), schema=schema) if buffer.tell() else pl.DataFrame(schema=schema)


def _own_connection(session: Session) -> psycopg.Connection[Any]:
    """The session's own connection: it also sees the transaction's own writes, and works inside a savepoint."""
    own = session.connection().connection.dbapi_connection
    assert isinstance(own, psycopg.Connection)  # the psycopg 3 driver of `api.db`
    return own


@contextmanager
def _snapshot_readers(session: Session, count: int) -> Iterator[list[psycopg.Connection[Any]]]:
    """`count` more connections reading what was committed when this is called (the session's exported
    snapshot, with its tenant scope; not the session's own uncommitted writes), so that several COPYs run at
    once - one server process each - and still agree row for row. Not inside a savepoint: no snapshot can be
    exported there."""
    snapshot: str = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    scope = tenant_scope_of(session)
    url = libpq_url(session.connection().engine.url.render_as_string(hide_password=False))
    readers: list[psycopg.Connection[Any]] = []
    try:
        for _ in range(count):
            reader = psycopg.connect(url)
            readers.append(reader)
            reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            reader.execute(psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(psycopg.sql.Literal(snapshot)))
            scope_connection(reader, scope)
        yield readers
    finally:
        for reader in readers:
            reader.close()


def load_inputs(session: Session, start: datetime, end: datetime, separate_readers: bool = False) -> Inputs:
    """The run's rows, by COPY: the order lines (then the rules) and the recorded sale lines with the categories
    each was priced with. By default one after the other on the session's own connection; with
    `separate_readers` on a connection each and both at once (one snapshot, see `_snapshot_readers`)."""
    window = {"start": start.isoformat(), "end": end.isoformat()}
    lines_sql, recorded_sql = LINES_SQL.format(**window), RECORDED_SQL.format(**window)
    if separate_readers:
        with _snapshot_readers(session, 2) as (lines_reader, recorded_reader), ThreadPoolExecutor(1) as pool:
            recorded_rows = pool.submit(_copy_out, recorded_reader, recorded_sql, RECORDED_SCHEMA)
            order_lines = _copy_out(lines_reader, lines_sql, LINE_SCHEMA)
            rules = _copy_out(lines_reader, RULES_SQL, RULE_SCHEMA)
            sale_lines = recorded_rows.result()
    else:
        own = _own_connection(session)
        sale_lines = _copy_out(own, recorded_sql, RECORDED_SCHEMA)
        order_lines = _copy_out(own, lines_sql, LINE_SCHEMA)
        rules = _copy_out(own, RULES_SQL, RULE_SCHEMA)
    categories = (
        sale_lines.select("order_line_id", pl.col("r_categories").str.strip_chars("{}").str.split(",")
                          .alias("category_id"))
        .explode("category_id")
        .filter(pl.col("category_id").is_not_null() & (pl.col("category_id") != ""))
    )
    return Inputs(lines=order_lines, rules=rules, categories=categories, recorded=sale_lines.drop("r_categories"))


def compute_sales(inputs: Inputs) -> pl.DataFrame:
    """One row per order line with the computed sale (see the module docstring), next to the recorded one."""
    lines = inputs.lines
    currencies = lines.get_column("currency_code").unique().to_list()
    rules = inputs.rules.with_columns(
        pl.col("fixed_fees").str.json_path_match(f"$.{code}").cast(pl.Int64).fill_null(0).alias(f"fee_{code}")
        for code in currencies
    )
    in_force = (pl.col("valid_from") <= pl.col("ordered_at")) & (pl.col("valid_to") > pl.col("ordered_at"))
    keep = ["order_line_id", "rule_id", "rate_e4", *(f"fee_{c}" for c in currencies)]
    by_category = (
        lines.select("order_line_id", "ordered_at")
        .join(inputs.categories, on="order_line_id")
        .join(rules.filter(pl.col("scope") == "category"), on="category_id")
        .filter(in_force)
        .sort(["order_line_id", "priority", "rule_id"], descending=[False, True, False])
        .unique(subset="order_line_id", keep="first")
        .select(keep)
    )
    by_vendor = (
        lines.select("order_line_id", "vendor_id", "ordered_at")
        .join(rules.filter(pl.col("scope") == "vendor"), on="vendor_id")
        .filter(in_force).select(keep)
    )
    by_platform = (
        lines.select("order_line_id", "ordered_at")
        .join(rules.filter(pl.col("scope") == "platform").drop("vendor_id", "category_id"), how="cross")
        .filter(in_force).select(keep)
    )
    joined = (
        lines.join(by_category, on="order_line_id", how="left")
        .join(by_vendor, on="order_line_id", how="left", suffix="_v")
        .join(by_platform, on="order_line_id", how="left", suffix="_p")
    )
    has_c, has_v, has_p = (pl.col(c).is_not_null() for c in ("rule_id", "rule_id_v", "rule_id_p"))

    def pick(column: str, fallback: pl.Expr) -> pl.Expr:
        return (pl.when(has_c).then(pl.col(column)).when(has_v).then(pl.col(f"{column}_v"))
                .when(has_p).then(pl.col(f"{column}_p")).otherwise(fallback))

    fee: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for code in currencies:
        fee = pl.when(pl.col("currency_code") == code).then(pick(f"fee_{code}", pl.lit(0))).otherwise(fee)
    half_even = money.half_even_quotient(pl.col("subtotal") * pl.col("rate_e4_"), RATE_SCALE)
    group = "vendor_order_id"
    return (
        joined.with_columns(
            pick("rate_e4", pl.col("vendor_rate_e4")).alias("rate_e4_"),
            fee.alias("fixed_fee"),
            pl.when(has_c).then(pl.col("rule_id")).when(has_v).then(pl.col("rule_id_v"))
            .when(has_p).then(pl.col("rule_id_p")).otherwise(None).alias("rule"),
        )
        .with_columns(
            pl.when(pl.col("subtotal") <= 0).then(0)
            .otherwise(pl.min_horizontal(pl.col("subtotal"), half_even + pl.col("fixed_fee")))
            .alias("commission_amount"),
            pl.when(pl.col("subtotal").sum().over(group) > 0).then(pl.col("subtotal")).otherwise(1).alias("weight"),
        )
        .with_columns(pl.col("weight").sum().over(group).alias("weight_sum"))
        .with_columns((pl.col("vo_total") * pl.col("weight") // pl.col("weight_sum")).alias("floor"),
                      (pl.col("vo_total") * pl.col("weight") % pl.col("weight_sum")).alias("remainder"))
        .with_columns((pl.col("vo_total") - pl.col("floor").sum().over(group)).alias("left_over"))
        .sort([group, "remainder", "order_line_id"], descending=[False, True, False])
        .with_columns(pl.col("order_line_id").cum_count().over(group).alias("rank"))
        .with_columns((pl.col("floor") + (pl.col("rank") <= pl.col("left_over")).cast(pl.Int64)).alias("gross_amount"))
        .with_columns(
            pl.col("subtotal").alias("base_amount"),
            (pl.col("gross_amount") - pl.col("commission_amount")).alias("vendor_amount"),
        )
    )


COMPARED = (("gross_amount", "r_gross_amount"), ("base_amount", "r_base_amount"), ("fixed_fee", "r_fixed_fee"),
            ("commission_amount", "r_commission_amount"), ("vendor_amount", "r_vendor_amount"),
            ("rate_e4_", "r_rate_e4"), ("vendor_id", "r_vendor_id"), ("currency_code", "r_currency_code"))


def sale_findings(sales: pl.DataFrame, recorded: pl.DataFrame) -> list[dict[str, Any]]:
    """Every computed sale line without exactly one equal recorded sale line, and every recorded sale line of
    the period's orders that no computed line explains."""
    if recorded.height == recorded.get_column("order_line_id").n_unique():  # the usual case: no duplicates
        first = recorded.with_columns(pl.lit(1, dtype=pl.UInt32).alias("r_copies"))
    else:
        first = recorded.sort("r_id").group_by("order_line_id").agg(
            pl.len().alias("r_copies"), *(pl.col(c).first() for c in recorded.columns if c != "order_line_id"))
    sales = sales.join(first, on="order_line_id", how="left")
    unexpected = first.join(sales.select("order_line_id"), on="order_line_id", how="anti")
    differs = pl.lit(False)
    for mine, theirs in COMPARED:
        differs = differs | (pl.col(mine) != pl.col(theirs))
    suspects = sales.filter(pl.col("r_copies").is_null() | (pl.col("r_copies") > 1) | differs).sort("order_line_id")
    findings: list[dict[str, Any]] = []
    for row in suspects.iter_rows(named=True):
        base = {"line_type": "sale", "vendor_id": row["vendor_id"], "order_line_id": row["order_line_id"],
                "refund_id": None, "commission_line_id": row["r_id"]}
        if row["r_copies"] is None:
            findings.append({**base, "kind": "missing_recorded_line", "field": None,
                             "expected": row["commission_amount"], "recorded": None})
            continue
        if row["r_copies"] > 1:
            findings.append({**base, "kind": "duplicate_recorded_line", "field": None, "expected": 1,
                             "recorded": row["r_copies"]})
        for mine, theirs in COMPARED:
            if row[mine] != row[theirs]:
                field = "rate" if mine == "rate_e4_" else mine
                mine_value, their_value = row[mine], row[theirs]
                if field == "rate":
                    mine_value, their_value = str(Decimal(mine_value) / 10000), str(Decimal(their_value) / 10000)
                findings.append({**base, "kind": "amount_mismatch", "field": field, "expected": mine_value,
                                 "recorded": their_value})
    return findings + _unexpected(unexpected)


def _unexpected(recorded: pl.DataFrame) -> list[dict[str, Any]]:
    """Recorded sale lines that no computed line explains."""
    return [
        {"line_type": "sale", "vendor_id": row["r_vendor_id"], "order_line_id": row["order_line_id"],
         "refund_id": None, "commission_line_id": row["r_id"], "kind": "unexpected_recorded_line",
         "field": None, "expected": None, "recorded": row["r_commission_amount"]}
        for row in recorded.sort("order_line_id").iter_rows(named=True)
    ]


# ---- the run -------------------------------------------------------------------------------------------


def _reversal_findings(reversals: list[_Reversal], recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    # Reversals: keyed by (order line, refund or the cancellation remainder), summed on both sides.
    computed_rev: dict[tuple[str, str | None], dict[str, Any]] = {}
    for rev in reversals:
        entry = computed_rev.setdefault((rev.order_line_id, rev.refund_id), {
            "vendor_id": rev.vendor_id, **dict.fromkeys(AMOUNT_FIELDS, 0)})
        for f in AMOUNT_FIELDS:
            if f != "fixed_fee":
                entry[f] += getattr(rev, f)
    recorded_rev: dict[tuple[str, str | None], dict[str, Any]] = {}
    for row in recorded:
        entry = recorded_rev.setdefault((row["order_line_item_id"], row["refund_id"]), {
            "vendor_id": row["vendor_id"], **dict.fromkeys(AMOUNT_FIELDS, 0)})
        for f in AMOUNT_FIELDS:
            if f != "fixed_fee":
                entry[f] += row[f]
    for key in sorted(computed_rev.keys() | recorded_rev.keys(), key=lambda k: (k[0], k[1] or "")):
        mine, theirs = computed_rev.get(key), recorded_rev.get(key)
        base = {"line_type": "reversal", "order_line_id": key[0], "refund_id": key[1],
                "commission_line_id": None, "vendor_id": (mine or theirs or {}).get("vendor_id")}
        if theirs is None:
            assert mine is not None
            findings.append({**base, "kind": "missing_recorded_line", "field": None,
                             "expected": mine["commission_amount"], "recorded": None})
        elif mine is None:
            findings.append({**base, "kind": "unexpected_recorded_line", "field": None, "expected": None,
                             "recorded": theirs["commission_amount"]})
        else:
            for f in ("gross_amount", "base_amount", "commission_amount", "vendor_amount"):
                if mine[f] != theirs[f]:
                    findings.append({**base, "kind": "amount_mismatch", "field": f, "expected": mine[f],
                                     "recorded": theirs[f]})
    return findings


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _totals(sales: pl.DataFrame | None, reversals: list[_Reversal]) -> list[dict[str, Any]]:
    keys = ("lines", "reversal_lines", "sales_base_amount", "base_amount", "gross_amount", "sale_commission_amount",
            "commission_amount", "vendor_amount")
    totals: dict[tuple[str, str], dict[str, Any]] = {}

    def entry(vendor_id: str, currency: str) -> dict[str, Any]:
        return totals.setdefault((vendor_id, currency), {"vendor_id": vendor_id, "currency_code": currency,
                                                         **dict.fromkeys(keys, 0)})

    if sales is not None:
        grouped = sales.group_by("vendor_id", "currency_code").agg(
            pl.len().alias("lines"), pl.col("base_amount").sum(), pl.col("gross_amount").sum(),
            pl.col("commission_amount").sum(), pl.col("vendor_amount").sum())
        for row in grouped.iter_rows(named=True):
            e = entry(row["vendor_id"], row["currency_code"])
            e["lines"] += int(row["lines"])
            for f in ("base_amount", "gross_amount", "commission_amount", "vendor_amount"):
                e[f] += int(row[f])
            e["sales_base_amount"] += int(row["base_amount"])
            e["sale_commission_amount"] += int(row["commission_amount"])
    for rev in reversals:
        e = entry(rev.vendor_id, rev.currency_code)
        e["reversal_lines"] += 1
        for f in ("base_amount", "gross_amount", "commission_amount", "vendor_amount"):
            e[f] += getattr(rev, f)
    return [totals[k] for k in sorted(totals)]


def run_periods(
    session: Session, periods: list[tuple[date, date]], dagster_run_id: str | None = None, *,
    separate_readers: bool = False,
) -> list[RunResult]:
    """Compute (or recompute, while still a draft) the commission run of each period (non-overlapping,
    usually single days). The rows of the whole window are loaded and computed once, then split by period.
    `separate_readers` copies the rows out on two more connections at once (`load_inputs`): only for a
    transaction that has written nothing the run reads (they do not see its uncommitted writes), as the asset's."""
    results: dict[tuple[date, date], RunResult] = {}
    drafts: dict[tuple[date, date], CommissionRun] = {}
    for period_start, period_end in sorted(periods):
        run = session.scalar(
            select(CommissionRun)
            .where(CommissionRun.period_start == period_start, CommissionRun.period_end == period_end)
            .with_for_update()
        )
        if run is not None and run.status != RunStatus.draft:
            results[(period_start, period_end)] = RunResult(
                run.id, period_start, period_end, run.status, recomputed=False, line_count=run.line_count,
                finding_count=run.finding_count, findings=list(run.findings), totals=list(run.totals))
            continue
        if run is None:
            run = CommissionRun(period_start=period_start, period_end=period_end, status=RunStatus.draft,
                                totals=[], findings=[], line_count=0, finding_count=0, version=1)
            session.add(run)
            session.flush()
        else:
            run.version += 1
        drafts[(period_start, period_end)] = run
    if drafts:
        start = day_bounds(min(p[0] for p in drafts), min(p[0] for p in drafts))[0]
        end = day_bounds(max(p[1] for p in drafts), max(p[1] for p in drafts))[1]
        bucket_of = {
            period_start + timedelta(days=i): (period_start, period_end)
            for period_start, period_end in drafts
            for i in range((period_end - period_start).days + 1)
        }
        inputs = load_inputs(session, start, end, separate_readers)
        sales = compute_sales(inputs) if not inputs.lines.is_empty() else None
        by_day_sales = _by_day(sales, "ordered_at")
        by_day_recorded = _by_day(inputs.recorded, "r_ordered_at")
        reversals: dict[tuple[date, date], list[_Reversal]] = defaultdict(list)
        for at, rev in compute_reversals(session, start, end):
            if at.astimezone(UTC).date() in bucket_of:
                reversals[bucket_of[at.astimezone(UTC).date()]].append(rev)
        recorded_reversals: dict[tuple[date, date], list[dict[str, Any]]] = defaultdict(list)
        for row in session.execute(text(RECORDED_REVERSALS_SQL), {"start": start, "end": end}).mappings():
            day = row["event_at"].astimezone(UTC).date()
            if day in bucket_of:
                recorded_reversals[bucket_of[day]].append(dict(row))
        for period, run in drafts.items():
            days = [d for d, p in bucket_of.items() if p == period]
            period_sales = _concat([by_day_sales[d] for d in days if d in by_day_sales])
            period_recorded = _concat([by_day_recorded[d] for d in days if d in by_day_recorded])
            findings: list[dict[str, Any]] = []
            if period_sales is not None:
                findings = sale_findings(period_sales, period_recorded if period_recorded is not None
                                         else inputs.recorded.clear())
            elif period_recorded is not None:
                findings = _unexpected(period_recorded)
            findings += _reversal_findings(reversals[period], recorded_reversals[period])
            totals = _totals(period_sales, reversals[period])
            run.totals = totals
            run.findings = findings[:FINDINGS_KEPT]
            run.finding_count = len(findings)
            run.line_count = sum(int(t["lines"]) + int(t["reversal_lines"]) for t in totals)
            run.dagster_run_id = dagster_run_id
            run.computed_at = datetime.now(UTC)
            results[period] = RunResult(run.id, period[0], period[1], run.status, recomputed=True,
                                        line_count=run.line_count, finding_count=len(findings), findings=findings,
                                        totals=totals)
        session.flush()
    return [results[p] for p in sorted(periods)]


def run_period(
    session: Session, period_start: date, period_end: date, dagster_run_id: str | None = None
) -> RunResult:
    """The commission run of one period (see `run_periods`)."""
    return run_periods(session, [(period_start, period_end)], dagster_run_id)[0]


def _by_day(frame: pl.DataFrame | None, column: str) -> dict[date, pl.DataFrame]:
    if frame is None or frame.is_empty():
        return {}
    dated = frame.with_columns(pl.from_epoch(column, time_unit="us").dt.date().alias("_day"))
    return {key[0]: part.drop("_day") for key, part in dated.partition_by("_day", as_dict=True).items()}


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    return pl.concat(frames) if frames else None
