"""Payment providers behind one interface: `manual` (the embedded default) and `stripe`."""

from __future__ import annotations

from connectors.payments.base import PaymentError, PaymentProvider, PaymentUnavailable
from connectors.payments.manual import ManualProvider
from connectors.payments.stripe_provider import StripeProvider


def make_provider(
    name: str, *, stripe_api_key: str | None = None, stripe_api_base: str | None = None
) -> PaymentProvider:
    if name == "manual":
        return ManualProvider()
    if name == "stripe":
        if not stripe_api_key:
            raise PaymentUnavailable("PAYMENT_PROVIDER=stripe needs STRIPE_API_KEY.")
        return StripeProvider(stripe_api_key, stripe_api_base)
    raise ValueError(f"unknown payment provider {name!r}")


__all__ = ["ManualProvider", "PaymentError", "PaymentProvider", "PaymentUnavailable", "StripeProvider", "make_provider"]
