from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.carts.models import CartStatus
from api.catalog.schemas import Amount, PriceIn, VariantId, VendorId
from api.customers.schemas import AddressIn

RegionId = Annotated[str, Field(pattern=r"^reg_[a-z0-9]{1,36}$")]
ShippingOptionId = Annotated[str, Field(pattern=r"^so_[a-z0-9]{1,37}$")]
Quantity = Annotated[int, Field(ge=1, le=10_000)]


class CartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_id: RegionId
    email: EmailStr | None = None


class CartUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    shipping_address: AddressIn | None = None


class LineItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant_id: VariantId
    quantity: Quantity


class LineItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: Quantity


class ShippingMethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    option_id: ShippingOptionId


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str | None = Field(
        default=None, max_length=255, pattern=r"^pm_\w+$", description="Stripe: the PaymentMethod to charge."
    )


class ShippingOptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor_id: VendorId
    name: str = Field(min_length=1, max_length=200)
    prices: list[PriceIn] = Field(min_length=1, max_length=50)


class ShippingOptionOut(BaseModel):
    id: str
    vendor_id: str
    name: str
    prices: dict[str, int]


class StoreShippingOptionOut(BaseModel):
    id: str
    vendor_id: str
    name: str
    currency_code: str
    amount: Amount


class CartLineItemOut(BaseModel):
    id: str
    variant_id: str
    product_id: str
    vendor_id: str
    title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: int
    subtotal: int
    quote_id: str | None = None


class CartShippingMethodOut(BaseModel):
    id: str
    vendor_id: str
    shipping_option_id: str
    name: str
    amount: int


class VendorTotalsOut(BaseModel):
    vendor_id: str
    vendor_name: str
    subtotal: int
    shipping_total: int
    tax_total: int
    total: int


class CartOut(BaseModel):
    """A cart with its totals, computed on the server: per vendor, and for the whole cart."""

    id: str
    region_id: str
    currency_code: str
    customer_id: str | None
    email: str | None
    shipping_address: dict[str, Any] | None
    status: CartStatus
    items: list[CartLineItemOut]
    shipping_methods: list[CartShippingMethodOut]
    vendors: list[VendorTotalsOut]
    subtotal: int
    shipping_total: int
    tax_total: int
    total: int
    order_id: str | None
    created_at: datetime
    updated_at: datetime
