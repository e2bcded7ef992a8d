from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.orders.models import FulfillmentStatus, OrderStatus, PaymentStatus, VendorOrderStatus

VendorOrderId = Annotated[str, Field(pattern=r"^vo_[a-z0-9]{1,37}$")]


class FulfillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=100)
    tracking_number: str = Field(min_length=1, max_length=200)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(gt=0, le=10**12, description="Minor units; at most what was captured and not yet refunded.")
    vendor_order_id: VendorOrderId | None = Field(
        default=None, description="Refund from this vendor order only; otherwise split over all of them."
    )
    reason: str | None = Field(default=None, max_length=500)


class OrderLineItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    variant_id: str | None
    product_id: str
    title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: int
    subtotal: int


class VendorOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    vendor_id: str
    status: VendorOrderStatus
    subtotal: int
    shipping_total: int
    tax_total: int
    total: int
    captured_total: int
    refunded_total: int
    shipping_method_name: str | None
    carrier: str | None
    tracking_number: str | None
    fulfilled_at: datetime | None
    canceled_at: datetime | None
    items: list[OrderLineItemOut]


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    provider: str
    currency_code: str
    amount: int
    captured_amount: int
    refunded_amount: int


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    vendor_order_id: str | None
    amount: int
    reason: str | None
    allocations: dict[str, int]
    created_at: datetime


class OrderOut(BaseModel):
    """An order as its customer and the admin see it, and the payload of order events."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    display_id: int
    email: str
    customer_id: str | None
    company_id: str | None = None
    region_id: str
    currency_code: str
    tax_rate: Decimal
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
    subtotal: int
    shipping_total: int
    tax_total: int
    total: int
    shipping_address: dict[str, Any]
    vendor_orders: list[VendorOrderOut]
    payment: PaymentOut | None
    refunds: list[RefundOut]
    version: int
    canceled_at: datetime | None
    created_at: datetime
    updated_at: datetime
