"""Manual payouts: finance pays outside the platform (bank transfer); approval records it as paid."""

from __future__ import annotations


class ManualPayoutProvider:
    name = "manual"

    def transfer(self, *, reference: str, amount: int, currency: str, destination: str | None) -> str:
        return f"manual_{reference}"
