from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine

if TYPE_CHECKING:
    from api.catalog.models import ProductVariant


class QuoteStatus(StrEnum):
    requested = "requested"
    responded = "responded"
    accepted = "accepted"
    rejected = "rejected"
    expired = "expired"


QUOTE_STATUS = StateMachine[QuoteStatus](
    "quote",
    {
        QuoteStatus.requested: {QuoteStatus.responded, QuoteStatus.rejected},
        QuoteStatus.responded: {QuoteStatus.accepted, QuoteStatus.rejected, QuoteStatus.expired},
    },
)


class Quote(CommerceBase):
    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("quote"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    currency_code: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=QuoteStatus.requested, index=True)
    message: Mapped[str | None] = mapped_column(Text)
    response_message: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_by: Mapped[str | None] = mapped_column(String(40))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cart_id: Mapped[str | None] = mapped_column(ForeignKey("carts.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    items: Mapped[list[QuoteItem]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True, order_by="QuoteItem.position"
    )


class QuoteItem(CommerceBase):
    __tablename__ = "quote_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("qitem"))
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the quote is answered.
    unit_price: Mapped[int | None] = mapped_column(BigInteger)

    variant: Mapped[ProductVariant] = relationship(lazy="joined")
