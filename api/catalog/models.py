from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine

if TYPE_CHECKING:
    from api.inventory.models import InventoryLevel
    from api.vendors.models import Vendor


class ProductStatus(StrEnum):
    draft = "draft"
    published = "published"


PRODUCT_STATUS = StateMachine[ProductStatus](
    "product",
    {
        ProductStatus.draft: {ProductStatus.published},
        ProductStatus.published: {ProductStatus.draft},
    },
)


class Product(CommerceBase):
    __tablename__ = "products"
    __table_args__ = (Index("ix_products_status_created_at", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("prod"))
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    handle: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    thumbnail: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default=ProductStatus.draft)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    vendor: Mapped[Vendor] = relationship(lazy="joined")
    # Collections load on access; catalog reads ask for them up front (`catalog.service.with_details`).
    options: Mapped[list[ProductOption]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ProductOption.position"
    )
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProductVariant.position",
    )
    images: Mapped[list[ProductImage]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ProductImage.position"
    )
    categories: Mapped[list[ProductCategory]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class ProductOption(CommerceBase):
    """An axis of variation (Size, Colour) and its allowed values."""

    __tablename__ = "product_options"
    __table_args__ = (UniqueConstraint("product_id", "title"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("opt"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    values: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductVariant(CommerceBase):
    __tablename__ = "product_variants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("var"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    # Option title -> chosen value, e.g. {"Size": "M"}.
    options: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    product: Mapped[Product] = relationship(back_populates="variants", lazy="joined")
    prices: Mapped[list[VariantPrice]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True, order_by="VariantPrice.currency_code"
    )
    inventory: Mapped[InventoryLevel | None] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )

    def price_in(self, currency: str) -> int | None:
        return next((p.amount for p in self.prices if p.currency_code == currency), None)


class VariantPrice(CommerceBase):
    """The price of a variant in one currency, in minor units."""

    __tablename__ = "variant_prices"
    __table_args__ = (
        UniqueConstraint("variant_id", "currency_code"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_variant_prices_currency_code_amount", "currency_code", "amount"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("price"))
    variant_id: Mapped[str] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    currency_code: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)


class ProductImage(CommerceBase):
    __tablename__ = "product_images"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("img"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductCategory(CommerceBase):
    """A link to a category owned by the content side: only its id is kept here."""

    __tablename__ = "product_categories"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    # Made or approved by a platform admin: only such an assignment counts for commission (a vendor's own
    # tag never changes what it pays).
    approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default="true")
