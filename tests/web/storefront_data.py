"""A small marketplace for the storefront tests, built through the services the API uses: two regions, two
approved vendors with active, branded tenants (one with a colour too light to keep), a third store suspended,
categories, products with variants, stock and volume tiers, product content, shipping, pages of every block
type, posts and menus."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from PIL import Image
from sqlalchemy import select

from api.carts import service as carts
from api.carts.schemas import ShippingOptionIn
from api.catalog import service as catalog
from api.catalog.models import ProductVariant
from api.catalog.schemas import OptionIn, PriceIn, ProductIn, VariantIn
from api.config import Settings
from api.content.access import SYSTEM
from api.content.blogs import service as blogs
from api.content.categories import service as categories
from api.content.common import parse
from api.content.media import service as media
from api.content.navigation import service as navigation
from api.content.pages import service as pages
from api.content.pages.schemas import PageCreate
from api.content.products import service as product_content
from api.content.richtext import plain
from api.content.tenants import service as tenants
from api.content.tenants.models import Tenant, TenantStatus
from api.content.tenants.schemas import TenantCreate, TenantUpdate
from api.db import Database, Domain
from api.regions import service as regions
from api.regions.schemas import RegionIn
from api.vendors import service as vendors
from api.vendors.models import VendorStatus
from api.vendors.schemas import VendorIn
from api.volume_pricing import service as volume_pricing
from api.volume_pricing.schemas import TierIn
from connectors.storage import storage_from_settings


@dataclass
class Store:
    vendor_id: str
    tenant_id: str
    slug: str
    name: str
    products: dict[str, str] = field(default_factory=dict)  # handle -> product id
    variants: dict[str, str] = field(default_factory=dict)  # sku -> variant id


@dataclass
class Marketplace:
    eur: str
    usd: str
    stores: dict[str, Store]
    furniture: str
    lighting: str
    shipping: dict[str, str] = field(default_factory=dict)  # vendor slug -> standard option id


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _variant(title: str, sku: str, eur: int, usd: int | None, stock: int, size: str | None = None) -> VariantIn:
    prices = [PriceIn(currency_code="EUR", amount=eur)]
    if usd is not None:
        prices.append(PriceIn(currency_code="USD", amount=usd))
    return VariantIn(title=title, sku=sku, options={"Size": size} if size else {}, prices=prices,
                     stocked_quantity=stock)


def build(database: Database, settings: Settings) -> Marketplace:
    storage = storage_from_settings(settings)
    stores: dict[str, Store] = {}
    with database.transaction(Domain.content) as session:
        furniture = categories.create(session, SYSTEM, parse(categories.CategoryCreate,
                                                             {"name": "Furniture", "slug": "furniture"})).id
        lighting = categories.create(session, SYSTEM, parse(categories.CategoryCreate,
                                                            {"name": "Lighting", "slug": "lighting"})).id
    with database.transaction(Domain.commerce) as session:
        eur = regions.create_region(session, RegionIn(name="Europe", currency_code="EUR", tax_rate=Decimal("0.2"),
                                                      countries=["DE", "FR", "NL"])).id
        usd = regions.create_region(session, RegionIn(name="United States", currency_code="USD",
                                                      tax_rate=Decimal("0.0725"), countries=["US"])).id
        market = Marketplace(eur=eur, usd=usd, stores=stores, furniture=furniture, lighting=lighting)
        for slug, name in (("nordic-oak", "Nordic Oak"), ("lumen-works", "Lumen Works"), ("shady-co", "Shady Co")):
            vendor = vendors.create_vendor(session, VendorIn(name=name, slug=slug, email=f"{slug}@example.com",
                                                             commission_rate=Decimal("0.1"), default_currency="EUR"))
            vendors.change_status(session, vendor.id, VendorStatus.approved)
            stores[slug] = Store(vendor_id=vendor.id, tenant_id="", slug=slug, name=name)
            for option, amount in (("Standard", 490), ("Express", 1290)):
                created = carts.create_shipping_option(session, ShippingOptionIn(
                    vendor_id=vendor.id, name=option,
                    prices=[PriceIn(currency_code="EUR", amount=amount), PriceIn(currency_code="USD", amount=amount)]))
                if option == "Standard":
                    market.shipping[slug] = created.id
        nordic, lumen, shady = stores["nordic-oak"], stores["lumen-works"], stores["shady-co"]
        products: list[tuple[Store, ProductIn]] = [
            (nordic, ProductIn(vendor_id=nordic.vendor_id, title="Oak Chair", handle="oak-chair", status="published",
                               description="A sturdy oak chair.", category_ids=[furniture],
                               options=[OptionIn(title="Size", values=["Small", "Large"])],
                               variants=[_variant("Oak Chair Small", "CHAIR-S", 12000, 13000, 40, "Small"),
                                         _variant("Oak Chair Large", "CHAIR-L", 15000, 16500, 3, "Large")])),
            (nordic, ProductIn(vendor_id=nordic.vendor_id, title="Pine Table", handle="pine-table", status="published",
                               description="A long pine table.", category_ids=[furniture],
                               variants=[_variant("Pine Table", "TABLE", 30000, 33000, 5)])),
            (nordic, ProductIn(vendor_id=nordic.vendor_id, title="Secret Prototype", handle="secret-prototype",
                               status="draft", variants=[_variant("Prototype", "PROTO", 100, 100, 5)])),
            (lumen, ProductIn(vendor_id=lumen.vendor_id, title="Desk Lamp", handle="desk-lamp", status="published",
                              description="Warm light for long days.", category_ids=[lighting],
                              variants=[_variant("Desk Lamp", "LAMP", 4500, 4900, 100)])),
            (lumen, ProductIn(vendor_id=lumen.vendor_id, title="Bulb Pack", handle="bulb-pack", status="published",
                              category_ids=[lighting], variants=[_variant("Bulb Pack", "BULBS", 999, 1099, 0)])),
            (shady, ProductIn(vendor_id=shady.vendor_id, title="Shady Lantern", handle="shady-lantern",
                              status="published", variants=[_variant("Lantern", "LANTERN", 2000, 2200, 10)])),
        ]
        for store, body in products:
            product = catalog.create_product(session, body)
            store.products[product.handle] = product.id
            for variant in product.variants:
                store.variants[variant.sku] = variant.id
        for min_q, max_q, price in ((10, 49, 10800), (50, None, 9600)):
            volume_pricing.create_tier(session, TierIn(variant_id=nordic.variants["CHAIR-S"], currency_code="EUR",
                                                       min_quantity=min_q, max_quantity=max_q, unit_price=price),
                                       select(ProductVariant))

    with database.transaction(Domain.content) as session:
        colours = {"nordic-oak": "#1a7f37", "lumen-works": "#ffee58", "shady-co": "#8250df"}
        for store in stores.values():
            tenant = tenants.create(session, SYSTEM, parse(TenantCreate, {
                "name": store.name, "slug": store.slug, "vendorId": store.vendor_id,
                "tagline": f"{store.name} for offices", "domains": [f"{store.slug}.shop.example.com"],
            }))
            logo = media.upload(session, SYSTEM, storage, filename=f"{store.slug}-logo.png",
                                data=png(colours[store.slug]), alt=f"{store.name} logo", tenant_id=tenant.id,
                                max_bytes=settings.media_max_bytes,
                                max_pixels=settings.media_max_image_pixels)
            tenants.update(session, SYSTEM, tenant, parse(TenantUpdate, {
                "status": TenantStatus.active.value,
                "branding": {"logo": logo.id, "primaryColor": colours[store.slug], "secondaryColor": "#f6f8fa",
                             "headingFont": "Merriweather"},
            }))
            store.tenant_id = tenant.id
        nordic, lumen, shady = stores["nordic-oak"], stores["lumen-works"], stores["shady-co"]
        banner = media.upload(session, SYSTEM, storage, filename="banner.png", data=png("#0b3d91"),
                              alt="The Nordic Oak workshop", tenant_id=nordic.tenant_id,
                              max_bytes=settings.media_max_bytes,
                                max_pixels=settings.media_max_image_pixels)
        home = pages.create(session, SYSTEM, parse(PageCreate, {
            "tenant": nordic.tenant_id, "title": "Nordic Oak", "slug": "home",
            "seoTitle": "Nordic Oak furniture", "seoDescription": "Solid oak furniture for offices.",
            "blocks": [
                {"blockType": "hero", "heading": "Furniture that lasts", "subheading": "Built from Nordic oak.",
                 "image": banner.id, "cta": {"label": "Shop furniture", "url": "/shop/nordic-oak/products"}},
                {"blockType": "richText", "content": {"type": "root", "children": [
                    {"type": "paragraph", "children": [{"type": "text", "text": "Made to order "},
                                                       {"type": "text", "text": "in Sweden", "bold": True}]}]}},
                {"blockType": "productGrid", "heading": "Bestsellers",
                 "productIds": [nordic.products["oak-chair"], nordic.products["pine-table"]], "columns": 2},
                {"blockType": "callToAction", "text": "Ask for a quote", "url": "/shop/nordic-oak/about",
                 "style": "secondary"},
                {"blockType": "image", "image": banner.id, "caption": "Our workshop in spring"},
                {"blockType": "faq", "items": [{"question": "Do you deliver abroad?",
                                                "answer": "Across the EU within a week."}]},
            ],
        }))
        pages.publish(session, SYSTEM, home)
        about = pages.create(session, SYSTEM, parse(PageCreate, {
            "tenant": nordic.tenant_id, "title": "About us", "slug": "about",
            "blocks": [{"blockType": "richText", "content": plain("Three generations of carpenters.")}],
        }))
        pages.publish(session, SYSTEM, about)
        for store in (lumen, shady):
            page = pages.create(session, SYSTEM, parse(PageCreate, {
                "tenant": store.tenant_id, "title": store.name, "slug": "home",
                "blocks": [{"blockType": "hero", "heading": f"Welcome to {store.name}"}]}))
            pages.publish(session, SYSTEM, page)
        pages.create(session, SYSTEM, parse(PageCreate, {
            "tenant": lumen.tenant_id, "title": "Unreleased lamps", "slug": "unreleased",
            "blocks": [{"blockType": "richText", "content": plain("Top secret lamp plans.")}]}))
        for title, slug, status in (("Caring for oak", "caring-for-oak", "published"),
                                    ("Spring collection", "spring-collection", "published"),
                                    ("Draft thoughts", "draft-thoughts", "draft")):
            blogs.create(session, SYSTEM, parse(blogs.PostCreate, {
                "tenant": nordic.tenant_id, "title": title, "slug": slug, "content": plain(f"{title}."),
                "author": "Editorial", "tags": ["care"], "status": status}))
        navigation.create(session, SYSTEM, parse(navigation.MenuCreate, {
            "tenant": nordic.tenant_id, "location": "main",
            "items": [{"label": "About us", "page": about.id}, {"label": "Journal", "url": "/shop/nordic-oak/blog"}]}))
        chair = product_content.upsert_from_commerce(session, parse(product_content.CommerceProduct, {
            "productId": nordic.products["oak-chair"], "vendorId": nordic.vendor_id, "title": "Oak Chair",
            "handle": "oak-chair", "status": "published"}))
        assert chair is not None
        photo = media.upload(session, SYSTEM, storage, filename="chair.png", data=png("#8b5a2b"),
                             alt="An oak chair in a bright office", tenant_id=nordic.tenant_id,
                             max_bytes=settings.media_max_bytes,
                                max_pixels=settings.media_max_image_pixels)
        product_content.update(session, SYSTEM, chair, parse(product_content.ProductContentUpdate, {
            "longDescription": plain("Hand-finished oak, oiled twice, guaranteed for ten years."),
            "specifications": [{"name": "Dimensions", "items": [{"key": "Seat height", "value": "46 cm"}]}],
            "images": [photo.id], "seoDescription": "The oak chair for long meetings.",
        }))
        row = session.get(Tenant, shady.tenant_id)  # the suspended store: it was active, now it is not
        assert row is not None
        tenants.update(session, SYSTEM, row, parse(TenantUpdate, {"status": TenantStatus.suspended.value}))
    return market


def api_cart_totals(answer: dict[str, Any]) -> dict[str, int]:
    return {key: answer[key] for key in ("subtotal", "shipping_total", "tax_total", "total")}
