"""Demo content: a platform home page built from blocks, a branded tenant per vendor with a landing page,
blog posts, menus, a category tree and a few images drawn locally with Pillow. The first vendor's store speaks
English and German (`de`): its home page, menus and the category tree are translated. Idempotent: anything that
already exists (by slug / location / product id) is left as it is."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.commerce_seed import category_id
from api.config import Settings, get_settings
from api.content.access import SYSTEM
from api.content.blogs import service as blogs
from api.content.blogs.models import BlogPost
from api.content.categories import service as categories
from api.content.categories.models import Category
from api.content.common import parse
from api.content.locales import store_translation
from api.content.media import service as media
from api.content.media.models import Media
from api.content.navigation import service as navigation
from api.content.navigation.models import NavigationMenu
from api.content.pages import service as pages
from api.content.pages.models import Page
from api.content.pages.schemas import PageCreate
from api.content.products import service as products
from api.content.richtext import plain
from api.content.tenants import service as tenants
from api.content.tenants.models import Tenant, TenantStatus
from api.content.tenants.schemas import TenantCreate, TenantUpdate
from api.db import Database, Domain
from connectors.storage import Storage, storage_from_settings

PALETTE = ["#1f6feb", "#d1242f", "#1a7f37", "#8250df", "#bf3989", "#9a6700"]
# The catalog's categories (api/commerce_seed.py VENDORS) under three parents, with the ids the catalog links.
CATEGORY_TREE = {
    "Office": ["Furniture", "Stationery"],
    "Home": ["Lighting", "Plants"],
    "Kitchen": ["Coffee"],
}
GERMAN_CATEGORIES = {
    "Office": "Büro", "Furniture": "Möbel", "Stationery": "Schreibwaren", "Home": "Wohnen",
    "Lighting": "Beleuchtung", "Plants": "Pflanzen", "Kitchen": "Küche", "Coffee": "Kaffee",
}


def _picture(label: str, color: str, size: tuple[int, int] = (1600, 900)) -> bytes:
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    for step in range(0, size[0], 80):
        draw.line([(step, 0), (step + size[1] // 2, size[1])], fill="#ffffff", width=3)
    draw.rectangle([40, size[1] - 140, 40 + 24 * len(label), size[1] - 60], fill="#ffffff")
    draw.text((56, size[1] - 120), label, fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _image(session: Session, storage: Storage, settings: Settings, name: str, color: str,
           tenant_id: str | None) -> str:
    filename = f"seed-{name}.png"
    existing = session.scalar(
        select(Media.id).where(Media.filename == filename, Media.tenant_id.is_not_distinct_from(tenant_id))
    )
    if existing is not None:
        return existing
    row = media.upload(session, SYSTEM, storage, filename=filename, data=_picture(name, color),
                       alt=f"{name} illustration", tenant_id=tenant_id, max_bytes=settings.media_max_bytes,
                       max_pixels=settings.media_max_image_pixels)
    return row.id


def _page(session: Session, tenant_id: str | None, slug: str, title: str, body: list[dict[str, Any]]) -> None:
    scope = Page.tenant_id.is_(None) if tenant_id is None else Page.tenant_id == tenant_id
    if session.scalar(select(Page.id).where(scope, Page.slug == slug)) is not None:
        return
    page = pages.create(session, SYSTEM, parse(PageCreate, {
        "tenant": tenant_id, "title": title, "slug": slug, "blocks": body,
        "seoTitle": title, "seoDescription": f"{title} on the marketplace.",
    }))
    pages.publish(session, SYSTEM, page)


def _post(session: Session, tenant_id: str | None, slug: str, title: str, tags: list[str]) -> None:
    scope = BlogPost.tenant_id.is_(None) if tenant_id is None else BlogPost.tenant_id == tenant_id
    if session.scalar(select(BlogPost.id).where(scope, BlogPost.slug == slug)) is not None:
        return
    blogs.create(session, SYSTEM, parse(blogs.PostCreate, {
        "tenant": tenant_id, "title": title, "slug": slug, "content": plain(f"{title}: notes from the team."),
        "author": "Editorial team", "tags": tags, "status": "published",
    }))


def _menu(session: Session, tenant_id: str | None, location: str, items: list[dict[str, Any]]) -> None:
    scope = NavigationMenu.tenant_id.is_(None) if tenant_id is None else NavigationMenu.tenant_id == tenant_id
    if session.scalar(select(NavigationMenu.id).where(scope, NavigationMenu.location == location)) is None:
        navigation.create(session, SYSTEM, parse(navigation.MenuCreate,
                                                 {"tenant": tenant_id, "location": location, "items": items}))


def _categories(session: Session, image_id: str) -> None:
    for parent_name, children in CATEGORY_TREE.items():
        parent_id = _category(session, parent_name, None, image_id)
        for child in children:
            _category(session, child, parent_id, None)


def _category(session: Session, name: str, parent_id: str | None, image_id: str | None) -> str:
    slug = name.lower()
    existing = session.scalar(select(Category.id).where(Category.slug == slug))
    if existing is not None:
        return existing
    body = {"name": name, "slug": slug, "description": f"{name} for businesses.", "parent": parent_id,
            "image": image_id}
    category = categories.create(session, SYSTEM, parse(categories.CategoryCreate, body), id=category_id(name))
    german = GERMAN_CATEGORIES[name]
    store_translation(session, category, "de", {"name": german, "description": f"{german} für Unternehmen."})
    return category.id


def _german(session: Session, tenant_id: str, vendor: dict[str, Any], banner: str,
            grid: list[dict[str, Any]]) -> None:
    """Make the store bilingual (en + de) and translate its home page and menus (once)."""
    tenant = session.get_one(Tenant, tenant_id)
    if "de" in tenant.locales:
        return
    tenants.update(session, SYSTEM, tenant, parse(TenantUpdate, {"locales": ["en", "de"]}))
    shop = f"/shop/{vendor['slug']}"
    home = session.scalars(select(Page).where(Page.tenant_id == tenant_id, Page.slug == "home")).one()
    pages.translate(session, home, "de", {
        "title": vendor["name"], "seoTitle": f"{vendor['name']}: Bedarf für Unternehmen",
        "seoDescription": f"{vendor['name']} auf dem Marktplatz.",
        "blocks": [
            {"blockType": "hero", "heading": vendor["name"], "subheading": "Gute Ware, schnelle Lieferung.",
             "image": banner, "cta": {"label": "Jetzt einkaufen", "url": f"{shop}/products"}},
            {"blockType": "richText", "content": plain(
                f"{vendor['name']} beliefert Unternehmen mit Mengenrabatt auf jede Bestellung.")},
            *[{**block, "heading": "Gerade beliebt"} for block in grid],
            {"blockType": "callToAction", "text": "Alle Produkte ansehen", "url": f"{shop}/products",
             "style": "primary"},
            {"blockType": "faq", "items": [
                {"question": "Gibt es Mengenrabatte?", "answer": "Ja: der Preis sinkt mit der Menge."},
                {"question": "Wie schnell liefern Sie?", "answer": "Standard in 3-5 Tagen, Express am nächsten Tag."}]},
        ],
    })
    pages.publish(session, SYSTEM, home)
    german_menus = {
        "main": [{"label": "Produkte", "url": f"{shop}/products"}, {"label": "Über uns", "url": f"{shop}/about"}],
        "footer": [{"label": "Über uns", "url": f"{shop}/about"}, {"label": "Blog", "url": f"{shop}/blog"}],
    }
    for location, items in german_menus.items():
        menu = session.scalars(select(NavigationMenu).where(
            NavigationMenu.tenant_id == tenant_id, NavigationMenu.location == location)).one()
        navigation.translate(session, menu, "de", {"items": items})


def _tenant(session: Session, storage: Storage, settings: Settings, vendor: dict[str, Any], index: int) -> str:
    existing = session.scalar(select(Tenant).where(Tenant.vendor_id == vendor["id"]))
    if existing is not None:
        return existing.id
    color = PALETTE[index % len(PALETTE)]
    tenant = tenants.create(session, SYSTEM, parse(TenantCreate, {
        "name": vendor["name"], "slug": vendor["slug"], "vendorId": vendor["id"],
        "tagline": f"{vendor['name']}: supplies for business", "domains": [f"{vendor['slug']}.shop.example.com"],
        "branding": {"primaryColor": color, "secondaryColor": "#f6f8fa", "headingFont": "Inter"},
    }))
    logo = _image(session, storage, settings, f"{vendor['slug']}-logo", color, tenant.id)
    tenants.update(session, SYSTEM, tenant, parse(TenantUpdate, {
        "status": TenantStatus.active.value,
        "branding": {"logo": logo, "primaryColor": color, "secondaryColor": "#f6f8fa", "headingFont": "Inter"},
    }))
    return tenant.id


def seed_content(database: Database, vendors: list[dict[str, Any]], settings: Settings | None = None) -> None:
    """Create the demo content for `vendors` ([{"id", "name", "slug", "product_ids"?}], possibly empty)."""
    settings = settings or get_settings()
    storage = storage_from_settings(settings)
    with database.transaction(Domain.content) as session:
        hero = _image(session, storage, settings, "marketplace-hero", "#0b3d91", None)
        _page(session, None, "home", "Home", [
            {"blockType": "hero", "heading": "Everything your business buys, in one place",
             "subheading": "Trusted vendors, volume pricing, quotes on demand.", "image": hero,
             "cta": {"label": "Browse stores", "url": "/#stores"}},
            {"blockType": "richText", "content": plain("Compare vendors, ask for quotes and order in bulk.")},
            {"blockType": "callToAction", "text": "Sell with us", "url": "/vendor-portal/register", "style": "primary"},
            {"blockType": "faq", "items": [
                {"question": "Who can buy?", "answer": "Any registered business."},
                {"question": "How do quotes work?", "answer": "Ask a vendor; accept the quote to order."}]},
        ])
        _post(session, None, "welcome", "Welcome to the marketplace", ["news"])
        _post(session, None, "buying-in-bulk", "Buying in bulk, the smart way", ["guides", "pricing"])
        _menu(session, None, "main", [
            {"label": "Stores", "url": "/stores"}, {"label": "Blog", "url": "/blog"},
            {"label": "Categories", "url": "/categories", "children": [
                {"label": name, "url": f"/categories/{name.lower()}"} for name in CATEGORY_TREE]},
        ])
        _menu(session, None, "footer", [{"label": "About", "url": "/about"}, {"label": "Contact", "url": "/contact"}])
        _categories(session, hero)
        for index, vendor in enumerate(vendors):
            tenant_id = _tenant(session, storage, settings, vendor, index)
            banner = _image(session, storage, settings, f"{vendor['slug']}-banner", PALETTE[index % len(PALETTE)],
                            tenant_id)
            shop = f"/shop/{vendor['slug']}"
            grid: list[dict[str, Any]] = (
                [{"blockType": "productGrid", "heading": "Popular right now", "productIds": vendor["product_ids"][:6],
                  "columns": 3}] if vendor.get("product_ids") else []
            )
            _page(session, tenant_id, "home", vendor["name"], [
                {"blockType": "hero", "heading": vendor["name"], "subheading": "Quality supplies, fast delivery.",
                 "image": banner, "cta": {"label": "Shop now", "url": f"{shop}/products"}},
                {"blockType": "richText", "content": plain(
                    f"{vendor['name']} supplies businesses with volume pricing on every order.")},
                *grid,
                {"blockType": "callToAction", "text": "See every product", "url": f"{shop}/products",
                 "style": "primary"},
                {"blockType": "image", "image": banner, "caption": f"{vendor['name']} warehouse"},
                {"blockType": "faq", "items": [
                    {"question": "Do you offer volume discounts?", "answer": "Yes: the price drops with quantity."},
                    {"question": "How fast do you ship?", "answer": "Standard in 3-5 days, express next day."}]},
            ])
            _page(session, tenant_id, "about", f"About {vendor['name']}", [
                {"blockType": "richText", "content": plain(f"{vendor['name']} has served businesses since 1999.")},
                {"blockType": "image", "image": banner, "caption": "Our team"},
            ])
            _post(session, tenant_id, "hello", f"Hello from {vendor['name']}", ["news"])
            _menu(session, tenant_id, "main", [
                {"label": "Products", "url": f"{shop}/products"},
                {"label": "About", "url": f"{shop}/about"},
            ])
            _menu(session, tenant_id, "footer", [
                {"label": "About", "url": f"{shop}/about"}, {"label": "Blog", "url": f"{shop}/blog"},
            ])
            if index == 0:
                _german(session, tenant_id, vendor, banner, grid)


def seed_product_content(database: Database, products_: list[dict[str, Any]]) -> None:
    """Product content rows for commerce products ([{"id", "vendor_id", "title", "handle", "status",
    "thumbnail"?, "price_summary"?}]): metadata as the sync would copy it, plus a description and specs."""
    with database.transaction(Domain.content) as session:
        for product in products_:
            row = products.upsert_from_commerce(session, parse(products.CommerceProduct, {
                "productId": product["id"], "vendorId": product.get("vendor_id"), "title": product.get("title"),
                "handle": product.get("handle"), "thumbnail": product.get("thumbnail"),
                "priceSummary": product.get("price_summary"), "status": product.get("status", "published"),
            }))
            if row is not None and row.long_description is None:
                title = product.get("title") or "This product"
                specs = [{"name": "General", "items": [{"key": "Handle", "value": product.get("handle") or ""}]}]
                products.update(session, SYSTEM, row, parse(products.ProductContentUpdate, {
                    "longDescription": plain(f"{title}, built for daily business use."), "specifications": specs,
                }))
