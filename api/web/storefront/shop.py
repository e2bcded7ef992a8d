"""The storefront's request context: which tenant (from `/shop/{slug}` or the request's host), its branding,
menus, the shopper's region and cart, and the content reads a shopper may see.

Every content read goes through the collection's own `readable` rule with the public access (no actor), so a
shopper sees exactly what the content API shows anonymous readers: published documents of active tenants.
A vendor or admin browsing a store sees it as shoppers do (drafts never show on the storefront).

Content shows in the shopper's locale (`choose_locale`: `?locale=`, the locale cookie the switcher sets, then
Accept-Language, among the tenant's enabled locales; else the tenant's default), each missing translation falling
back to the tenant's default locale, as the content API's `locale` parameter does (`api.content.locales`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic.alias_generators import to_snake
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth.actor import ANONYMOUS, Actor
from api.carts import service as carts
from api.carts.models import Cart, CartStatus
from api.content.access import Access
from api.content.blogs.collection import COLLECTION as POSTS
from api.content.blogs.models import BlogPost
from api.content.categories.collection import COLLECTION as CATEGORIES
from api.content.categories.models import Category
from api.content.locales import LOCALE_NAMES, PLATFORM, LocaleQuery, TenantLocales, value_in
from api.content.media import service as media_service
from api.content.media.collection import COLLECTION as MEDIA
from api.content.media.models import Media
from api.content.navigation.collection import COLLECTION as MENUS
from api.content.navigation.models import NavigationMenu
from api.content.pages.collection import COLLECTION as PAGES
from api.content.pages.models import Page
from api.content.products.collection import COLLECTION as PRODUCT_CONTENT
from api.content.products.models import ProductContent
from api.content.tenants.collection import COLLECTION as TENANTS
from api.content.tenants.models import Tenant
from api.db import Database, Domain
from api.deps import CommerceSession
from api.errors import NotFound
from api.regions import service as regions
from api.regions.models import Region
from api.web.auth import PageActor
from api.web.reads import BOTH_STORES, is_kept, kept_read
from api.web.storefront.theme import Theme, theme_for
from api.web.stores import PageContentSession

PUBLIC = Access(actor=ANONYMOUS)
CART_COOKIE = "mp_cart"
REGION_COOKIE = "mp_region"
ORDERS_COOKIE = "mp_orders"
LOCALE_COOKIE = "mp_locale"


# ---- content reads (the public's view) -----------------------------------------------------------------


def active_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).where(TENANTS.readable(PUBLIC)).order_by(Tenant.name, Tenant.id)))


def active_tenant(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug, TENANTS.readable(PUBLIC)))
    if tenant is None:
        raise NotFound("No such store.")
    return tenant


def published_page(session: Session, tenant_id: str | None, slug: str) -> Page:
    scope = Page.tenant_id.is_(None) if tenant_id is None else Page.tenant_id == tenant_id
    page = session.scalar(select(Page).where(scope, Page.slug == slug, PAGES.readable(PUBLIC)))
    if page is None:
        raise NotFound("No such page.")
    return page


def published_pages(session: Session, tenant_id: str) -> list[Page]:
    return list(session.scalars(
        select(Page).where(Page.tenant_id == tenant_id, PAGES.readable(PUBLIC)).order_by(Page.slug)
    ))


def published_posts(session: Session, tenant_id: str, limit: int, offset: int) -> tuple[list[BlogPost], int]:
    from sqlalchemy import func

    statement = select(BlogPost).where(BlogPost.tenant_id == tenant_id, POSTS.readable(PUBLIC))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(BlogPost.published_at.desc().nulls_last(), BlogPost.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def published_post(session: Session, tenant_id: str, slug: str) -> BlogPost:
    post = session.scalar(
        select(BlogPost).where(BlogPost.tenant_id == tenant_id, BlogPost.slug == slug, POSTS.readable(PUBLIC))
    )
    if post is None:
        raise NotFound("No such post.")
    return post


def menus(session: Session, tenant_id: str | None) -> dict[str, NavigationMenu]:
    scope = NavigationMenu.tenant_id.is_(None) if tenant_id is None else NavigationMenu.tenant_id == tenant_id
    rows = session.scalars(select(NavigationMenu).where(scope, MENUS.readable(PUBLIC)))
    return {menu.location: menu for menu in rows}


def page_slugs(session: Session, page_ids: set[str]) -> dict[str, str]:
    """Slugs of the published pages among `page_ids` (menu items that link to a page)."""
    if not page_ids:
        return {}
    return dict(session.execute(
        select(Page.id, Page.slug).where(Page.id.in_(page_ids), PAGES.readable(PUBLIC))
    ).tuples().all())


def media_by_id(session: Session, media_ids: set[str]) -> dict[str, Media]:
    if not media_ids:
        return {}
    return {m.id: m for m in session.scalars(select(Media).where(Media.id.in_(media_ids), MEDIA.readable(PUBLIC)))}


def media_url(media_id: str, size: str) -> str:
    return media_service.url(media_id, size)


def product_content(session: Session, product_id: str) -> ProductContent | None:
    return session.scalar(
        select(ProductContent).where(ProductContent.product_id == product_id, PRODUCT_CONTENT.readable(PUBLIC))
    )


def category_tree(session: Session, locale: str | None = None) -> list[tuple[Category, int]]:
    """Every category with its depth, parents before their children, by name (in `locale`, when given)."""
    rows: list[Any] = [localized(row, CATEGORIES.localized, locale, PLATFORM)
                       for row in session.scalars(select(Category))]
    rows.sort(key=lambda row: (row.name.casefold(), row.id))
    children: dict[str | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[Category, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        for row in children.get(parent, []):
            out.append((row, depth))
            if depth < 5:
                walk(row.id, depth + 1)

    walk(None, 0)
    return out


def with_descendants(tree: list[tuple[Any, int]], category_id: str) -> list[str]:
    """`category_id` and every category under it (the tree lists parents before their children): choosing
    "Office" finds the products filed under "Furniture"."""
    ids = [category_id]
    for category, _ in tree:
        if category.parent_id in ids:
            ids.append(category.id)
    return ids


# ---- the shopper's locale --------------------------------------------------------------------------------


class Localized:
    """A content row read in one locale: its localised attributes from its translations (falling back to the
    default locale's), every other attribute from the row itself. The row is never changed."""

    def __init__(self, row: Any, keys: tuple[str, ...], locale: str, locales: TenantLocales) -> None:
        query = LocaleQuery(locale=locale)
        translations = getattr(row, "translations", None) or {}
        self._row = row
        self._values = {to_snake(key): value_in(key, getattr(row, to_snake(key)), translations, locales, query)
                        for key in keys}

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["_values"]
        return values[name] if name in values else getattr(self.__dict__["_row"], name)


def localized(row: Any, keys: tuple[str, ...], locale: str | None, locales: TenantLocales) -> Any:
    """`row` as read in `locale` (the row itself for the default locale)."""
    if row is None or locale is None or locale == locales.default or not keys:
        return row
    return Localized(row, keys, locale, locales)


def locales_of(tenant: Tenant) -> TenantLocales:
    return TenantLocales(tenant.default_locale, tuple(tenant.locales))


def _accepted(header: str) -> list[str]:
    """The primary language tags of an Accept-Language header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_locale(request: Request, locales: TenantLocales) -> str:
    """`?locale=`, then the switcher's cookie, then Accept-Language, among the enabled locales; else the default."""
    for wanted in (request.query_params.get("locale"), request.cookies.get(LOCALE_COOKIE)):
        if wanted in locales.enabled:
            return wanted
    for wanted in _accepted(request.headers.get("accept-language", "")):
        if wanted in locales.enabled:
            return wanted
    return locales.default


# ---- the tenant of a request's host ----------------------------------------------------------------------


class TenantHosts:
    """Active tenants' domains -> slug, re-read at most every `ttl` seconds (a changed domain shows then)."""

    def __init__(self, database: Database, ttl: float = 30.0) -> None:
        self.database = database
        self.ttl = ttl
        self._hosts: dict[str, str] = {}
        self._expires = 0.0
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        with self.database.transaction(Domain.content) as session:
            return {domain.lower(): tenant.slug for tenant in active_tenants(session) for domain in tenant.domains}

    @property
    def fresh(self) -> bool:
        """Whether the domains in memory are recent enough for `known` (else `slug_for` reads them again)."""
        return time.monotonic() < self._expires

    def known(self, host: str) -> str | None:
        return self._hosts.get(host)

    def slug_for(self, host: str) -> str | None:
        if not self.fresh:
            try:
                hosts = self._load()
            except OperationalError:
                # The content store is down: route by the domains last known, and let the request itself
                # answer (503 from /ready and the API, the 503 page from the stores).
                with self._lock:
                    self._expires = time.monotonic() + 1.0
                return self.known(host)
            with self._lock:
                self._hosts, self._expires = hosts, time.monotonic() + self.ttl
        return self.known(host)


class TenantHostMiddleware:
    """A request whose host is one of an active tenant's `domains` is served that tenant's store at the root:
    `/products` is routed as `/shop/{slug}/products`. Paths of the rest of the app (the API's, `/static`,
    `/login`, other surfaces' page roots) are left alone; `request.state.tenant_host` tells the pages to link
    without the `/shop/{slug}` prefix."""

    def __init__(self, app: ASGIApp, hosts: TenantHosts, own_hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts
        self.own_hosts = own_hosts
        self._reserved: set[str] | None = None

    def reserved(self, app: Any) -> set[str]:
        """First path segments that belong to the app, not to a store (computed once, all routes known)."""
        if self._reserved is None:
            from api.web.router import PAGE_PREFIXES

            paths = [*app.openapi().get("paths", {}), *PAGE_PREFIXES, "/static", "/shop", "/docs", "/redoc",
                     "/openapi.json"]
            self._reserved = {p.lstrip("/").split("/", 1)[0] for p in paths} - {"", "robots.txt", "sitemap.xml"}
        return self._reserved

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = _host_of(scope)
            if host and host not in self.own_hosts:
                # Read from the database (in a thread) only when the domains in memory are stale.
                slug = self.hosts.known(host) if self.hosts.fresh else await run_in_threadpool(
                    self.hosts.slug_for, host
                )
                path: str = scope["path"]
                first = path.lstrip("/").split("/", 1)[0]
                if slug is not None and first not in self.reserved(scope["app"]):
                    new_path = f"/shop/{slug}" + ("" if path == "/" else path)
                    scope = {**scope, "path": new_path, "raw_path": new_path.encode(),
                             "state": {**scope.get("state", {}), "tenant_host": host}}
        await self.app(scope, receive, send)


def _host_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").rsplit(":", 1)[0].lower() if not value.startswith(b"[") else ""
    return ""


# ---- the shop of a request -------------------------------------------------------------------------------


@dataclass
class Shop:
    """Everything the storefront layout needs about the current store and shopper."""

    tenant: Tenant
    base: str  # "/shop/{slug}", or "" on the tenant's own domain
    origin: str  # scheme://host of canonical URLs
    public_base: str  # origin + base, for canonical URLs and sitemaps
    theme: Theme
    logo: Media | None
    tenants: list[Tenant]
    regions: list[Region]
    region: Region
    main_menu: list[dict[str, Any]] = field(default_factory=list)
    footer_menu: list[dict[str, Any]] = field(default_factory=list)
    cart_count: int = 0
    locale: str = "en"
    locale_settings: TenantLocales = PLATFORM

    def localized(self, row: Any, keys: tuple[str, ...]) -> Any:
        """A content row of this store in the shopper's locale."""
        return localized(row, keys, self.locale, self.locale_settings)

    @property
    def locale_choices(self) -> list[tuple[str, str]]:
        """The switcher's options: each enabled locale with its name in that language."""
        return [(code, LOCALE_NAMES.get(code, code)) for code in self.locale_settings.enabled]

    def locale_url(self, path: str, locale: str) -> str:
        """This page in another locale (`hreflang` links)."""
        return f"{self.origin}{path}?locale={locale}"

    def url(self, path: str = "") -> str:
        """A link inside this store: `url("products")` -> /shop/acme/products (or /products on its domain)."""
        path = path.lstrip("/")
        return f"{self.base}/{path}" if path else (self.base or "/")

    def canonical(self, path: str = "") -> str:
        path = path.lstrip("/")
        return f"{self.public_base}/{path}" if path else self.public_base

    def href(self, url: str) -> str:
        """A menu link: a link into this store written as `/shop/{slug}/...` follows the store's base."""
        prefix = f"/shop/{self.tenant.slug}"
        if url == prefix or url.startswith(prefix + "/"):
            return self.url(url[len(prefix):])
        return url

    @property
    def logo_url(self) -> str | None:
        return media_url(self.logo.id, "thumbnail") if self.logo else None

    @property
    def theme_url(self) -> str:
        # Microseconds: two changes within one second must still give the browser a new address.
        at = self.tenant.updated_at
        version = int(at.timestamp()) * 1_000_000 + at.microsecond if at else 0
        return self.url(f"theme.css?v={version}")


def _menu_items(shop: Shop, items: list[dict[str, Any]], slugs: dict[str, str]) -> list[dict[str, Any]]:
    def link(item: dict[str, Any]) -> dict[str, Any] | None:
        if item.get("page"):
            slug = slugs.get(item["page"])
            if slug is None:
                return None  # a link to a page that is not published: left out
            href = shop.url("" if slug == "home" else slug)
        else:
            href = shop.href(item["url"])
        children = [c for c in (link(child) for child in item.get("children", [])) if c is not None]
        return {"label": item["label"], "href": href, "children": children}

    return [entry for entry in (link(item) for item in items) if entry is not None]


def choose_region(request: Request, region_list: list[Region]) -> Region:
    wanted = request.cookies.get(REGION_COOKIE)
    by_id = {r.id: r for r in region_list}
    if wanted in by_id:
        return by_id[wanted]
    if not region_list:
        raise NotFound("This marketplace sells in no region yet.")
    return region_list[0]


def open_cart(request: Request, session: Session, actor: Actor) -> Cart | None:
    """The browser's open cart (cookie), if it still is one this shopper may use."""
    cart_id = request.cookies.get(CART_COOKIE)
    if not cart_id or not cart_id.startswith("cart_") or len(cart_id) > 40:
        return None
    try:
        cart = carts.get_cart(session, cart_id, actor)
    except NotFound:
        return None
    return cart if cart.status == CartStatus.open else None


@dataclass(frozen=True)
class StoreLayout:
    """What every page of a store shows around its content."""

    tenant: Tenant
    logo: Media | None
    tenants: list[Tenant]
    regions: list[Region]
    menus: dict[str, NavigationMenu]
    page_slugs: dict[str, str]


def layout_key(slug: str) -> str:
    return f"layout|{slug}"


def store_layout(request: Request, content: Session, commerce: Session, slug: str) -> StoreLayout:
    """The store's layout, kept while neither store has changed."""

    def build() -> StoreLayout:
        tenant = active_tenant(content, slug)
        found = menus(content, tenant.id)
        every_items = [menu.items for menu in found.values()] + [
            values["items"] for menu in found.values() for values in (menu.translations or {}).values()
            if isinstance(values.get("items"), list)]
        page_ids = {link["page"] for items in every_items for item in items
                    for link in (item, *item.get("children", [])) if link.get("page")}
        return StoreLayout(
            tenant=tenant,
            logo=media_by_id(content, {tenant.logo_id}).get(tenant.logo_id) if tenant.logo_id else None,
            tenants=active_tenants(content),
            regions=regions.list_regions(commerce),
            menus=found,
            page_slugs=page_slugs(content, page_ids),
        )

    return kept_read(request, layout_key(slug), build, *BOTH_STORES)


def build_shop(
    request: Request, slug: str, content: Session, commerce: Session, actor: Actor
) -> Shop:
    layout = store_layout(request, content, commerce, slug)
    tenant = layout.tenant
    tenant_host: str | None = getattr(request.state, "tenant_host", None)
    base = "" if tenant_host else f"/shop/{tenant.slug}"
    settings = request.app.state.settings
    origin = f"{request.url.scheme}://{tenant_host}" if tenant_host else settings.public_base_url.rstrip("/")
    cart = open_cart(request, commerce, actor) if request.cookies.get(CART_COOKIE) else None
    shop = Shop(
        tenant=tenant,
        base=base,
        origin=origin,
        public_base=origin + base,
        theme=theme_for(tenant.primary_color, tenant.secondary_color, tenant.heading_font),
        logo=layout.logo,
        tenants=layout.tenants,
        regions=layout.regions,
        region=choose_region(request, layout.regions),
        cart_count=sum(i.quantity for i in cart.items) if cart else 0,
        locale_settings=locales_of(tenant),
    )
    shop.locale = choose_locale(request, shop.locale_settings)
    for location in ("main", "footer"):
        menu = shop.localized(layout.menus.get(location), MENUS.localized)
        items = _menu_items(shop, list(menu.items) if menu is not None else [], layout.page_slugs)
        setattr(shop, f"{location}_menu", items)
    request.state.layout = {"shop": shop}
    request.state.error_template = "storefront/error.html"
    return shop


async def current_shop(
    request: Request, slug: str, content: PageContentSession, commerce: CommerceSession, actor: PageActor
) -> Shop:
    # Built on the event loop when that needs no database: the layout is kept and the browser has no cart to read.
    if request.cookies.get(CART_COOKIE) or not is_kept(request, layout_key(slug), *BOTH_STORES):
        return await run_in_threadpool(build_shop, request, slug, content, commerce, actor)
    return build_shop(request, slug, content, commerce, actor)


CurrentShop = Annotated[Shop, Depends(current_shop)]
