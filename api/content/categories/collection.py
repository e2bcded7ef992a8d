from __future__ import annotations

from sqlalchemy import true

from api.content.access import admin_writable
from api.content.categories import service
from api.content.categories.models import Category
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation

COLLECTION = Collection(
    slug="categories",
    model=Category,
    description="The platform's category tree (admins edit; everyone reads).",
    fields={
        "id": Field(Category.id),
        "name": Field(Category.name),
        "slug": Field(Category.slug),
        "parent": Field(Category.parent_id),
        "createdAt": Field(Category.created_at, Kind.datetime),
        "updatedAt": Field(Category.updated_at, Kind.datetime),
    },
    default_sort="name",
    readable=lambda access: true(),
    writable=admin_writable,
    to_doc=service.to_doc,
    relations=(Relation("parent", "categories"), Relation("image", "media")),
    create_schema=service.CategoryCreate,
    create=service.create,
    update_schema=service.CategoryUpdate,
    update=service.update,
    delete=service.delete,
    localized=("name", "description"),
)
