"""The payout-provider interface. Amounts are integer minor units; currencies ISO 4217 codes (upper case)."""

from __future__ import annotations

from typing import Protocol


class PayoutError(Exception):
    """The provider refused the transfer (no connected account, insufficient platform balance, ...)."""


class PayoutUnavailable(PayoutError):
    """The provider could not be reached or failed on its side."""


class PayoutProvider(Protocol):
    name: str

    def transfer(self, *, reference: str, amount: int, currency: str, destination: str | None) -> str:
        """Send `amount` to the vendor's account `destination`; return the provider's reference. `reference`
        (the payout id) doubles as the idempotency key: asking twice never pays twice."""
        ...
