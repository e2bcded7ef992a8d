"""Menus: one per location per tenant (or platform-wide), items nested at most two levels; each item
links to a URL (http(s) or relative) or to a page of the same tenant."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from api.content.access import Access
from api.content.common import Input, PatchInput, RefId, SafeUrl, ensure_exist, flush_unique, iso
from api.content.locales import store_translation
from api.content.navigation.models import NavigationMenu
from api.content.pages.models import Page
from api.content.tenants.models import Tenant

Location = Literal["main", "footer"]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TAKEN = "This tenant already has a menu for this location."


class NavLink(Input):
    label: Label
    url: SafeUrl | None = None
    page: RefId | None = None

    @model_validator(mode="after")
    def _one_target(self) -> NavLink:
        if (self.url is None) == (self.page is None):
            raise ValueError("a menu item links to either a url or a page")
        return self


class NavItem(NavLink):
    children: Annotated[list[NavLink], Field(max_length=20)] = []


Items = Annotated[list[NavItem], Field(max_length=30)]


class MenuCreate(Input):
    tenant: RefId | None = None
    location: Location
    items: Items = []


class MenuUpdate(PatchInput):
    required_fields = frozenset({"items"})

    items: Items | None = None


def to_doc(menu: NavigationMenu, editable: bool = False) -> dict[str, Any]:
    return {
        "id": menu.id,
        "tenant": menu.tenant_id,
        "location": menu.location,
        "items": menu.items,
        "createdAt": iso(menu.created_at),
        "updatedAt": iso(menu.updated_at),
    }


def _items(session: Session, tenant_id: str | None, items: list[NavItem]) -> list[dict[str, Any]]:
    pages = [link.page for item in items for link in (item, *item.children) if link.page]
    ensure_exist(session, Page, pages, "page", tenant_id=tenant_id, tenant_scoped=True)
    return [item.model_dump(mode="json", exclude_none=True) for item in items]


def create(session: Session, access: Access, body: MenuCreate) -> NavigationMenu:
    tenant_id = access.tenant_for_new(body.tenant)
    if tenant_id is not None:
        ensure_exist(session, Tenant, [tenant_id], "tenant")
    menu = NavigationMenu(tenant_id=tenant_id, location=body.location, items=_items(session, tenant_id, body.items))
    session.add(menu)
    flush_unique(session, TAKEN)
    return menu


def update(session: Session, access: Access, menu: NavigationMenu, body: MenuUpdate) -> NavigationMenu:
    if body.items is not None:
        menu.items = _items(session, menu.tenant_id, body.items)
    session.flush()
    return menu


def translate(session: Session, menu: NavigationMenu, locale: str, values: dict[str, Any]) -> None:
    """A locale's menu items (labels, and links if they differ): pages of the menu's tenant, as in every locale."""
    items = values.get("items") or []
    pages = [link["page"] for item in items for link in (item, *item.get("children", [])) if link.get("page")]
    ensure_exist(session, Page, pages, "page", tenant_id=menu.tenant_id, tenant_scoped=True)
    store_translation(session, menu, locale, values)


def delete(session: Session, access: Access, menu: NavigationMenu) -> None:
    session.delete(menu)
    session.flush()
