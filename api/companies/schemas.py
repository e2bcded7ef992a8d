from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.auth import passwords
from api.catalog.schemas import Amount
from api.companies.models import ApprovalStatus, CompanyRole, CompanyStatus
from api.customers.schemas import AddressIn
from api.money import CurrencyCode

Limit = Field(default=None, ge=0, le=10**12, description="Minor units of the company's currency; none: no limit.")


class CompanyRegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    tax_id: str = Field(min_length=2, max_length=50, pattern=r"^[A-Za-z0-9 .\-/]+$")
    billing_address: AddressIn
    shipping_address: AddressIn | None = None
    currency_code: CurrencyCode


class CompanyAdminUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    credit_limit: Amount | None = None


class CompanyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    tax_id: str
    billing_address: dict[str, Any]
    shipping_address: dict[str, Any] | None
    currency_code: str
    credit_limit: int
    status: CompanyStatus
    version: int
    created_at: datetime
    updated_at: datetime


class CompanyMeOut(CompanyOut):
    credit_used: int = Field(description="Company orders placed and not yet paid (authorised, not captured).")
    credit_available: int
    my_role: CompanyRole
    my_spending_limit: int | None


class EmployeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)
    full_name: str | None = Field(default=None, max_length=200)
    role: CompanyRole
    spending_limit: int | None = Limit


class EmployeeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: CompanyRole | None = None
    spending_limit: int | None = Limit


class EmployeeOut(BaseModel):
    user_id: str
    email: str
    full_name: str | None
    role: CompanyRole
    spending_limit: int | None


class ApprovalDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class ApprovalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    company_id: str
    cart_id: str
    requested_by: str
    amount: int
    currency_code: str
    reasons: list[str]
    needs_platform: bool = Field(description="Over the credit limit: only a platform admin may approve.")
    status: ApprovalStatus
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    order_id: str | None
    created_at: datetime
