from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.catalog.models import ProductStatus
from api.money import CurrencyCode
from api.vendors.schemas import Slug, VendorSummary

VariantId = Annotated[str, Field(pattern=r"^var_[a-z0-9]{1,36}$")]
VendorId = Annotated[str, Field(pattern=r"^vend_[a-z0-9]{1,35}$")]
CategoryId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Amount = Annotated[int, Field(ge=0, le=1_000_000_000, description="Minor units (cents).")]
ProductSort = Literal["created_at", "-created_at", "title", "-title", "price", "-price"]


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency_code: CurrencyCode
    amount: Amount


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Name
    values: list[Name] = Field(min_length=1, max_length=100)


class VariantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: VariantId | None = Field(default=None, description="On update: the variant to keep and change.")
    title: str = Field(min_length=1, max_length=300)
    sku: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    options: dict[Name, Name] = Field(default_factory=dict, max_length=20)
    prices: list[PriceIn] = Field(default_factory=list, max_length=50)
    stocked_quantity: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Units on hand; unchanged on update when omitted."
    )


class ProductFields(BaseModel):
    """A product as a vendor creates it in the vendor portal (the vendor is the caller's)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    handle: Slug
    description: str | None = Field(default=None, max_length=20_000)
    thumbnail: Url | None = None
    status: ProductStatus = ProductStatus.draft
    options: list[OptionIn] = Field(default_factory=list, max_length=10)
    variants: list[VariantIn] = Field(default_factory=list, max_length=200)
    images: list[Url] = Field(default_factory=list, max_length=50)
    category_ids: list[CategoryId] = Field(default_factory=list, max_length=50)


class ProductIn(ProductFields):
    vendor_id: VendorId


class ProductUpdate(BaseModel):
    """Fields left out stay as they are. A list given replaces the current one; variants are matched by id
    (kept and changed), variants without an id are added, and variants not listed are removed."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    handle: Slug | None = None
    description: str | None = Field(default=None, max_length=20_000)
    thumbnail: Url | None = None
    status: ProductStatus | None = None
    options: list[OptionIn] | None = Field(default=None, max_length=10)
    variants: list[VariantIn] | None = Field(default=None, max_length=200)
    images: list[Url] | None = Field(default=None, max_length=50)
    category_ids: list[CategoryId] | None = Field(default=None, max_length=50)


class PriceOut(BaseModel):
    currency_code: str
    amount: int


class OptionOut(BaseModel):
    id: str
    title: str
    values: list[str]


class InventoryOut(BaseModel):
    stocked_quantity: int
    reserved_quantity: int
    available_quantity: int


class VariantOut(BaseModel):
    id: str
    title: str
    sku: str
    options: dict[str, str]
    prices: list[PriceOut]
    inventory: InventoryOut


class ProductOut(BaseModel):
    """The admin view, and the payload of product events."""

    id: str
    vendor_id: str
    vendor: VendorSummary
    title: str
    handle: str
    description: str | None
    thumbnail: str | None
    status: ProductStatus
    options: list[OptionOut]
    variants: list[VariantOut]
    images: list[str]
    category_ids: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class StoreVariantOut(BaseModel):
    id: str
    title: str
    sku: str
    options: dict[str, str]
    prices: list[PriceOut]
    calculated_price: PriceOut | None = Field(description="The price in the requested currency/region.")
    available_quantity: int


class StoreProductOut(BaseModel):
    id: str
    title: str
    handle: str
    description: str | None
    thumbnail: str | None
    vendor: VendorSummary
    options: list[OptionOut]
    variants: list[StoreVariantOut]
    images: list[str]
    category_ids: list[str]
    created_at: datetime
    updated_at: datetime
