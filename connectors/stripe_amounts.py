"""Amounts as Stripe wants them, in one place for charges, refunds and transfers.

The project keeps money in ISO 4217 minor units (`api.money`); Stripe's API takes "the currency's minor unit"
with its own exceptions (https://docs.stripe.com/currencies):

- **zero-decimal** currencies (BIF, CLP, DJF, GNF, JPY, KMF, KRW, MGA, PYG, RWF, UGX, VND, VUV, XAF, XOF, XPF)
  take whole units; MGA is two-decimal in ISO 4217, so its ISO amount must be whole ariary (a multiple of 100);
- **ISK** is zero-decimal in ISO 4217 but Stripe takes it as two-decimal, in multiples of 100;
- **three-decimal** currencies (BHD, JOD, KWD, OMR, TND) take three decimals with the last digit 0;
- **HUF and TWD** are two-decimal for charges and refunds, but transfers and payouts must be whole units
  (multiples of 100).

An amount Stripe cannot represent exactly is refused (`StripeAmountError`), never silently rounded.
"""

from __future__ import annotations

from enum import StrEnum

from api import money

ZERO_DECIMAL = frozenset(("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
                          "XAF", "XOF", "XPF"))
TWO_DECIMAL_IN_STRIPE = frozenset(("ISK",))
THREE_DECIMAL = frozenset(("BHD", "JOD", "KWD", "OMR", "TND"))
WHOLE_UNITS_FOR_TRANSFERS = frozenset(("HUF", "TWD"))


class Kind(StrEnum):
    charge = "charge"
    refund = "refund"
    transfer = "transfer"


class StripeAmountError(ValueError):
    """The amount cannot be sent to Stripe in this currency without changing it."""


def stripe_exponent(currency: str) -> int:
    """Digits after the decimal point in Stripe's `amount` for `currency`."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in TWO_DECIMAL_IN_STRIPE:
        return 2
    return money.exponent(currency)


def to_stripe(amount: int, currency: str, kind: Kind) -> int:
    """`amount` (ISO minor units of `currency`) as Stripe's `amount` for a charge, refund or transfer."""
    iso, stripe = money.exponent(currency), stripe_exponent(currency)
    if stripe >= iso:
        converted = amount * 10 ** (stripe - iso)
    else:
        converted, rest = divmod(amount, 10 ** (iso - stripe))
        if rest:
            raise StripeAmountError(f"Stripe takes {currency} in whole units; {amount} minor units are not.")
    if currency in THREE_DECIMAL and converted % 10:
        raise StripeAmountError(f"Stripe takes {currency} amounts with the last digit 0; {amount} is not.")
    if kind == Kind.transfer and currency in WHOLE_UNITS_FOR_TRANSFERS and converted % 100:
        raise StripeAmountError(f"Stripe transfers {currency} in whole units only; {amount} is not.")
    return converted


def from_stripe(amount: int, currency: str) -> int:
    """Stripe's `amount` in `currency` back to ISO minor units."""
    iso, stripe = money.exponent(currency), stripe_exponent(currency)
    if stripe >= iso:
        value, rest = divmod(amount, 10 ** (stripe - iso))
        if rest:
            raise StripeAmountError(f"{amount} from Stripe is not a whole {currency} minor unit.")
        return value
    return amount * 10 ** (iso - stripe)
