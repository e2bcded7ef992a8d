from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.money import CurrencyCode

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, upper case")]
TaxRate = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class RegionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    currency_code: CurrencyCode
    tax_rate: TaxRate = Field(description="Tax on top of prices, e.g. 0.2000 for 20%.")
    countries: list[CountryCode] = Field(min_length=1, max_length=300)


class RegionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    currency_code: CurrencyCode | None = None
    tax_rate: TaxRate | None = None
    countries: list[CountryCode] | None = Field(default=None, min_length=1, max_length=300)


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    currency_code: str
    tax_rate: Decimal
    countries: list[str]
    created_at: datetime
    updated_at: datetime
