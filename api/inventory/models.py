from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id


class InventoryLevel(CommerceBase):
    """Stock of one variant. Available = stocked - reserved; the checks make overselling impossible."""

    __tablename__ = "inventory_levels"
    __table_args__ = (
        CheckConstraint("stocked_quantity >= 0", name="stocked_not_negative"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved_quantity <= stocked_quantity", name="reserved_within_stock"),
    )

    variant_id: Mapped[str] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True
    )
    stocked_quantity: Mapped[int] = mapped_column(Integer, default=0)
    reserved_quantity: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @property
    def available_quantity(self) -> int:
        return self.stocked_quantity - self.reserved_quantity


class Reservation(CommerceBase):
    """Units held for a vendor order from the moment it is placed until it is fulfilled or canceled."""

    __tablename__ = "inventory_reservations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("res"))
    variant_id: Mapped[str] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
