from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from api.catalog.schemas import Amount, CategoryId, VendorId
from api.commissions.models import LineType, RuleScope
from api.money import CurrencyCode

Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4, description="0.1200 for 12%.")]


class FeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency_code: CurrencyCode
    amount: Amount


def _unique_fees(fees: list[FeeIn] | None) -> None:
    if fees is not None and len({f.currency_code for f in fees}) != len(fees):
        raise ValueError("one fixed fee per currency")


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scope: RuleScope
    vendor_id: VendorId | None = Field(default=None, description="For scope 'vendor' only.")
    category_id: CategoryId | None = Field(default=None, description="For scope 'category' only.")
    rate: Rate
    fixed_fees: list[FeeIn] = Field(default_factory=list, max_length=50, description="Per line, per currency.")
    priority: int = Field(default=0, ge=-1000, le=1000)
    valid_from: AwareDatetime | None = Field(default=None, description="Default: now.")
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _target(self) -> Self:
        wants = {RuleScope.platform: (False, False), RuleScope.vendor: (True, False), RuleScope.category: (False, True)}
        if (self.vendor_id is not None, self.category_id is not None) != wants[self.scope]:
            raise ValueError("platform rules name no target, vendor rules a vendor_id, category rules a category_id")
        _unique_fees(self.fixed_fees)
        return self


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    rate: Rate | None = None
    fixed_fees: list[FeeIn] | None = Field(default=None, max_length=50)
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _fees(self) -> Self:
        _unique_fees(self.fixed_fees)
        return self


class RuleVersionIn(BaseModel):
    """The terms of a rule's next version; the target (platform, vendor, category) stays the same."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200, description="Default: the old name.")
    rate: Rate
    fixed_fees: list[FeeIn] = Field(default_factory=list, max_length=50, description="Per line, per currency.")
    priority: int | None = Field(default=None, ge=-1000, le=1000, description="Default: the old priority.")
    valid_from: AwareDatetime | None = Field(default=None, description="Default: now; never in the past.")

    @model_validator(mode="after")
    def _fees(self) -> Self:
        _unique_fees(self.fixed_fees)
        return self


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    scope: RuleScope
    vendor_id: str | None
    category_id: str | None
    rate: Decimal
    fixed_fees: dict[str, int]
    priority: int
    valid_from: datetime
    valid_to: datetime | None
    previous_version_id: str | None
    created_at: datetime


class CommissionLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    type: LineType
    vendor_id: str
    order_id: str
    vendor_order_id: str
    order_line_item_id: str
    refund_id: str | None
    rule_id: str | None = Field(description="The rule version the sale was priced with (None: the vendor's rate).")
    categories: list[str] = Field(description="The product's approved categories the sale was priced with.")
    currency_code: str
    gross_amount: int = Field(description="What the buyer paid for the line (incl. its share of shipping and tax).")
    base_amount: int = Field(description="The commission base: line total after discounts, excl. tax and shipping.")
    rate: Decimal
    fixed_fee: int
    commission_amount: int
    vendor_amount: int = Field(description="gross_amount - commission_amount: what the vendor earns.")
    created_at: datetime
