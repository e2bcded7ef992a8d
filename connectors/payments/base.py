"""The payment-provider interface. Amounts are integer minor units; currencies ISO 4217 codes (upper case)."""

from __future__ import annotations

from typing import Protocol


class PaymentError(Exception):
    """The provider refused the operation (declined card, wrong state, bad amount)."""


class PaymentUnavailable(PaymentError):
    """The provider could not be reached or failed on its side; the operation may be retried."""


class PaymentProvider(Protocol):
    name: str
    # Stripe-style providers capture when goods ship; the manual provider waits for an admin.
    capture_on_fulfillment: bool

    def authorize(self, *, amount: int, currency: str, reference: str, payment_method: str | None) -> str:
        """Hold `amount`; return the provider's reference for the later calls."""
        ...

    def capture(self, provider_reference: str, amount: int, currency: str) -> None:
        """Take `amount` (at most the authorised amount) of the authorisation; the rest is released."""
        ...

    def cancel(self, provider_reference: str) -> None:
        """Release an authorisation that has not been captured."""
        ...

    def refund(self, provider_reference: str, amount: int, currency: str) -> str:
        """Give back `amount` of what was captured; return the refund's reference."""
        ...
