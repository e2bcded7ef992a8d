"""One rounding definition: `api.money` (half-even) is the source of truth; the SQL that dbt writes with the
`round_half_even` macro must agree with it on every value. The macro file is rendered as it is (plain
Jinja, as dbt renders it) and the SQL runs on PostgreSQL over many generated values: exact halves, both
signs, values next to the halves, large amounts, rates with four decimals and prorated shares."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jinja2
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


def test_the_commission_engine_sql_rounds_like_the_money_module(database: Database) -> None:
    """The commission run's own SQL rounding (`assets/commissions/engine.py`, for non-negative products) is a
    second copy; until it reads the shared definition it is held to the same values."""
    cases = [(a, r) for a, r in rate_cases() if a >= 0]
    got = sql_rounded(database, [(a, str(r)) for a, r in cases], "a * b", writer=engine._half_even)
    want = [money.apply_rate(a, r) for a, r in cases]
    assert [c for c, g, w in zip(cases, got, want, strict=True) if g != w] == []
