"""The embedded default: payment is arranged outside the platform (invoice, bank transfer). Authorising
records the promise; an admin captures once the money is in; refunds are paid out by hand."""

from __future__ import annotations

import secrets


class ManualProvider:
    name = "manual"
    capture_on_fulfillment = False

    def authorize(self, *, amount: int, currency: str, reference: str, payment_method: str | None) -> str:
        return "manual_" + secrets.token_hex(10)

    def capture(self, provider_reference: str, amount: int, currency: str) -> None:
        return None

    def cancel(self, provider_reference: str) -> None:
        return None

    def refund(self, provider_reference: str, amount: int, currency: str) -> str:
        return "manual_refund_" + secrets.token_hex(10)
