"""The one money module. Every amount, split, tax, commission and refund in the codebase goes through it.

- An amount is an `int` in the currency's minor units (cents for EUR/USD, yen for JPY) next to an ISO 4217
  code; amounts of different currencies are never added.
- Rates (tax, commission) are `Decimal`s, never floats.
- Rounding is `ROUND_HALF_EVEN` (banker's rounding): a half unit goes to the even neighbour, so rounding
  errors do not drift in one direction over many orders.
- Splitting a total over parts uses the largest-remainder method: the shares always sum back to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Annotated, Any, TypeVar, cast

from iso4217 import Currency
from pydantic import AfterValidator, StringConstraints

ROUNDING = ROUND_HALF_EVEN  # what `half_even_quotient` does, in integers: the one definition every engine runs
_N = TypeVar("_N")

# ISO 4217 codes and their minor-unit exponents, from the maintained `iso4217` package (the ISO list as
# published; funds and metals without minor units are left out).
_EXPONENTS: dict[str, int] = {c.code: c.exponent for c in Currency if c.exponent is not None}
ISO_4217 = frozenset(_EXPONENTS)


def is_currency(code: str) -> bool:
    return code in ISO_4217


def exponent(currency: str) -> int:
    """Digits after the decimal point of `currency` (2 for EUR: 1999 minor units are 19.99)."""
    try:
        return _EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"'{currency}' is not an ISO 4217 currency code") from None


def to_decimal(amount: int, currency: str) -> Decimal:
    """19.99 for (1999, "EUR"): for display and for payment providers that want major units."""
    return Decimal(amount).scaleb(-exponent(currency))


def from_decimal(value: Decimal, currency: str) -> int:
    """1999 for (Decimal("19.99"), "EUR"): an amount a person typed in major units, rounded to the minor unit."""
    return int(value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUNDING))


def half_even_quotient(numerator: _N, denominator: int) -> _N:
    """`numerator / denominator` (a positive int) rounded to a whole unit, half to even: `ROUNDING` in integer
    arithmetic, exactly. THE rounding rule of every engine: written once over the operators that Python ints,
    polars integer expressions and `SqlInteger` (which writes SQL) all give Python's meaning (floor division,
    a remainder in [0, denominator), a boolean adding as 0 or 1), so the commission run's SQL and polars
    roundings are this function evaluated over their own expressions, not copies of it."""
    if denominator <= 0:
        raise ValueError("the denominator must be positive")
    n: Any = numerator
    quotient, remainder = n // denominator, n % denominator
    return cast(_N, quotient + ((remainder * 2 > denominator) | ((remainder * 2 == denominator) & (quotient % 2 == 1))))


class SqlInteger:
    """An integer-valued SQL expression (bigint, or numeric without a fraction) that `half_even_quotient` can be
    evaluated over: each operator writes the SQL of Python's integer meaning (PostgreSQL's own `/` and `%`
    truncate towards zero). `str()` is the SQL."""

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def __str__(self) -> str:
        return self.sql

    def __floordiv__(self, divisor: int) -> SqlInteger:  # `half_even_quotient` divides by positive ints only
        return SqlInteger(f"(div({self}, {divisor}) - (mod({self}, {divisor}) < 0)::int)")

    def __mod__(self, divisor: int) -> SqlInteger:
        return SqlInteger(f"mod(mod({self}, {divisor}) + {divisor}, {divisor})")

    def __mul__(self, factor: int) -> SqlInteger:
        return SqlInteger(f"({self} * {factor})")

    def __add__(self, other: SqlInteger | SqlBoolean) -> SqlInteger:
        return SqlInteger(f"({self} + {other.as_integer() if isinstance(other, SqlBoolean) else other})")

    def __gt__(self, other: int) -> SqlBoolean:
        return SqlBoolean(f"({self} > {other})")

    def __eq__(self, other: object) -> SqlBoolean:  # type: ignore[override]  # builds SQL, as polars does
        return SqlBoolean(f"({self} = {other})")

    __hash__ = None  # type: ignore[assignment]


class SqlBoolean:
    """A boolean SQL expression built by `SqlInteger`'s comparisons."""

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def __str__(self) -> str:
        return self.sql

    def __and__(self, other: SqlBoolean) -> SqlBoolean:
        return SqlBoolean(f"({self} AND {other})")

    def __or__(self, other: SqlBoolean) -> SqlBoolean:
        return SqlBoolean(f"({self} OR {other})")

    def as_integer(self) -> str:
        return f"({self})::int"


def half_even_sql(numerator: str, denominator: int) -> str:
    """SQL: the integer-valued expression `numerator` divided by `denominator`, rounded like `half_even_quotient`
    (it is that function, evaluated over SQL), as a bigint."""
    return f"({half_even_quotient(SqlInteger(numerator), denominator)})::bigint"


def apply_rate(amount: int, rate: Decimal) -> int:
    """`amount * rate` rounded to a whole minor unit with the module's rounding mode."""
    if not isinstance(rate, Decimal):
        raise TypeError("rates are Decimal")
    numerator, denominator = rate.as_integer_ratio()
    return half_even_quotient(amount * numerator, denominator)


def tax(amount: int, rate: Decimal) -> int:
    """Tax on a tax-exclusive amount."""
    return apply_rate(amount, rate)


def allocate(total: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split `total` over `weights` in proportion, by largest remainder: each share is the floor of its
    exact part, and the units left over go to the largest remainders (earlier parts win ties). The shares
    sum to `total` exactly, and no share differs from its exact part by a whole unit or more.
    A negative total is split like its absolute value, then negated."""
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    exact_weights = [Fraction(w) for w in weights]
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        raise ValueError("at least one weight must be positive")
    sign, magnitude = (-1, -total) if total < 0 else (1, total)
    exact = [magnitude * w / weight_sum for w in exact_weights]
    shares = [int(part) for part in exact]  # floor: parts are non-negative
    left_over = magnitude - sum(shares)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:left_over]:
        shares[i] += 1
    return [sign * share for share in shares]


def _checked_currency(code: str) -> str:
    if code not in ISO_4217:
        raise ValueError(f"'{code}' is not an ISO 4217 currency code (upper case, e.g. EUR)")
    return code


# A currency code in request and response schemas: three upper-case letters of ISO 4217.
CurrencyCode = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_checked_currency)]


def prorate(amount: int, part: int, whole: int) -> int:
    """`amount * part / whole` rounded to a whole minor unit with the module's rounding mode: the share of
    `amount` that `part` of `whole` stands for. `prorate(a, w, w) == a` and `prorate(a, 0, w) == 0`, so
    cumulative shares telescope exactly (a reversal is `prorate(a, after, w) - prorate(a, before, w)`)."""
    if whole <= 0:
        raise ValueError("whole must be positive")
    return half_even_quotient(amount * part, whole)


def commission(base: int, rate: Decimal, fixed_fee: int) -> int:
    """The platform's commission on a line of `base` minor units: `base * rate` rounded, plus `fixed_fee`,
    never more than the base itself (a vendor never owes money on a sale)."""
    if base <= 0:
        return 0
    return min(base, apply_rate(base, rate) + fixed_fee)


def percent_saving(list_price: int, price: int) -> Decimal:
    """The saving of `price` against `list_price` as a percentage with two decimals (12.50 for 12.5 %)."""
    if list_price <= 0:
        return Decimal("0.00")
    return (Decimal(list_price - price) * 100 / Decimal(list_price)).quantize(Decimal("0.01"), rounding=ROUNDING)
