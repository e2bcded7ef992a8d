from __future__ import annotations

from sqlalchemy import true

from api.content.access import tenant_readable, tenant_writable
from api.content.navigation import service
from api.content.navigation.models import NavigationMenu
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation

COLLECTION = Collection(
    slug="navigation",
    model=NavigationMenu,
    description="Menus per location (main, footer) and tenant; items nest two levels.",
    fields={
        "id": Field(NavigationMenu.id),
        "tenant": Field(NavigationMenu.tenant_id),
        "location": Field(NavigationMenu.location, choices=("main", "footer")),
        "createdAt": Field(NavigationMenu.created_at, Kind.datetime),
        "updatedAt": Field(NavigationMenu.updated_at, Kind.datetime),
    },
    default_sort="location",
    readable=lambda access: tenant_readable(access, NavigationMenu.tenant_id, true()),
    writable=lambda access: tenant_writable(access, NavigationMenu.tenant_id),
    to_doc=service.to_doc,
    relations=(
        Relation("tenant", "tenants"),
        Relation("items[].page", "pages"),
        Relation("items[].children[].page", "pages"),
    ),
    create_schema=service.MenuCreate,
    create=service.create,
    update_schema=service.MenuUpdate,
    update=service.update,
    delete=service.delete,
    localized=("items",),
    translate=service.translate,
)
