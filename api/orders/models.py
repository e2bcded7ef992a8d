from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine

if TYPE_CHECKING:
    from api.payments.models import Payment, Refund


class OrderStatus(StrEnum):
    pending = "pending"
    completed = "completed"
    canceled = "canceled"


class PaymentStatus(StrEnum):
    not_paid = "not_paid"
    authorized = "authorized"
    captured = "captured"
    partially_refunded = "partially_refunded"
    refunded = "refunded"
    canceled = "canceled"


class FulfillmentStatus(StrEnum):
    not_fulfilled = "not_fulfilled"
    partially_fulfilled = "partially_fulfilled"
    fulfilled = "fulfilled"
    canceled = "canceled"


class VendorOrderStatus(StrEnum):
    pending = "pending"
    fulfilled = "fulfilled"
    canceled = "canceled"


ORDER_STATUS = StateMachine[OrderStatus](
    "order", {OrderStatus.pending: {OrderStatus.completed, OrderStatus.canceled}}
)
PAYMENT_STATUS = StateMachine[PaymentStatus](
    "payment",
    {
        PaymentStatus.not_paid: {PaymentStatus.authorized, PaymentStatus.canceled},
        PaymentStatus.authorized: {PaymentStatus.captured, PaymentStatus.canceled},
        PaymentStatus.captured: {PaymentStatus.partially_refunded, PaymentStatus.refunded},
        PaymentStatus.partially_refunded: {PaymentStatus.partially_refunded, PaymentStatus.refunded},
    },
)
FULFILLMENT_STATUS = StateMachine[FulfillmentStatus](
    "order fulfilment",
    {
        FulfillmentStatus.not_fulfilled: {
            FulfillmentStatus.partially_fulfilled,
            FulfillmentStatus.fulfilled,
            FulfillmentStatus.canceled,
        },
        FulfillmentStatus.partially_fulfilled: {FulfillmentStatus.fulfilled},
    },
)
VENDOR_ORDER_STATUS = StateMachine[VendorOrderStatus](
    "vendor order", {VendorOrderStatus.pending: {VendorOrderStatus.fulfilled, VendorOrderStatus.canceled}}
)


# Id prefixes. A new order, its vendor orders and lines get their ids when `orders.service.place` builds their rows
# (`api.batch_write.new_row`): the rows that refer to them (reservations, commission lines) are written in the same
# statement.
ORDER_ID, VENDOR_ORDER_ID, ORDER_LINE_ID = "order", "vo", "oli"


@dataclass(frozen=True)
class NewOrder:
    """An order being placed, as the plain rows it writes (`api.batch_write.new_row`): the order, its vendor orders
    (in vendor order) and each vendor order's lines (in id order, by vendor order id)."""

    order: dict[str, Any]
    vendor_orders: list[dict[str, Any]]
    lines: dict[str, list[dict[str, Any]]]


class Order(CommerceBase):
    """What the customer placed: one order, one payment, one vendor order per vendor."""

    __tablename__ = "orders"
    # A company's orders, newest first (docs/PERFORMANCE.md).
    __table_args__ = (Index("ix_orders_company_id_created_at", "company_id", "created_at"),)
    # Server-made values (`display_id`, `updated_at`) come back with each INSERT and UPDATE (RETURNING), so an
    # order event (`orders.service.emit`) carries them without another round trip.
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id(ORDER_ID))
    display_id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), unique=True)
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id", ondelete="RESTRICT"), unique=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Set when a company employee ordered on the company's account.
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(320))
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    currency_code: Mapped[str] = mapped_column(String(3))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.pending, index=True)
    payment_status: Mapped[str] = mapped_column(String(30), default=PaymentStatus.not_paid)
    fulfillment_status: Mapped[str] = mapped_column(String(30), default=FulfillmentStatus.not_fulfilled)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    shipping_total: Mapped[int] = mapped_column(BigInteger)
    tax_total: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, default=1)
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    vendor_orders: Mapped[list[VendorOrder]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True, order_by="VendorOrder.vendor_id"
    )
    payment: Mapped[Payment | None] = relationship(lazy="joined")
    refunds: Mapped[list[Refund]] = relationship(lazy="selectin", order_by="Refund.created_at, Refund.id")


class VendorOrder(CommerceBase):
    """One vendor's share of an order: its items, shipping, tax and total, fulfilled or canceled on its own."""

    __tablename__ = "vendor_orders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id(VENDOR_ORDER_ID))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=VendorOrderStatus.pending)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    shipping_total: Mapped[int] = mapped_column(BigInteger)
    tax_total: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    captured_total: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The vendor's commission rate when the order was placed, for the commission run.
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    shipping_option_id: Mapped[str | None] = mapped_column(String(40))
    shipping_method_name: Mapped[str | None] = mapped_column(String(200))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(200))
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    items: Mapped[list[OrderLineItem]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True, order_by="OrderLineItem.id"
    )


class OrderLineItem(CommerceBase):
    """A snapshot of what was bought: it survives later changes to (or deletion of) the product."""

    __tablename__ = "order_line_items"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id(ORDER_LINE_ID))
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str | None] = mapped_column(
        ForeignKey("product_variants.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    variant_title: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    subtotal: Mapped[int] = mapped_column(BigInteger)
