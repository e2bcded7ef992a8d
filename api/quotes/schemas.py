from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.carts.schemas import Quantity, RegionId
from api.catalog.schemas import Amount, VariantId
from api.quotes.models import QuoteStatus

QuoteItemId = Annotated[str, Field(pattern=r"^qitem_[a-z0-9]{1,34}$")]


class QuoteItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: VariantId
    quantity: Quantity


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_id: RegionId
    items: list[QuoteItemIn] = Field(min_length=1, max_length=100)
    message: str | None = Field(default=None, max_length=5000)


class QuotedPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: QuoteItemId
    unit_price: Amount


class QuoteResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[QuotedPriceIn] = Field(min_length=1, max_length=100)
    expires_at: AwareDatetime
    message: str | None = Field(default=None, max_length=5000)


class QuoteItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    variant_id: str
    vendor_id: str
    quantity: int
    unit_price: int | None


class QuoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    company_id: str | None
    region_id: str
    currency_code: str
    status: QuoteStatus
    message: str | None
    response_message: str | None
    expires_at: datetime | None
    responded_at: datetime | None
    cart_id: str | None
    items: list[QuoteItemOut]
    total: int | None = Field(default=None, description="Once priced: the sum of quoted lines.")
    version: int
    created_at: datetime
