from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id


class VolumeTier(CommerceBase):
    """From `min_quantity` (up to `max_quantity`, open-ended when null) units of a variant in one cart line,
    each unit costs `unit_price` in `currency_code`. Tiers of one variant and currency never overlap."""

    __tablename__ = "volume_tiers"
    __table_args__ = (
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("max_quantity IS NULL OR max_quantity >= min_quantity", name="range_ordered"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        Index("ix_volume_tiers_variant_currency", "variant_id", "currency_code", "min_quantity"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("vtier"))
    variant_id: Mapped[str] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    currency_code: Mapped[str] = mapped_column(String(3))
    min_quantity: Mapped[int] = mapped_column(Integer)
    max_quantity: Mapped[int | None] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
