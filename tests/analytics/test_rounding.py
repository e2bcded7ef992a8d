"""One rounding definition: `api.money.half_even_quotient` (half-even) is the source of truth. The commission
engine's SQL and polars roundings are that function evaluated over SQL text and polars expressions (tested to
agree below); the SQL that dbt writes with the `round_half_even` macro must agree with it on every value. The
macro file is rendered as it is (plain Jinja, as dbt renders it) and the SQL runs on PostgreSQL over many
generated values: exact halves, both signs, values next to the halves, large amounts, rates with four decimals
and prorated shares."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

import jinja2
import polars as pl
from sqlalchemy import text

from api import money
from api.db import Database, Domain
from assets.commissions import engine
from orchestration.resources import DBT_PROJECT_DIR

MACRO = DBT_PROJECT_DIR / "macros" / "round_half_even.sql"


def macro_sql(expression: str) -> str:
    """The SQL the dbt macro `round_half_even` writes for `expression`."""
    template = jinja2.Environment().from_string(MACRO.read_text() + "{{ round_half_even(expression) }}")
    return template.render(expression=expression).strip()


def sql_rounded(database: Database, pairs: list[tuple[int, str]], expression: str,
                writer: Callable[[str], str] = macro_sql) -> list[int]:
    """`expression` over (a, b) rows, rounded by the SQL of `writer` (default: the dbt macro), in input order."""
    statement = f"""
        SELECT {writer(expression)} AS rounded
        FROM unnest(CAST(:a AS bigint[]), CAST(:b AS numeric[])) WITH ORDINALITY AS t(a, b, i)
        ORDER BY i
    """
    with database.transaction(Domain.commerce) as session:
        rows = session.execute(text(statement), {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
        values: list[Any] = list(rows.scalars())
        return [int(value) for value in values]


def rate_cases() -> list[tuple[int, Decimal]]:
    rng = random.Random(14)
    cases = [(amount, Decimal(rate)) for amount in (-3, -2, -1, 0, 1, 2, 3, 5, 15, 25, 35, 45, 10**15 + 5)
             for rate in ("0.5", "0.1", "0.3", "0.0500", "0.1250", "0.7500", "1", "0.0001")]
    for _ in range(3000):  # exact halves: 5000 * odd * odd ten-thousandths = odd / 2
        amount = rng.choice((1, -1)) * 5000 * (2 * rng.randrange(0, 10**5) + 1)
        cases.append((amount, Decimal(2 * rng.randrange(0, 5000) + 1).scaleb(-4)))
    for _ in range(3000):  # next to the halves: 0.4999, 0.5001 of a unit
        whole = rng.randrange(-10**9, 10**9)
        cases.append((whole * 10**4 + rng.choice((4999, 5001, -4999, -5001)), Decimal("0.0001")))
    for _ in range(3000):  # anything: amounts up to 10^9 minor units, rates with four decimals
        cases.append((rng.randrange(-10**9, 10**9), Decimal(rng.randrange(0, 10**4)).scaleb(-4)))
    return cases


def test_the_dbt_macro_rounds_rates_like_the_money_module(database: Database) -> None:
    cases = rate_cases()
    halves = [(a, r) for a, r in cases if (Decimal(a) * r) % 1 in (Decimal("0.5"), Decimal("-0.5"))]
    assert len(halves) > 1000 and any(a < 0 for a, _ in halves)  # the cases do hit exact halves of both signs
    got = sql_rounded(database, [(a, str(r)) for a, r in cases], "a * b")
    want = [money.apply_rate(a, r) for a, r in cases]
    wrong = [(a, r, g, w) for (a, r), g, w in zip(cases, got, want, strict=True) if g != w]
    assert not wrong, wrong[:10]


def test_the_dbt_macro_rounds_divisions_like_prorate(database: Database) -> None:
    """`amount * part / whole` (the average order value, a prorated share) rounded like `money.prorate`."""
    rng = random.Random(1414)
    cases: list[tuple[int, int, int]] = []
    for _ in range(5000):
        whole = rng.randrange(1, 10**6)
        amount = rng.randrange(-10**7, 10**7)
        part = rng.randrange(0, whole + 1) if rng.random() < 0.5 else whole // 2 if whole % 2 == 0 else whole
        cases.append((amount, part, whole))
    cases += [(a, 1, 2) for a in range(-9, 10)] + [(a, 3, 6) for a in range(-9, 10)]
    got = sql_rounded(database, [(a * p, str(w)) for a, p, w in cases], "a::numeric / b")
    want = [money.prorate(a, p, w) for a, p, w in cases]
    assert sum(1 for a, p, w in cases if (2 * a * p) % w == 0 and (a * p) % w != 0) > 100  # exact halves
    wrong = [(c, g, w) for c, g, w in zip(cases, got, want, strict=True) if g != w]
    assert not wrong, wrong[:10]


def quotient_cases() -> list[tuple[int, int]]:
    """(numerator, denominator) pairs: exact halves of both signs (x.5 ties, odd and even x), their neighbours,
    zero, and large values up to the edge of a bigint / polars Int64."""
    rng = random.Random(1415)
    cases = [(n, d) for d in (1, 2, 4, 10, 10_000, 999_999) for n in range(-25, 26)]
    cases += [(k * 10_000 + 5_000 + delta, 10_000) for k in range(-12, 12) for delta in (-1, 0, 1)]
    big = 2**63 - 1
    cases += [(big, 2), (big - 1, 2), (-big, 2), (-big + 1, 2), (big, 10_000), (-big, 10_000),
              (9 * 10**14 * 10_000 + 5_000, 10_000), (-(9 * 10**14 * 10_000 + 5_000), 10_000)]
    for _ in range(2000):
        d = rng.choice((2, 10_000, rng.randrange(1, 10**9)))
        q = rng.randrange(-(10**9), 10**9)
        cases.append((q * d + (d // 2 if d % 2 == 0 else rng.randrange(d)), d))  # ties when d is even
        cases.append((rng.randrange(-(2**62), 2**62), d))
    return cases


def test_the_engines_round_with_the_one_definition(database: Database) -> None:
    """The commission run rounds in Python (`api.money`), SQL and polars; the SQL and polars expressions are
    `money.half_even_quotient` evaluated over SQL text and polars expressions. The three, and Decimal's own
    ROUND_HALF_EVEN, agree on every case; and the engine's SQL is the generated expression."""
    cases = quotient_cases()
    assert sum(1 for n, d in cases if d % 2 == 0 and n % d == d // 2) > 1000  # plenty of exact ties
    python = [money.half_even_quotient(n, d) for n, d in cases]
    with localcontext(prec=100):  # exact enough that no quotient of these sizes lands on a false tie
        assert python == [int((Decimal(n) / Decimal(d)).quantize(Decimal(1), rounding=money.ROUNDING))
                          for n, d in cases]
    frame = pl.DataFrame({"n": [n for n, _ in cases], "d": [d for _, d in cases]},
                         schema={"n": pl.Int64, "d": pl.Int64})
    polars = [
        value for d in sorted({d for _, d in cases})
        for value in frame.with_row_index().filter(pl.col("d") == d)
        .select("index", money.half_even_quotient(pl.col("n"), d).alias("r")).rows()
    ]
    assert [r for _, r in sorted(polars)] == python
    by_denominator: dict[int, list[int]] = {}
    for n, d in cases:
        by_denominator.setdefault(d, []).append(n)
    sql: dict[tuple[int, int], int] = {}
    with database.transaction(Domain.commerce) as session:
        for d, numerators in by_denominator.items():
            rows = session.execute(text(f"""
                SELECT n, {money.half_even_sql("n", d)} AS r FROM unnest(CAST(:n AS bigint[])) AS t(n)"""),
                {"n": numerators}).tuples()
            sql.update({(int(n), d): int(r) for n, r in rows})
    assert [sql[(n, d)] for n, d in cases] == python
    assert money.half_even_sql(f"subtotal * (rate * {engine.RATE_SCALE})::bigint", engine.RATE_SCALE) in (
        engine.sale_lines_sql("true"))
