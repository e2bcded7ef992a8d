"""Stripe's amount rules, in the one place that applies them to charges, refunds and transfers."""

from __future__ import annotations

import pytest

from api import money
from connectors.stripe_amounts import Kind, StripeAmountError, from_stripe, to_stripe


@pytest.mark.parametrize(("amount", "currency", "kind", "expected"), [
    (1999, "EUR", Kind.charge, 1999),  # 19.99 EUR: ISO and Stripe agree
    (1234, "JPY", Kind.charge, 1234),  # zero-decimal in both
    (5000, "ISK", Kind.charge, 500000),  # 5000 kr: zero-decimal in ISO, two-decimal (x100) for Stripe
    (5000, "ISK", Kind.refund, 500000),
    (5000, "ISK", Kind.transfer, 500000),
    (12340, "KWD", Kind.charge, 12340),  # 12.340 KWD: three decimals, last digit 0
    (12340, "KWD", Kind.transfer, 12340),
    (150000, "MGA", Kind.charge, 1500),  # 1500 ariary: two-decimal in ISO, zero-decimal for Stripe
    (123456, "HUF", Kind.charge, 123456),  # HUF charges are two-decimal ...
    (123400, "HUF", Kind.transfer, 123400),  # ... transfers whole forints only
])
def test_amounts_stripe_takes(amount: int, currency: str, kind: Kind, expected: int) -> None:
    assert to_stripe(amount, currency, kind) == expected
    assert from_stripe(expected, currency) == amount


@pytest.mark.parametrize(("amount", "currency", "kind"), [
    (12345, "KWD", Kind.charge),  # 12.345: Stripe wants the last digit 0
    (12345, "KWD", Kind.refund),
    (150050, "MGA", Kind.charge),  # 1500.50 ariary: Stripe has no fraction of an ariary
    (123456, "HUF", Kind.transfer),  # 1234.56 HUF cannot be transferred
    (123456, "TWD", Kind.transfer),
])
def test_amounts_stripe_cannot_take_are_refused_not_rounded(amount: int, currency: str, kind: Kind) -> None:
    with pytest.raises(StripeAmountError):
        to_stripe(amount, currency, kind)


def test_exponents_come_from_the_iso_4217_package() -> None:
    assert (money.exponent("EUR"), money.exponent("JPY"), money.exponent("ISK"), money.exponent("KWD")) == (2, 0, 0, 3)
    assert money.exponent("CLF") == 4 and money.exponent("MGA") == 2
    assert money.is_currency("SLE") and not money.is_currency("XAU")  # no minor unit: not money here
    with pytest.raises(ValueError, match="not an ISO 4217"):
        money.exponent("XXX")
