from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api import money


def test_rounding_is_half_even() -> None:
    assert money.apply_rate(5, Decimal("0.5")) == 2  # 2.5 -> 2
    assert money.apply_rate(7, Decimal("0.5")) == 4  # 3.5 -> 4
    assert money.tax(1999, Decimal("0.2000")) == 400  # 399.8
    assert money.tax(-5, Decimal("0.5")) == -2


def test_rates_must_be_decimal() -> None:
    with pytest.raises(TypeError):
        money.apply_rate(100, 0.2)  # type: ignore[arg-type]


def test_allocate_by_largest_remainder() -> None:
    assert money.allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert money.allocate(1197, [4498, 1489]) == [899, 298]
    assert money.allocate(10, [0, 5, 5]) == [0, 5, 5]
    assert money.allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert money.allocate(5, [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]) == [3, 1, 1]
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            money.allocate(10, bad)


def test_currencies_and_exponents() -> None:
    assert money.is_currency("EUR") and not money.is_currency("eur") and not money.is_currency("XXX")
    assert money.exponent("EUR") == 2 and money.exponent("JPY") == 0 and money.exponent("KWD") == 3
    assert money.to_decimal(1999, "EUR") == Decimal("19.99")


weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(lambda w: sum(w) > 0)


@given(total=st.integers(min_value=-(10**12), max_value=10**12), weights=weights)
def test_allocation_sums_back_and_stays_within_a_unit(total: int, weights: list[int]) -> None:
    shares = money.allocate(total, weights)
    assert sum(shares) == total
    assert len(shares) == len(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(total * weight, sum(weights))
        assert abs(share - exact) < 1
        if weight == 0:
            assert share == 0


@given(total=st.integers(min_value=0, max_value=10**12), weights=weights)
def test_allocation_never_gives_a_part_more_than_its_weight_when_the_total_fits(total: int, weights: list[int]) -> None:
    # The refund rule: splitting at most what is left over what each part holds never overdraws a part.
    total = min(total, sum(weights))
    for share, weight in zip(money.allocate(total, weights), weights, strict=True):
        assert 0 <= share <= weight


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20),
    rate=st.decimals(min_value=0, max_value=1, places=4),
)
def test_tax_split_over_vendors_sums_to_the_order_tax(amounts: list[int], rate: Decimal) -> None:
    tax_total = money.tax(sum(amounts), rate)
    if sum(amounts) == 0:
        assert tax_total == 0
        return
    split = money.allocate(tax_total, amounts)
    assert sum(split) == tax_total
