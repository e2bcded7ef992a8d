"""Commission benchmark: the commission run's time over the generated orders, next to the same aggregation
in the plain engines on the same data (raw SQL in PostgreSQL, polars, DuckDB), and the `dbt build` time.

    .venv/bin/python bench/generate.py              # once: 1,000,000 order lines in marketplace_bench
    .venv/bin/python bench/commission_bench.py      # prints the table below

The aggregation: every order line's commission under the rule in force at order time (category > vendor >
platform > the vendor's own rate), `base * rate` rounded half-even plus the fixed fee, capped at the base;
the gross as the line's largest-remainder share of its vendor order's total; totals per vendor and
currency of commission and earnings (gross - commission). Every engine must give the same totals, to the
cent. The polars and DuckDB times include moving the rows out of PostgreSQL (COPY), shown apart.

The commission run does more than the aggregation: per UTC day (one run record each) it also loads the
recorded sale lines, compares every computed line with its recorded one (findings), replays refunds and
cancellations, and stores the run's totals and findings.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings
from api.db import Database, DatabaseUrls, Domain, libpq_url
from assets.commissions.engine import day_bounds, run_periods, sale_lines_sql
from bench.generate import SERVER_URL, database_url
from orchestration.resources import DBT_PROJECT_DIR, dbt_env, dbt_executable

Totals = dict[tuple[str, str], tuple[int, int]]

LINES_SQL = """
    SELECT l.id AS order_line_id, l.vendor_order_id, vo.vendor_id, l.product_id, l.subtotal, vo.total AS vo_total,
           o.currency_code, (extract(epoch FROM o.created_at) * 1000000)::bigint AS ordered_at,
           (vo.commission_rate * 10000)::bigint AS vendor_rate_e4
    FROM commerce.orders o JOIN commerce.vendor_orders vo ON vo.order_id = o.id
    JOIN commerce.order_line_items l ON l.vendor_order_id = vo.id JOIN commerce.vendors v ON v.id = vo.vendor_id
    WHERE o.created_at >= '{start}' AND o.created_at < '{end}'
"""
RULES_SQL = """
    SELECT id, scope, coalesce(vendor_id, '') AS vendor_id, coalesce(category_id, '') AS category_id,
           (rate * 10000)::bigint AS rate_e4, coalesce((fixed_fees ->> 'EUR')::bigint, 0) AS fee_eur,
           coalesce((fixed_fees ->> 'USD')::bigint, 0) AS fee_usd, priority,
           (extract(epoch FROM valid_from) * 1000000)::bigint AS valid_from,
           coalesce((extract(epoch FROM valid_to) * 1000000)::bigint, 9223372036854775807) AS valid_to
    FROM commerce.commission_rules
"""
# The categories each sale was priced with, as its sale line recorded them (the engine reads the same).
CATEGORIES_SQL = """
    SELECT cl.order_line_item_id AS order_line_id, unnest(cl.categories) AS category_id
    FROM commerce.commission_lines AS cl WHERE cl.type = 'sale'
"""


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def copy_csv(url: str, sql: str) -> bytes:
    buffer = io.BytesIO()
    with (
        psycopg.connect(libpq_url(url)) as conn,
        conn.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


# ---- raw SQL -------------------------------------------------------------------------------------------


def sql_totals(url: str, start: str, end: str) -> Totals:
    lines = sale_lines_sql(f"o.created_at >= '{start}' AND o.created_at < '{end}'")
    sql = (f"SELECT vendor_id, currency_code, sum(commission_amount)::bigint, sum(vendor_amount)::bigint "
           f"FROM ({lines}) s GROUP BY 1, 2")
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SET work_mem = '64MB'")  # the same settings as the commission run
        conn.execute("SET jit = off")
        return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in conn.execute(sql)}


# ---- polars --------------------------------------------------------------------------------------------


def polars_totals(frames: dict[str, bytes]) -> Totals:
    import polars as pl

    lines = pl.read_csv(io.BytesIO(frames["lines"]))
    rules = pl.read_csv(io.BytesIO(frames["rules"]), schema_overrides={"vendor_id": pl.Utf8, "category_id": pl.Utf8})
    categories = pl.read_csv(io.BytesIO(frames["categories"]))
    rules = rules.with_columns(pl.col("vendor_id").fill_null(""), pl.col("category_id").fill_null(""))
    in_force = (pl.col("valid_from") <= pl.col("ordered_at")) & (pl.col("valid_to") > pl.col("ordered_at"))
    keep = ["order_line_id", "rule_id", "rate_e4", "fee_eur", "fee_usd"]
    category_rules = (
        lines.select("order_line_id", "ordered_at")
        .join(categories, on="order_line_id")
        .join(rules.filter(pl.col("scope") == "category").rename({"id": "rule_id"}), on="category_id")
        .filter(in_force)
        .sort(["order_line_id", "priority", "rule_id"], descending=[False, True, False])
        .unique(subset="order_line_id", keep="first", maintain_order=False)
        .select(keep)
    )
    vendor_rules = (
        lines.select("order_line_id", "vendor_id", "ordered_at")
        .join(rules.filter(pl.col("scope") == "vendor").rename({"id": "rule_id"}), on="vendor_id")
        .filter(in_force).select(keep)
    )
    platform_rules = (
        lines.select("order_line_id", "ordered_at")
        .join(rules.filter(pl.col("scope") == "platform").rename({"id": "rule_id"}), how="cross")
        .filter(in_force).select(keep)
    )
    joined = (
        lines.join(category_rules, on="order_line_id", how="left")
        .join(vendor_rules, on="order_line_id", how="left", suffix="_v")
        .join(platform_rules, on="order_line_id", how="left", suffix="_p")
    )
    has_c, has_v, has_p = (pl.col(c).is_not_null() for c in ("rule_id", "rule_id_v", "rule_id_p"))

    def pick(column: str, fallback: pl.Expr) -> pl.Expr:
        return (pl.when(has_c).then(pl.col(column)).when(has_v).then(pl.col(f"{column}_v"))
                .when(has_p).then(pl.col(f"{column}_p")).otherwise(fallback))

    rate = pick("rate_e4", pl.col("vendor_rate_e4"))
    fee = pl.when(pl.col("currency_code") == "EUR").then(pick("fee_eur", pl.lit(0))).otherwise(
        pl.when(pl.col("currency_code") == "USD").then(pick("fee_usd", pl.lit(0))).otherwise(0))
    scaled = pl.col("subtotal") * pl.col("rate")
    quotient, remainder = scaled // 10000, scaled % 10000
    rounded = quotient + ((remainder > 5000) | ((remainder == 5000) & (quotient % 2 == 1))).cast(pl.Int64)
    group = "vendor_order_id"
    computed = (
        joined.with_columns(rate.alias("rate"), fee.alias("fee"))
        .with_columns(
            pl.when(pl.col("subtotal") <= 0).then(0)
            .otherwise(pl.min_horizontal(pl.col("subtotal"), rounded + pl.col("fee"))).alias("commission"),
            pl.when(pl.col("subtotal").sum().over(group) > 0).then(pl.col("subtotal")).otherwise(1).alias("weight"),
        )
        .with_columns(pl.col("weight").sum().over(group).alias("weight_sum"))
        .with_columns((pl.col("vo_total") * pl.col("weight") // pl.col("weight_sum")).alias("floor"),
                      (pl.col("vo_total") * pl.col("weight") % pl.col("weight_sum")).alias("remainder"))
        .with_columns((pl.col("vo_total") - pl.col("floor").sum().over(group)).alias("left_over"))
        .sort([group, "remainder", "order_line_id"], descending=[False, True, False])
        .with_columns((pl.col("order_line_id").cum_count().over(group)).alias("rank"))
        .with_columns((pl.col("floor") + (pl.col("rank") <= pl.col("left_over")).cast(pl.Int64)).alias("gross"))
    )
    totals = computed.group_by("vendor_id", "currency_code").agg(
        pl.col("commission").sum(), (pl.col("gross") - pl.col("commission")).sum().alias("earnings"))
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in totals.iter_rows()}


# ---- DuckDB --------------------------------------------------------------------------------------------


DUCKDB_SQL = """
WITH category_rule AS (
    SELECT DISTINCT ON (l.order_line_id) l.order_line_id, r.id, r.rate_e4, r.fee_eur, r.fee_usd
    FROM lines l JOIN categories pc ON pc.order_line_id = l.order_line_id
    JOIN rules r ON r.scope = 'category' AND r.category_id = pc.category_id
     AND r.valid_from <= l.ordered_at AND r.valid_to > l.ordered_at
    ORDER BY l.order_line_id, r.priority DESC, r.id
),
termed AS (
    SELECT l.*, coalesce(cr.rate_e4, vr.rate_e4, pr.rate_e4, l.vendor_rate_e4) AS rate_e4,
           CASE l.currency_code WHEN 'EUR' THEN coalesce(cr.fee_eur, vr.fee_eur, pr.fee_eur, 0)
                                WHEN 'USD' THEN coalesce(cr.fee_usd, vr.fee_usd, pr.fee_usd, 0) ELSE 0 END AS fee
    FROM lines l
    LEFT JOIN category_rule cr ON cr.order_line_id = l.order_line_id
    LEFT JOIN rules vr ON cr.id IS NULL AND vr.scope = 'vendor' AND vr.vendor_id = l.vendor_id
     AND vr.valid_from <= l.ordered_at AND vr.valid_to > l.ordered_at
    LEFT JOIN rules pr ON cr.id IS NULL AND vr.id IS NULL AND pr.scope = 'platform'
     AND pr.valid_from <= l.ordered_at AND pr.valid_to > l.ordered_at
),
weighted AS (
    SELECT *, subtotal * rate_e4 AS scaled,
           CASE WHEN sum(subtotal) OVER w > 0 THEN subtotal ELSE 1 END AS weight,
           CASE WHEN sum(subtotal) OVER w > 0 THEN sum(subtotal) OVER w ELSE count(*) OVER w END AS weight_sum
    FROM termed WINDOW w AS (PARTITION BY vendor_order_id)
),
floored AS (
    SELECT *, (vo_total * weight) // weight_sum AS fl, (vo_total * weight) % weight_sum AS rem,
           scaled // 10000 AS q, scaled % 10000 AS r
    FROM weighted
),
computed AS (
    SELECT *, CASE WHEN subtotal <= 0 THEN 0
                   ELSE least(subtotal, q + CASE WHEN r > 5000 OR (r = 5000 AND q % 2 = 1) THEN 1 ELSE 0 END + fee)
              END AS commission,
           fl + CASE WHEN row_number() OVER (PARTITION BY vendor_order_id ORDER BY rem DESC, order_line_id)
                          <= vo_total - sum(fl) OVER (PARTITION BY vendor_order_id) THEN 1 ELSE 0 END AS gross
    FROM floored
)
SELECT vendor_id, currency_code, sum(commission)::BIGINT, sum(gross - commission)::BIGINT
FROM computed GROUP BY 1, 2
"""


def duckdb_totals(files: dict[str, str]) -> Totals:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    for name, path in files.items():
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{path}', header = true, all_varchar = false)")
    con.execute("UPDATE rules SET vendor_id = coalesce(vendor_id, ''), category_id = coalesce(category_id, '')")
    rows = con.execute(DUCKDB_SQL).fetchall()
    con.close()
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}


# ---- the run -------------------------------------------------------------------------------------------


def commission_run(url: str, days: list[date]) -> tuple[Totals, int]:
    database = Database(DatabaseUrls(commerce=url, content=url), Settings(database_url=url, _env_file=None))
    with database.transaction(Domain.commerce) as session:
        session.execute(text("TRUNCATE commerce.commission_runs CASCADE"))
    totals: dict[tuple[str, str], list[int]] = {}
    findings = 0
    with database.transaction(Domain.commerce) as session:  # as the asset does for a range of partitions
        results = run_periods(session, [(day, day) for day in days], separate_readers=True)
    for result in results:
        findings += result.finding_count
        for t in result.totals:
            entry = totals.setdefault((t["vendor_id"], t["currency_code"]), [0, 0])
            entry[0] += int(t["commission_amount"])
            entry[1] += int(t["vendor_amount"])
    database.dispose()
    return {k: (v[0], v[1]) for k, v in totals.items()}, findings


def dbt_build(url: str) -> tuple[float, int]:
    env = {**os.environ, **dbt_env(url)}
    started = time.perf_counter()
    code = subprocess.call([dbt_executable(), "build", "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"],
                           cwd=DBT_PROJECT_DIR, env=env)
    return time.perf_counter() - started, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="marketplace_bench")
    parser.add_argument("--server-url", default=SERVER_URL)
    parser.add_argument("--skip-dbt", action="store_true")
    args = parser.parse_args()
    url = database_url(args.server_url, args.database)
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("""
            SELECT min((created_at AT TIME ZONE 'UTC')::date), max((created_at AT TIME ZONE 'UTC')::date),
                   (SELECT count(*) FROM commerce.order_line_items)
            FROM commerce.orders""").fetchone()
    assert row is not None and row[0] is not None, "no orders: run bench/generate.py first"
    first, last, count = row
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    start, end = (b.isoformat() for b in day_bounds(first, last))
    print(f"{count:,} order lines over {len(days)} days ({first} .. {last}), PostgreSQL at {args.server_url}")

    results: list[tuple[str, float, float, Totals]] = []
    seconds, totals = timed(lambda: sql_totals(url, start, end))
    results.append(("raw SQL (PostgreSQL)", 0.0, seconds, totals))
    load_seconds, frames = timed(lambda: {
        "lines": copy_csv(url, LINES_SQL.format(start=start, end=end)),
        "rules": copy_csv(url, RULES_SQL),
        "categories": copy_csv(url, CATEGORIES_SQL),
    })
    seconds, totals = timed(lambda: polars_totals(frames))
    results.append(("polars", load_seconds, seconds, totals))
    with tempfile.TemporaryDirectory() as folder:
        def to_files() -> dict[str, str]:
            paths = {}
            for name, data in frames.items():
                path = Path(folder) / f"{name}.csv"
                path.write_bytes(data)
                paths[name] = str(path)
            return paths

        write_seconds, files = timed(to_files)
        seconds, totals = timed(lambda: duckdb_totals(files))
        results.append(("DuckDB", load_seconds + write_seconds, seconds, totals))

    run_seconds, (run_totals, findings) = timed(lambda: commission_run(url, days))
    reference = results[0][3]
    fastest = min(load + compute for _, load, compute, _ in results)
    print()
    print(f"| {'engine':<44} | {'load s':>7} | {'compute s':>9} | {'total s':>7} | same totals |")
    print(f"| {'-' * 44} | {'-' * 7} | {'-' * 9} | {'-' * 7} | ----------- |")
    for name, load, compute, totals in results:
        same = "yes" if totals == reference else "NO"
        print(f"| {name:<44} | {load:7.2f} | {compute:9.2f} | {load + compute:7.2f} | {same} |")
    label = f"commission run ({len(days)} daily runs, compared)"
    print(f"| {label:<44} | {'':>7} | {run_seconds:9.2f} | {run_seconds:7.2f} | "
          f"{'yes' if run_totals == reference else 'NO'} |")
    print()
    print(f"commission run / fastest plain engine: {run_seconds / fastest:.2f}x  (findings: {findings})")
    if not args.skip_dbt:
        seconds, code = dbt_build(url)
        print(f"dbt build: {seconds:.1f} s (exit {code})")


if __name__ == "__main__":
    main()
