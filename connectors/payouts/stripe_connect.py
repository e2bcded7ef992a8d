"""Stripe Connect: a payout is a transfer from the platform's balance to the vendor's connected account
(`POST /v1/transfers`), made idempotent by the payout id."""

from __future__ import annotations

import stripe

from connectors.payouts.base import PayoutError, PayoutUnavailable
from connectors.stripe_amounts import Kind, StripeAmountError, to_stripe


class StripeConnectProvider:
    name = "stripe"

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self.client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base} if api_base else None, max_network_retries=2
        )

    def transfer(self, *, reference: str, amount: int, currency: str, destination: str | None) -> str:
        if not destination:
            raise PayoutError("The vendor has no Stripe Connect account (stripe_account_id).")
        try:
            stripe_amount = to_stripe(amount, currency, Kind.transfer)
        except StripeAmountError as exc:
            raise PayoutError(str(exc)) from exc
        try:
            transfer = self.client.v1.transfers.create(
                params={
                    "amount": stripe_amount,
                    "currency": currency.lower(),
                    "destination": destination,
                    "transfer_group": reference,
                    "metadata": {"payout_id": reference},
                },
                options={"idempotency_key": f"payout-{reference}"},
            )
        except stripe.StripeError as exc:
            message = exc.user_message or str(exc) or exc.__class__.__name__
            if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (exc.http_status or 0) >= 500:
                raise PayoutUnavailable(message) from exc
            raise PayoutError(message) from exc
        return transfer.id
