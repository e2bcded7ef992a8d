"""Tenant scoping for the vendor portal, in one place: every statement a vendor route reads through is
built here from the acting vendor user, so a route cannot forget the filter. Another vendor's object is
simply not found (404)."""

from __future__ import annotations

from sqlalchemy import Select, select

from api.auth.actor import Actor
from api.catalog.models import Product, ProductVariant
from api.commissions.models import CommissionLine
from api.errors import Forbidden
from api.orders.models import VendorOrder
from api.payouts.models import Payout
from api.quotes import service as quotes
from api.quotes.models import Quote
from api.volume_pricing import service as volume_pricing
from api.volume_pricing.models import VolumeTier


def vendor_id_of(actor: Actor) -> str:
    if actor.vendor_id is None:
        raise Forbidden("This login is not linked to a vendor.")
    return actor.vendor_id


def readable_products(actor: Actor) -> Select[Product]:
    return select(Product).where(Product.vendor_id == vendor_id_of(actor))


def readable_variants(actor: Actor) -> Select[ProductVariant]:
    return select(ProductVariant).join(Product, Product.id == ProductVariant.product_id).where(
        Product.vendor_id == vendor_id_of(actor)
    )


def readable_vendor_orders(actor: Actor) -> Select[VendorOrder]:
    return select(VendorOrder).where(VendorOrder.vendor_id == vendor_id_of(actor))


def readable_commission_lines(actor: Actor) -> Select[CommissionLine]:
    return select(CommissionLine).where(CommissionLine.vendor_id == vendor_id_of(actor))


def readable_payouts(actor: Actor) -> Select[Payout]:
    return select(Payout).where(Payout.vendor_id == vendor_id_of(actor))


def readable_quotes(actor: Actor) -> Select[Quote]:
    return quotes.vendor_quotes(vendor_id_of(actor))


def readable_tiers(actor: Actor) -> Select[VolumeTier]:
    return volume_pricing.vendor_tiers(vendor_id_of(actor))
