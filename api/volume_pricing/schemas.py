from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.catalog.schemas import Amount, VariantId
from api.money import CurrencyCode

TierQuantity = Annotated[int, Field(ge=1, le=10_000)]


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: VariantId
    currency_code: CurrencyCode
    min_quantity: TierQuantity
    max_quantity: TierQuantity | None = Field(default=None, description="Inclusive; none: no upper bound.")
    unit_price: Amount

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_quantity is not None and self.max_quantity < self.min_quantity:
            raise ValueError("max_quantity is below min_quantity")
        return self


class TierUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_quantity: TierQuantity | None = None
    max_quantity: TierQuantity | None = Field(default=None, description="Send null to remove the upper bound.")
    unit_price: Amount | None = None


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    variant_id: str
    currency_code: str
    min_quantity: int
    max_quantity: int | None
    unit_price: int
    created_at: datetime


class StoreTierOut(BaseModel):
    min_quantity: int
    max_quantity: int | None
    unit_price: int
    saving_amount: int = Field(description="Per unit, against the list price.")
    saving_percent: Decimal


class StoreVariantTiersOut(BaseModel):
    variant_id: str
    title: str
    currency_code: str
    list_price: int | None
    tiers: list[StoreTierOut]


class StoreVolumePricingOut(BaseModel):
    product_id: str
    variants: list[StoreVariantTiersOut]
