from __future__ import annotations

from pydantic import BaseModel


class WebhookReceiptOut(BaseModel):
    received: bool = True
    duplicate: bool = False
