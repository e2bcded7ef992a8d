from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import CommerceBase
from api.ids import new_id

if TYPE_CHECKING:
    from api.catalog.models import ProductVariant
    from api.regions.models import Region


class CartStatus(StrEnum):
    open = "open"
    completed = "completed"


class Cart(CommerceBase):
    """A cart is anonymous (its id is the capability) or belongs to one customer."""

    __tablename__ = "carts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("cart"))
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    currency_code: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20), default=CartStatus.open)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    region: Mapped[Region] = relationship(lazy="joined")
    items: Mapped[list[CartLineItem]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True, order_by="CartLineItem.created_at"
    )
    shipping_methods: Mapped[list[CartShippingMethod]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )


class CartLineItem(CommerceBase):
    __tablename__ = "cart_line_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("item"))
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[str] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    # The price in the cart's currency when the item was added or its quantity last changed.
    unit_price: Mapped[int] = mapped_column(BigInteger)
    # Set when the line comes from an accepted quote: its unit price is the quoted one and does not change.
    quote_id: Mapped[str | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    variant: Mapped[ProductVariant] = relationship(lazy="joined")


class ShippingOption(CommerceBase):
    """A vendor's flat-rate shipping option, priced per currency."""

    __tablename__ = "shipping_options"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("so"))
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Currency code -> amount in minor units.
    prices: Mapped[dict[str, int]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CartShippingMethod(CommerceBase):
    """The shipping option chosen for one vendor's part of a cart."""

    __tablename__ = "cart_shipping_methods"
    __table_args__ = (UniqueConstraint("cart_id", "vendor_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("sm"))
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"))
    shipping_option_id: Mapped[str] = mapped_column(ForeignKey("shipping_options.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)

    option: Mapped[ShippingOption] = relationship(lazy="joined")
