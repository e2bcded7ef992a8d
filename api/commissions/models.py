from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id


class RuleScope(StrEnum):
    platform = "platform"
    vendor = "vendor"
    category = "category"


class LineType(StrEnum):
    sale = "sale"
    refund = "refund"
    cancellation = "cancellation"


class CommissionRule(CommerceBase):
    """One version of a commission rate (and optional fixed fee per line, per currency) in force from
    `valid_from` until `valid_to` (open-ended when null), for the whole platform, one vendor or one category
    (`scope_key`). Versions of one target never overlap in time (an exclusion constraint, migration
    0009_money_terms). Once a sale used a version it is never edited or deleted: a change closes it and opens
    the next version (`previous_version_id`)."""

    __tablename__ = "commission_rules"
    __table_args__ = (
        CheckConstraint("rate >= 0 AND rate <= 1", name="rate_in_range"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_window"),
        CheckConstraint(
            "(scope = 'platform' AND vendor_id IS NULL AND category_id IS NULL)"
            " OR (scope = 'vendor' AND vendor_id IS NOT NULL AND category_id IS NULL)"
            " OR (scope = 'category' AND vendor_id IS NULL AND category_id IS NOT NULL)",
            name="scope_target",
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("crule"))
    scope_key: Mapped[str] = mapped_column(
        String(100), Computed("scope || ':' || coalesce(vendor_id, '') || ':' || coalesce(category_id, '')")
    )
    previous_version_id: Mapped[str | None] = mapped_column(ForeignKey("commission_rules.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(20), index=True)
    vendor_id: Mapped[str | None] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[str | None] = mapped_column(String(40), index=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    # Currency code -> fixed fee per line in minor units; a currency not listed has no fee.
    fixed_fees: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    # Among category rules matching one product, the highest priority wins (then the lowest id).
    priority: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CommissionLine(CommerceBase):
    """One entry of the commission ledger for one order line: the sale when the order is placed, and a
    negative reversal for each refund or cancellation touching it. Per entry
    `gross_amount = commission_amount + vendor_amount` exactly."""

    __tablename__ = "commission_lines"
    __table_args__ = (
        CheckConstraint("gross_amount = commission_amount + vendor_amount", name="gross_splits"),
        Index("ix_commission_lines_vendor_created", "vendor_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("cline"))
    type: Mapped[str] = mapped_column(String(20), index=True)
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id", ondelete="CASCADE"), index=True)
    order_line_item_id: Mapped[str] = mapped_column(
        ForeignKey("order_line_items.id", ondelete="CASCADE"), index=True
    )
    refund_id: Mapped[str | None] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"))
    # The terms the sale was priced with, frozen: the rule version (None: the vendor's own rate), its rate and
    # fixed fee, and the (approved) categories of the product at the sale.
    rule_id: Mapped[str | None] = mapped_column(ForeignKey("commission_rules.id", ondelete="RESTRICT"))
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default="{}")
    currency_code: Mapped[str] = mapped_column(String(3))
    # What the buyer paid for the line: its subtotal plus its share of the vendor order's shipping and tax.
    gross_amount: Mapped[int] = mapped_column(BigInteger)
    # What the commission is charged on: the line total after discounts, excluding tax and shipping.
    base_amount: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    fixed_fee: Mapped[int] = mapped_column(BigInteger)
    commission_amount: Mapped[int] = mapped_column(BigInteger)
    vendor_amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
