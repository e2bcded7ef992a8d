"""Payout providers behind one interface: `manual` (the default) and `stripe` (Connect transfers)."""

from __future__ import annotations

from connectors.payouts.base import PayoutError, PayoutProvider, PayoutUnavailable
from connectors.payouts.manual import ManualPayoutProvider
from connectors.payouts.stripe_connect import StripeConnectProvider


def make_payout_provider(
    name: str, *, stripe_api_key: str | None = None, stripe_api_base: str | None = None
) -> PayoutProvider:
    if name == "manual":
        return ManualPayoutProvider()
    if name == "stripe":
        if not stripe_api_key:
            raise PayoutUnavailable("PAYOUT_PROVIDER=stripe needs STRIPE_API_KEY.")
        return StripeConnectProvider(stripe_api_key, stripe_api_base)
    raise ValueError(f"unknown payout provider {name!r}")


__all__ = [
    "ManualPayoutProvider",
    "PayoutError",
    "PayoutProvider",
    "PayoutUnavailable",
    "StripeConnectProvider",
    "make_payout_provider",
]
