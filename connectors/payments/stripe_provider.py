"""Stripe PaymentIntents with `capture_method=manual`: authorise at checkout, capture when goods ship."""

from __future__ import annotations

import stripe

from connectors.payments.base import PaymentError, PaymentUnavailable
from connectors.stripe_amounts import Kind, StripeAmountError, to_stripe


def _translate(exc: stripe.StripeError) -> PaymentError:
    message = exc.user_message or str(exc) or exc.__class__.__name__
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (exc.http_status or 0) >= 500:
        return PaymentUnavailable(message)
    return PaymentError(message)


def _amount(amount: int, currency: str, kind: Kind) -> int:
    try:
        return to_stripe(amount, currency, kind)
    except StripeAmountError as exc:
        raise PaymentError(str(exc)) from exc


class StripeProvider:
    name = "stripe"
    capture_on_fulfillment = True

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self.client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base} if api_base else None, max_network_retries=2
        )

    def authorize(self, *, amount: int, currency: str, reference: str, payment_method: str | None) -> str:
        if not payment_method:
            raise PaymentError("A Stripe payment needs a payment_method (pm_...).")
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": _amount(amount, currency, Kind.charge),
                    "currency": currency.lower(),
                    "capture_method": "manual",
                    "payment_method": payment_method,
                    "confirm": True,
                    "metadata": {"order_id": reference},
                },
                options={"idempotency_key": f"authorize-{reference}"},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        if intent.status != "requires_capture":
            if intent.status not in ("canceled", "succeeded"):
                self.cancel(intent.id)
            raise PaymentError(f"The payment was not authorised (status {intent.status}).")
        return intent.id

    def capture(self, provider_reference: str, amount: int, currency: str) -> None:
        try:
            self.client.v1.payment_intents.capture(
                provider_reference, params={"amount_to_capture": _amount(amount, currency, Kind.charge)})
        except stripe.StripeError as exc:
            raise _translate(exc) from exc

    def cancel(self, provider_reference: str) -> None:
        try:
            self.client.v1.payment_intents.cancel(provider_reference)
        except stripe.StripeError as exc:
            raise _translate(exc) from exc

    def refund(self, provider_reference: str, amount: int, currency: str) -> str:
        try:
            refund = self.client.v1.refunds.create(params={
                "payment_intent": provider_reference, "amount": _amount(amount, currency, Kind.refund)})
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return refund.id
