from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine


class CompanyStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    suspended = "suspended"


COMPANY_STATUS = StateMachine[CompanyStatus](
    "company",
    {
        CompanyStatus.pending_approval: {CompanyStatus.approved, CompanyStatus.rejected},
        CompanyStatus.approved: {CompanyStatus.suspended},
        CompanyStatus.suspended: {CompanyStatus.approved},
    },
)


class CompanyRole(StrEnum):
    admin = "admin"
    buyer = "buyer"
    approver = "approver"


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


APPROVAL_STATUS = StateMachine[ApprovalStatus](
    "approval request", {ApprovalStatus.pending: {ApprovalStatus.approved, ApprovalStatus.rejected}}
)


class Company(CommerceBase):
    """A business buyer: employees order on its account, within its credit limit."""

    __tablename__ = "companies"
    __table_args__ = (CheckConstraint("credit_limit >= 0", name="credit_limit_not_negative"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("comp"))
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(50))
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    currency_code: Mapped[str] = mapped_column(String(3))
    # What the company may owe at once (orders placed and not yet paid), in minor units of its currency.
    credit_limit: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default=CompanyStatus.pending_approval, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CompanyEmployee(CommerceBase):
    """An employee's spending limit per order (null: no limit). Membership and role live on the user
    (`users.company_id`, `users.company_role`), which is what the actor carries."""

    __tablename__ = "company_employees"
    __table_args__ = (CheckConstraint("spending_limit IS NULL OR spending_limit >= 0", name="limit_not_negative"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    spending_limit: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CompanyApproval(CommerceBase):
    """A company order waiting for an approver: the cart stays open until approved (placed) or rejected."""

    __tablename__ = "company_approvals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("appr"))
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency_code: Mapped[str] = mapped_column(String(3))
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Over the company's credit limit: only a platform admin (finance) may approve, never the company itself.
    needs_platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    payment_method: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.pending, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(500))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
