"""The storefront: the marketplace's landing page (the tenant list) and each tenant's store at
`/shop/{slug}/...` (or at the root of the tenant's own domain). Handlers are thin: they call the catalog,
cart, order, volume-pricing and content services the API calls, and render."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import money
from api.auth.actor import ANONYMOUS, Actor
from api.auth.models import Role
from api.carts import service as carts
from api.carts.models import Cart
from api.carts.schemas import CartIn, CartUpdate, LineItemIn, LineItemUpdate
from api.catalog import service as catalog
from api.catalog.schemas import ProductSort, StoreProductOut
from api.companies.models import CompanyApproval
from api.content.blogs.collection import COLLECTION as POSTS
from api.content.locales import LOCALE_NAMES
from api.content.pages.collection import COLLECTION as PAGES
from api.content.products.collection import COLLECTION as PRODUCT_CONTENT
from api.content.richtext import render_html
from api.content.tenants.models import Tenant
from api.customers.schemas import AddressIn
from api.db import Domain
from api.deps import AppSettings, CommerceSession
from api.errors import AppError, NotFound, ValidationFailed
from api.inventory.service import OutOfStock
from api.orders import service as orders
from api.orders.models import Order
from api.payments import service as payments
from api.vendors.service import vendor_names
from api.volume_pricing import service as volume_pricing
from api.web.auth import Form, PageActor
from api.web.components import Pager
from api.web.forms import FieldErrors, app_error_fields, fields, validate
from api.web.reads import BOTH_STORES, kept_read, on_loop_when_kept
from api.web.render import redirect, render, safe_html, set_flash
from api.web.router import page_router
from api.web.storefront import shop as shops
from api.web.storefront.shop import CART_COOKIE, LOCALE_COOKIE, ORDERS_COOKIE, REGION_COOKIE, CurrentShop, Shop
from api.web.stores import PageContentSession

router = page_router("/shop", "/robots.txt", "/sitemap.xml")

PRODUCTS_PER_PAGE = 12
POSTS_PER_PAGE = 10
SORTS: list[tuple[str, str]] = [
    ("-created_at", "Newest"), ("price", "Price: low to high"), ("-price", "Price: high to low"),
    ("title", "Name: A to Z"), ("-title", "Name: Z to A"),
]
Page = Annotated[int, Query(ge=1, le=10_000)]
COOKIE_YEAR = 365 * 24 * 3600


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int = COOKIE_YEAR) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def _tenant_slugs_by_vendor(tenants: list[Tenant]) -> dict[str, str]:
    return {t.vendor_id: t.slug for t in tenants}


def _product_cards(shop: Shop, products: list[StoreProductOut]) -> list[dict[str, Any]]:
    """What a product card shows: the lowest price in the shopper's currency, stock, and the store it is in."""
    by_vendor = _tenant_slugs_by_vendor(shop.tenants)
    cards = []
    for product in products:
        prices = [v.calculated_price.amount for v in product.variants if v.calculated_price is not None]
        slug = by_vendor.get(product.vendor.id)
        if slug == shop.tenant.slug:
            href = shop.url(f"products/{product.handle}")
        elif slug is not None:
            href = f"/shop/{slug}/products/{product.handle}"
        else:
            continue  # the vendor has no active store: nowhere to show the product
        cards.append({
            "product": product,
            "href": href,
            "from_price": min(prices) if prices else None,
            "many_prices": len(set(prices)) > 1,
            "in_stock": any(v.available_quantity > 0 for v in product.variants),
        })
    return cards


# ---- blocks ------------------------------------------------------------------------------------------------


def _blocks(request: Request, shop_or_none: Shop | None, content: Session, commerce: Session,
            blocks: list[dict[str, Any]], currency: str, tenant_vendor_id: str | None) -> list[dict[str, Any]]:
    """Page blocks ready to render: rich text as safe HTML, images with their sizes and alt text, product
    grids filled from the commerce catalog in the shopper's currency."""
    media_ids = {b["image"] for b in blocks if b.get("image")}
    media = shops.media_by_id(content, media_ids)
    out: list[dict[str, Any]] = []
    for block in blocks:
        kind = block.get("blockType")
        item: dict[str, Any] = {"type": kind, "block": block, "image": None, "cards": []}
        if block.get("image"):
            found = media.get(block["image"])
            item["image"] = {
                "src": shops.media_url(found.id, "hero" if kind == "hero" else "card"),
                "srcset": f"{shops.media_url(found.id, 'card')} 800w, {shops.media_url(found.id, 'hero')} 1920w",
                "alt": found.alt or "",
            } if found else None
        if kind == "richText":
            item["html"] = safe_html(render_html(block["content"]))
        elif kind == "productGrid" and shop_or_none is not None:
            def grid(block: dict[str, Any] = block) -> list[StoreProductOut]:
                if block.get("productIds"):
                    rows = catalog.store_products_by_ids(commerce, block["productIds"])
                else:
                    rows, _ = catalog.search_products(
                        commerce, catalog.store_visible(), category_id=block.get("categoryId"),
                        vendor_id=tenant_vendor_id, limit=12, offset=0,
                    )
                return [catalog.store_view(p, currency) for p in rows]

            key = f"grid|{block.get('productIds')}|{block.get('categoryId')}|{tenant_vendor_id}|{currency}"
            item["cards"] = _product_cards(shop_or_none, kept_read(request, key, grid, Domain.commerce))
        out.append(item)
    return out


# ---- the marketplace: landing page, robots, sitemap index ------------------------------------------------


@router.get("/")
def landing(request: Request, content: PageContentSession, commerce: CommerceSession, actor: PageActor) -> Response:
    def build() -> dict[str, Any]:
        tenants = shops.active_tenants(content)
        logos = shops.media_by_id(content, {t.logo_id for t in tenants if t.logo_id})
        try:
            page = shops.published_page(content, None, "home")
        except NotFound:
            page = None
        blocks = [b for b in (page.blocks if page else []) if b.get("blockType") != "productGrid"]
        return {
            "tenants": tenants,
            "logos": {t.id: shops.media_url(t.logo_id, "thumbnail") for t in tenants if t.logo_id in logos},
            "page": page,
            "blocks": _blocks(request, None, content, commerce, blocks, "EUR", None),
        }

    settings = request.app.state.settings
    return render(request, "storefront/landing.html", {
        **kept_read(request, "landing", build, Domain.content),
        "canonical": settings.public_base_url.rstrip("/") + "/",
    })


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(request: Request) -> Response:
    base = request.app.state.settings.public_base_url.rstrip("/")
    return PlainTextResponse(_robots_body("/shop/*", f"{base}/sitemap.xml"))


def _robots_body(store: str, sitemap: str) -> str:
    return (
        "User-agent: *\n"
        "Allow: /\n"
        f"Disallow: {store}/cart\nDisallow: {store}/checkout\nDisallow: {store}/orders/\n"
        "Disallow: /account\nDisallow: /login\nDisallow: /register\n"
        f"Sitemap: {sitemap}\n"
    )


@router.get("/sitemap.xml")
def sitemap_index(request: Request, content: PageContentSession) -> Response:
    base = request.app.state.settings.public_base_url.rstrip("/")
    urls = [f"{base}/shop/{t.slug}/sitemap.xml" for t in shops.active_tenants(content)]
    body = render(request, "storefront/sitemap_index.xml", {"sitemaps": urls}).body
    return Response(body, media_type="application/xml")


# ---- a tenant's store ----------------------------------------------------------------------------------------


@router.get("/shop/{slug}")
async def home(
    request: Request, shop: CurrentShop, content: PageContentSession, commerce: CommerceSession
) -> Response:
    key = f"home|{shop.tenant.id}|{shop.base}|{shop.region.currency_code}|{shop.locale}"
    return await on_loop_when_kept(request, [(key, BOTH_STORES)], lambda: _home(request, shop, content, commerce, key))


def _home(request: Request, shop: Shop, content: Session, commerce: Session, key: str) -> Response:
    currency = shop.region.currency_code

    def build() -> tuple[Any, list[dict[str, Any]]]:
        try:
            page = shop.localized(shops.published_page(content, shop.tenant.id, "home"), PAGES.localized)
        except NotFound:
            page = None
        if page is None:  # a store without a home page still shows its newest products
            rows, _ = catalog.search_products(commerce, catalog.store_visible(), vendor_id=shop.tenant.vendor_id,
                                              limit=8, offset=0)
            return None, [{"type": "productGrid", "block": {"heading": "New arrivals", "columns": 4},
                           "cards": _product_cards(shop, [catalog.store_view(p, currency) for p in rows])}]
        return page, _blocks(request, shop, content, commerce, page.blocks, currency, shop.tenant.vendor_id)

    # Kept while neither store changes: a repeat visit to a store's home opens no connection.
    page, blocks = kept_read(request, key, build, *BOTH_STORES)
    return render(request, "storefront/page.html", {
        "page": page, "blocks": blocks, "canonical": shop.canonical(), "is_home": True,
    })


@router.get("/shop/{slug}/theme.css")
def theme_css(shop: CurrentShop) -> Response:
    return Response(shop.theme.css(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/shop/{slug}/robots.txt", response_class=PlainTextResponse)
def shop_robots(shop: CurrentShop) -> Response:
    store = shop.base or ""
    return PlainTextResponse(_robots_body(store, shop.canonical("sitemap.xml")))


@router.get("/shop/{slug}/sitemap.xml")
def shop_sitemap(request: Request, shop: CurrentShop, content: PageContentSession,
                 commerce: CommerceSession) -> Response:
    products, _ = catalog.search_products(commerce, catalog.store_visible(), vendor_id=shop.tenant.vendor_id,
                                          limit=5000, offset=0)
    posts, _ = shops.published_posts(content, shop.tenant.id, limit=5000, offset=0)
    entries: list[tuple[str, datetime | None]] = [(shop.canonical(path), None) for path in ("", "products", "blog")]
    entries += [(shop.canonical(f"products/{p.handle}"), p.updated_at) for p in products]
    entries += [(shop.canonical(p.slug), p.updated_at) for p in shops.published_pages(content, shop.tenant.id)
                if p.slug != "home"]
    entries += [(shop.canonical(f"blog/{p.slug}"), p.updated_at) for p in posts]
    body = render(request, "storefront/sitemap.xml", {"entries": entries}).body
    return Response(body, media_type="application/xml")


@router.post("/shop/{slug}/region")
def choose_region(request: Request, shop: CurrentShop, form: Form, commerce: CommerceSession,
                  actor: PageActor) -> Response:
    region_id = fields(form, "region_id", "back")["region_id"]
    back = fields(form, "back")["back"]
    target = back if back.startswith(shop.base + "/") or back == shop.url() else shop.url("products")
    region = next((r for r in shop.regions if r.id == region_id), None)
    if region is None:
        return redirect(request, target, "Choose one of the listed regions.", "error")
    response = redirect(request, target, f"Prices are now shown for {region.name} in {region.currency_code}.")
    _cookie(request, response, REGION_COOKIE, region.id)
    cart = shops.open_cart(request, commerce, actor)
    if cart is not None and cart.region_id != region.id:
        response.delete_cookie(CART_COOKIE, path="/")
        if cart.items:
            set_flash(request, response, "A cart holds one currency: your cart starts over in "
                      f"{region.currency_code}.", "warning")
    return response


@router.post("/shop/{slug}/locale")
def choose_locale(request: Request, shop: CurrentShop, form: Form) -> Response:
    """The locale switcher: the store's content in another of its locales, kept in a cookie."""
    values = fields(form, "locale", "back")
    back = values["back"]
    target = back if back.startswith(shop.base + "/") or back == shop.url() else shop.url()
    if values["locale"] not in shop.locale_settings.enabled:
        return redirect(request, target, "Choose one of the listed languages.", "error")
    response = redirect(request, target, f"Showing {LOCALE_NAMES.get(values['locale'], values['locale'])}.")
    _cookie(request, response, LOCALE_COOKIE, values["locale"])
    return response


@router.get("/shop/{slug}/products")
async def products(
    request: Request,
    shop: CurrentShop,
    content: PageContentSession,
    commerce: CommerceSession,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    min_price: Annotated[str | None, Query(max_length=20)] = None,
    max_price: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str, Query(max_length=20)] = "-created_at",
    page: Page = 1,
) -> Response:
    currency = shop.region.currency_code
    errors: FieldErrors = {}
    price_min = _minor_units(min_price, currency, "min_price", errors)
    price_max = _minor_units(max_price, currency, "max_price", errors)
    chosen_sort: ProductSort = sort if sort in dict(SORTS) else "-created_at"  # type: ignore[assignment]
    search = (q or "").strip() or None
    tree_key = f"categories|{shop.locale}"
    key = f"list|{shop.tenant.vendor_id}|{search}|{category}|{currency}|{price_min}|{price_max}|{chosen_sort}|{page}"
    # A category filter also follows the content store's tree (a category and the ones under it).
    list_stores = (Domain.commerce, *([Domain.content] if category else []))

    def answer() -> Response:
        tree = kept_read(request, tree_key, lambda: shops.category_tree(content, shop.locale), Domain.content)
        views, total = kept_read(request, key, lambda: listing(tree), *list_stores)
        return _products_page(request, shop, tree, views, total, q, category, min_price, max_price, chosen_sort,
                              page, errors)

    def listing(tree: list[tuple[Any, int]]) -> tuple[list[StoreProductOut], int]:
        rows, total = catalog.search_products(
            commerce, catalog.store_visible(), q=search, vendor_id=shop.tenant.vendor_id,
            category_id=shops.with_descendants(tree, category) if category else None, currency=currency,
            price_min=price_min, price_max=price_max,
            sort=chosen_sort, limit=PRODUCTS_PER_PAGE, offset=(page - 1) * PRODUCTS_PER_PAGE,
        )
        return [catalog.store_view(p, currency) for p in rows], total

    return await on_loop_when_kept(request, [(tree_key, (Domain.content,)), (key, list_stores)], answer)


def _products_page(
    request: Request, shop: Shop, tree: list[tuple[Any, int]], views: list[StoreProductOut], total: int,
    q: str | None, category: str | None, min_price: str | None, max_price: str | None, chosen_sort: ProductSort,
    page: int, errors: FieldErrors,
) -> Response:
    query = {"q": q, "category": category, "min_price": min_price, "max_price": max_price,
             "sort": None if chosen_sort == "-created_at" else chosen_sort}
    pager = Pager.of(page, PRODUCTS_PER_PAGE, total, shop.url("products"), query)
    return render(request, "storefront/products.html", {
        "cards": _product_cards(shop, views),
        "total": total,
        "pager": pager,
        "values": {"q": q or "", "category": category or "", "min_price": min_price or "",
                   "max_price": max_price or "", "sort": chosen_sort},
        "errors": errors,
        "categories": [("", "All categories"), *[(c.id, "\u2014 " * depth + c.name) for c, depth in tree]],
        "sorts": SORTS,
        "canonical": shop.canonical("products") + (f"?page={page}" if page > 1 else ""),
    })


def _minor_units(value: str | None, currency: str, name: str, errors: FieldErrors) -> int | None:
    if not value or not value.strip():
        return None
    try:
        amount = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        errors[name] = "Enter a number, like 25 or 19.99."
        return None
    if not amount.is_finite() or amount < 0 or amount > 10_000_000:
        errors[name] = "Enter an amount between 0 and 10,000,000."
        return None
    return money.from_decimal(amount, currency)


@router.get("/shop/{slug}/products/{handle}")
async def product(request: Request, handle: str, shop: CurrentShop, content: PageContentSession,
                  commerce: CommerceSession) -> Response:
    # Kept while neither store changes (stock and prices move the commerce version): one product page, in one
    # currency and locale, under one base, is read from the stores once.
    key = f"product|{shop.tenant.id}|{shop.public_base}|{handle}|{shop.region.currency_code}|{shop.locale}"
    return await on_loop_when_kept(request, [(key, BOTH_STORES)],
                                   lambda: _product_page(request, handle, shop, content, commerce, key))


def _product_page(request: Request, handle: str, shop: Shop, content: Session, commerce: Session,
                  key: str) -> Response:
    currency = shop.region.currency_code

    def build() -> dict[str, Any]:
        found = catalog.get_store_product(commerce, handle)
        if found.vendor_id != shop.tenant.vendor_id:
            raise NotFound("No such product in this store.")  # another store's product: not found here
        view = catalog.store_view(found, currency)
        tiers = volume_pricing.store_view(commerce, found, currency)
        info = shop.localized(shops.product_content(content, found.id), PRODUCT_CONTENT.localized)
        images = shops.media_by_id(content, set(info.images)) if info else {}
        gallery = [
            {"src": shops.media_url(m.id, "card"), "large": shops.media_url(m.id, "original"),
             "srcset": f"{shops.media_url(m.id, 'thumbnail')} 400w, {shops.media_url(m.id, 'card')} 800w",
             "alt": m.alt or found.title}
            for m in (images[i] for i in (info.images if info else []) if i in images)
        ] + [{"src": url, "large": url, "srcset": None, "alt": found.title} for url in view.images]
        return {
            "product": view,
            "info": info,
            "long_description": safe_html(render_html(info.long_description))
            if info and info.long_description else None,
            "gallery": gallery,
            "tiers": {t.variant_id: t for t in tiers.variants if t.currency_code == currency},
            "currency": currency,
            "canonical": shop.canonical(f"products/{found.handle}"),
            "og_image": gallery[0]["src"] if gallery else None,
        }

    context = kept_read(request, key, build, *BOTH_STORES)
    raw = request.query_params.get("quantity", "1")
    quantity = int(raw) if raw.isdigit() else 1
    return render(request, "storefront/product.html", {**context, "quantity": max(1, min(quantity, 10_000))})


# ---- cart ------------------------------------------------------------------------------------------------------


def _cart_or_new(request: Request, shop: Shop, commerce: Session, actor: Actor) -> tuple[Cart, bool]:
    cart = shops.open_cart(request, commerce, actor)
    if cart is not None and cart.region_id == shop.region.id:
        return cart, False
    return carts.create_cart(commerce, CartIn(region_id=shop.region.id), actor), True


def _shopper(actor: Actor) -> Actor:
    """Shoppers act as themselves when signed in as customers; anyone else shops as a guest."""
    return actor if actor.role is Role.customer else ANONYMOUS


@router.post("/shop/{slug}/cart/items")
def add_to_cart(request: Request, shop: CurrentShop, form: Form, commerce: CommerceSession,
                actor: PageActor) -> Response:
    values = fields(form, "variant_id", "quantity", "handle")
    back = shop.url(f"products/{values['handle']}") if values["handle"] else shop.url("products")
    shopper = _shopper(actor)
    body, errors = validate(LineItemIn, {"variant_id": values["variant_id"], "quantity": values["quantity"] or "1"})
    if body is None:
        message = "Enter a quantity between 1 and 10,000." if "quantity" in errors else "Choose a variant."
        return redirect(request, back, message, "error")
    cart, created = _cart_or_new(request, shop, commerce, shopper)
    try:
        with commerce.begin_nested():
            carts.add_line(commerce, cart.id, body, shopper)
    except OutOfStock as exc:
        return redirect(request, back, exc.detail or "Not enough stock.", "error")
    except ValidationFailed as exc:
        return redirect(request, back, exc.detail or "This item cannot be added.", "error")
    response = redirect(request, shop.url("cart"), "Added to your cart.")
    if created:
        _cookie(request, response, CART_COOKIE, cart.id, 30 * 24 * 3600)
    return response


def _stock_problems(commerce: Session, cart: Cart) -> dict[str, int]:
    """Lines asking for more than is available now: line id -> units available."""
    variants = catalog.get_variants(commerce, [i.variant_id for i in cart.items])
    problems = {}
    for item in cart.items:
        variant = variants.get(item.variant_id)
        available = variant.inventory.available_quantity if variant and variant.inventory else 0
        if item.quantity > available:
            problems[item.id] = available
    return problems


@router.get("/shop/{slug}/cart")
def cart_page(request: Request, shop: CurrentShop, commerce: CommerceSession, actor: PageActor) -> Response:
    cart = shops.open_cart(request, commerce, _shopper(actor))
    view = carts.view(commerce, cart) if cart is not None else None
    return render(request, "storefront/cart.html", {
        "cart": view,
        "stock": _stock_problems(commerce, cart) if cart is not None else {},
        "stores": _tenant_slugs_by_vendor(shop.tenants),
        "canonical": shop.canonical("cart"),
    })


@router.post("/shop/{slug}/cart/items/{line_id}")
def change_line(request: Request, line_id: str, shop: CurrentShop, form: Form, commerce: CommerceSession,
                actor: PageActor) -> Response:
    values = fields(form, "quantity", "action")
    shopper = _shopper(actor)
    cart = shops.open_cart(request, commerce, shopper)
    if cart is None:
        return redirect(request, shop.url("cart"), "Your cart has expired; start again.", "warning")
    try:
        with commerce.begin_nested():
            if values["action"] == "remove" or values["quantity"] == "0":
                carts.remove_line(commerce, cart.id, line_id, shopper)
                message = "Removed from your cart."
            else:
                body, _ = validate(LineItemUpdate, {"quantity": values["quantity"]})
                if body is None:
                    return redirect(request, shop.url("cart"), "Enter a quantity between 1 and 10,000.", "error")
                carts.update_line(commerce, cart.id, line_id, body.quantity, shopper)
                message = "Quantity updated."
    except AppError as exc:
        return redirect(request, shop.url("cart"), exc.detail or "That change could not be made.", "error")
    return redirect(request, shop.url("cart"), message)


# ---- checkout --------------------------------------------------------------------------------------------------

ADDRESS_FIELDS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "postal_code",
                  "province", "country_code", "phone")


def _checkout_context(shop: Shop, commerce: Session, cart: Cart, values: dict[str, str],
                      errors: FieldErrors, settings: Any) -> dict[str, Any]:
    view = carts.view(commerce, cart)
    options = carts.options_for_cart(commerce, cart)
    chosen = {m.vendor_id: m.shipping_option_id for m in view.shipping_methods}
    by_vendor: dict[str, list[Any]] = {}
    for option in options:
        by_vendor.setdefault(option.vendor_id, []).append(option)
    for vendor_id, vendor_options in by_vendor.items():
        chosen[vendor_id] = values.get(f"shipping_{vendor_id}") or chosen.get(vendor_id) or vendor_options[0].id
    return {
        "cart": view,
        "options": by_vendor,
        "chosen": chosen,
        "values": values,
        "errors": errors,
        "countries": shop.region.countries,
        "stripe": settings.payment_provider == "stripe",
        "canonical": shop.canonical("checkout"),
    }


@router.get("/shop/{slug}/checkout")
def checkout_page(request: Request, shop: CurrentShop, commerce: CommerceSession, settings: AppSettings,
                  actor: PageActor) -> Response:
    cart = shops.open_cart(request, commerce, _shopper(actor))
    if cart is None or not cart.items:
        return redirect(request, shop.url("cart"), "Your cart is empty.", "warning")
    address = cart.shipping_address or {}
    values = {"email": cart.email or (actor.email if actor.role is Role.customer else "") or "",
              **{k: str(address.get(k) or "") for k in ADDRESS_FIELDS}}
    if not values["country_code"] and shop.region.countries:
        values["country_code"] = shop.region.countries[0]
    return render(request, "storefront/checkout.html", _checkout_context(shop, commerce, cart, values, {}, settings))


@router.post("/shop/{slug}/checkout")
def place_order(request: Request, shop: CurrentShop, form: Form, commerce: CommerceSession, settings: AppSettings,
                actor: PageActor) -> Response:
    shopper = _shopper(actor)
    cart = shops.open_cart(request, commerce, shopper)
    if cart is None or not cart.items:
        return redirect(request, shop.url("cart"), "Your cart is empty.", "warning")
    vendor_ids = sorted({i.variant.product.vendor_id for i in cart.items})
    values = fields(form, "email", "payment_method", *ADDRESS_FIELDS, *[f"shipping_{v}" for v in vendor_ids])
    address = {k: values[k] or None for k in ADDRESS_FIELDS}
    address["country_code"] = values["country_code"].upper()
    address_in, errors = validate(AddressIn, address)
    update, email_errors = validate(CartUpdate, {"email": values["email"] or None})
    errors |= email_errors
    if not values["email"]:
        errors["email"] = "Enter the email address for the order confirmation."
    for vendor_id in vendor_ids:
        if not values[f"shipping_{vendor_id}"]:
            errors[f"shipping_{vendor_id}"] = "Choose a shipping option."
    if errors or address_in is None or update is None:
        context = _checkout_context(shop, commerce, cart, values, errors, settings)
        return render(request, "storefront/checkout.html", context, status_code=400)
    provider = payments.provider_for(settings)
    try:
        with commerce.begin_nested():
            carts.update_cart(commerce, cart.id, CartUpdate(email=update.email, shipping_address=address_in), shopper)
            for vendor_id in vendor_ids:
                carts.add_shipping_method(commerce, cart.id, values[f"shipping_{vendor_id}"], shopper)
            result = carts.complete(commerce, provider, cart.id, shopper, values["payment_method"] or None)
    except OutOfStock as exc:
        # Stock ran out while the shopper was checking out: back to the cart, which shows what is left.
        return redirect(request, shop.url("cart"), f"Some items just sold out. {exc.detail or ''}".strip(), "error")
    except AppError as exc:
        known = {*ADDRESS_FIELDS, "email", *[f"shipping_{v}" for v in vendor_ids]}
        mapped = {_form_field(k): m for k, m in app_error_fields(exc).items()}
        context = _checkout_context(shop, commerce, cart, values,
                                    {k if k in known else "_form": m for k, m in mapped.items()}, settings)
        return render(request, "storefront/checkout.html", context, status_code=400)
    if isinstance(result, CompanyApproval):
        return redirect(request, shop.url("cart"), "Your company needs an approver to confirm this order; it was "
                        "sent for approval.", "info")
    response = redirect(request, shop.url(f"orders/{result.id}"), "Thank you! Your order is placed.")
    response.delete_cookie(CART_COOKIE, path="/")
    recent = [result.id, *[o for o in request.cookies.get(ORDERS_COOKIE, "").split(",") if o.startswith("order_")]]
    _cookie(request, response, ORDERS_COOKIE, ",".join(recent[:10]), 30 * 24 * 3600)
    return response


def _form_field(name: str) -> str:
    return name.removeprefix("shipping_address.")


@router.get("/shop/{slug}/orders/{order_id}")
def confirmation(request: Request, order_id: str, shop: CurrentShop, commerce: CommerceSession,
                 actor: PageActor) -> Response:
    placed_here = order_id in request.cookies.get(ORDERS_COOKIE, "").split(",")
    order: Order = orders.get_order(
        commerce, order_id, customer_id=None if placed_here else (actor.id if actor.role is Role.customer else "-")
    )
    view = orders.view(order)
    return render(request, "storefront/confirmation.html", {
        "order": view, "vendor_names": vendor_names(commerce, [v.vendor_id for v in view.vendor_orders]),
        "canonical": shop.canonical(f"orders/{order_id}"),
    })


# ---- blog and content pages ------------------------------------------------------------------------------------


@router.get("/shop/{slug}/blog")
def blog(request: Request, shop: CurrentShop, content: PageContentSession, page: Page = 1) -> Response:
    posts, total = shops.published_posts(content, shop.tenant.id, POSTS_PER_PAGE, (page - 1) * POSTS_PER_PAGE)
    return render(request, "storefront/blog.html", {
        "posts": [shop.localized(p, POSTS.localized) for p in posts],
        "pager": Pager.of(page, POSTS_PER_PAGE, total, shop.url("blog")),
        "canonical": shop.canonical("blog") + (f"?page={page}" if page > 1 else ""),
    })


@router.get("/shop/{slug}/blog/{post_slug}")
def post(request: Request, post_slug: str, shop: CurrentShop, content: PageContentSession) -> Response:
    found = shop.localized(shops.published_post(content, shop.tenant.id, post_slug), POSTS.localized)
    return render(request, "storefront/post.html", {
        "post": found, "html": safe_html(render_html(found.content)),
        "canonical": shop.canonical(f"blog/{found.slug}"),
    })


@router.get("/shop/{slug}/{page_slug}")
def content_page(request: Request, page_slug: str, shop: CurrentShop, content: PageContentSession,
                 commerce: CommerceSession) -> Response:
    if page_slug == "home":
        return RedirectResponse(shop.url(), status_code=308)
    page = shop.localized(shops.published_page(content, shop.tenant.id, page_slug), PAGES.localized)
    blocks = _blocks(request, shop, content, commerce, page.blocks, shop.region.currency_code, shop.tenant.vendor_id)
    return render(request, "storefront/page.html", {
        "page": page, "blocks": blocks, "canonical": shop.canonical(page.slug), "is_home": False,
    })

