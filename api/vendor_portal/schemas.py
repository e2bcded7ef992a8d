from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from api.orders.models import OrderStatus, PaymentStatus
from api.orders.schemas import VendorOrderOut


class PortalVendorOrderOut(VendorOrderOut):
    """A vendor's part of an order, with what it needs of the order to ship it."""

    order_id: str
    display_id: int
    currency_code: str
    email: str
    shipping_address: dict[str, Any]
    order_status: OrderStatus
    payment_status: PaymentStatus
    created_at: datetime


class TimelineEntryOut(BaseModel):
    at: datetime
    event: str
    detail: str
