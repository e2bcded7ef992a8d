"""The category tree (platform-wide, edited by admins). A parent that would make a cycle is a 409."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.access import Access
from api.content.categories.models import Category
from api.content.common import Input, LongText, Name, PatchInput, RefId, Slug, ensure_exist, flush_unique, iso
from api.content.media.models import Media
from api.errors import Conflict

TAKEN = "Another category already uses this slug."


class CategoryCreate(Input):
    name: Name
    slug: Slug
    description: LongText | None = None
    image: RefId | None = None
    parent: RefId | None = None


class CategoryUpdate(PatchInput):
    required_fields = frozenset({"name", "slug"})

    name: Name | None = None
    slug: Slug | None = None
    description: LongText | None = None
    image: RefId | None = None
    parent: RefId | None = None


def to_doc(category: Category, editable: bool = False) -> dict[str, Any]:
    return {
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "image": category.image_id,
        "parent": category.parent_id,
        "createdAt": iso(category.created_at),
        "updatedAt": iso(category.updated_at),
    }


def ancestors(session: Session, category_id: str) -> set[str]:
    """`category_id` and every category above it (one recursive query; stops on any loop)."""
    chain = select(Category.id, Category.parent_id).where(Category.id == category_id).cte(recursive=True)
    chain = chain.union(select(Category.id, Category.parent_id).join(chain, Category.id == chain.c.parent_id))
    return set(session.scalars(select(chain.c.id)))


def _set_parent(session: Session, category: Category, parent_id: str | None) -> None:
    if parent_id is not None:
        ensure_exist(session, Category, [parent_id], "parent category")
        if category.id is not None and category.id in ancestors(session, parent_id):
            raise Conflict("This parent would make the category its own ancestor.", parent=parent_id)
    category.parent_id = parent_id


def _apply(session: Session, category: Category, data: dict[str, Any]) -> None:
    for name in ("name", "slug", "description"):
        if name in data:
            setattr(category, name, data[name])
    if "image" in data:
        ensure_exist(session, Media, [data["image"]], "media", tenant_scoped=True)
        category.image_id = data["image"]
    if "parent" in data:
        _set_parent(session, category, data["parent"])


def create(session: Session, access: Access, body: CategoryCreate, *, id: str | None = None) -> Category:
    """A new category; `id` names it (seeds give the ids the catalog's links use), else one is made."""
    access.require_admin("edit categories")
    category = Category(id=id) if id else Category()
    _apply(session, category, body.model_dump())
    session.add(category)
    flush_unique(session, TAKEN)
    return category


def update(session: Session, access: Access, category: Category, body: CategoryUpdate) -> Category:
    _apply(session, category, body.model_dump(exclude_unset=True))
    flush_unique(session, TAKEN)
    return category


def delete(session: Session, access: Access, category: Category) -> None:
    session.delete(category)
    session.flush()
