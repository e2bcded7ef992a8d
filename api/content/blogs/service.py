"""Blog posts, per tenant or platform-wide. `status` published makes a post public; `publishedAt` is set
on first publish unless given."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content.access import Access
from api.content.blogs.models import BlogPost
from api.content.common import Input, Name, PatchInput, RefId, Slug, ensure_exist, flush_unique, iso
from api.content.richtext import RichText
from api.content.tenants.models import Tenant

Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50,
                                       pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")]
Tags = Annotated[list[Tag], Field(max_length=20)]
Author = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SLUG_TAKEN = "Another post of this tenant already uses this slug."


class PostCreate(Input):
    tenant: RefId | None = None
    title: Name
    slug: Slug
    content: RichText
    author: Author | None = None
    tags: Tags = []
    status: Literal["draft", "published"] = "draft"
    published_at: AwareDatetime | None = None


class PostUpdate(PatchInput):
    required_fields = frozenset({"title", "slug", "content", "tags", "status"})

    title: Name | None = None
    slug: Slug | None = None
    content: RichText | None = None
    author: Author | None = None
    tags: Tags | None = None
    status: Literal["draft", "published"] | None = None
    published_at: AwareDatetime | None = None


def to_doc(post: BlogPost, editable: bool = False) -> dict[str, Any]:
    return {
        "id": post.id,
        "tenant": post.tenant_id,
        "title": post.title,
        "slug": post.slug,
        "content": post.content,
        "author": post.author,
        "tags": list(post.tags),
        "status": post.status,
        "publishedAt": iso(post.published_at),
        "createdAt": iso(post.created_at),
        "updatedAt": iso(post.updated_at),
    }


def _apply(post: BlogPost, data: dict[str, Any]) -> None:
    for name in ("title", "slug", "content", "author", "tags", "status", "published_at"):
        if name in data:
            setattr(post, name, data[name])
    if post.status == "published" and post.published_at is None:
        post.published_at = utcnow()


def create(session: Session, access: Access, body: PostCreate) -> BlogPost:
    tenant_id = access.tenant_for_new(body.tenant)
    if tenant_id is not None:
        ensure_exist(session, Tenant, [tenant_id], "tenant")
    post = BlogPost(tenant_id=tenant_id)
    _apply(post, body.model_dump(mode="json", exclude={"tenant", "published_at"}) | {"published_at": body.published_at})
    session.add(post)
    flush_unique(session, SLUG_TAKEN)
    return post


def update(session: Session, access: Access, post: BlogPost, body: PostUpdate) -> BlogPost:
    data = body.model_dump(mode="json", exclude_unset=True, exclude={"published_at"})
    if "published_at" in body.model_fields_set:
        data["published_at"] = body.published_at
    _apply(post, data)
    flush_unique(session, SLUG_TAKEN)
    return post


def delete(session: Session, access: Access, post: BlogPost) -> None:
    session.delete(post)
    session.flush()
