"""Blog posts, per tenant or platform-wide. `status` published makes a post public; `publishedAt` is set
on first publish unless given. `status` published with a future `publishAt` stores the post as `scheduled`:
the scheduler's tick (`publish_due`) makes it public at that time. Going public writes `post.published`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content.access import Access
from api.content.blogs.models import BlogPost
from api.content.common import Input, Name, PatchInput, RefId, Slug, ensure_exist, flush_unique, iso
from api.content.richtext import RichText
from api.content.tenants.models import Tenant
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record

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
    publish_at: AwareDatetime | None = None


class PostUpdate(PatchInput):
    required_fields = frozenset({"title", "slug", "content", "tags", "status"})

    title: Name | None = None
    slug: Slug | None = None
    content: RichText | None = None
    author: Author | None = None
    tags: Tags | None = None
    status: Literal["draft", "published"] | None = None
    published_at: AwareDatetime | None = None
    publish_at: AwareDatetime | None = None


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
        "publishAt": iso(post.publish_at),
        "createdAt": iso(post.created_at),
        "updatedAt": iso(post.updated_at),
    }


def _apply(post: BlogPost, data: dict[str, Any]) -> bool:
    """Set the fields; True when the post goes public with this change."""
    was_public = post.status == "published"
    for name in ("title", "slug", "content", "author", "tags", "published_at", "publish_at"):
        if name in data:
            setattr(post, name, data[name])
    wanted = data.get("status", "published" if post.status == "scheduled" else post.status)
    if wanted == "draft":
        post.status, post.publish_at = "draft", None
    elif was_public:
        post.publish_at = None  # a public post stays public; scheduling applies to posts not yet out
    elif post.publish_at is not None and post.publish_at > utcnow():
        post.status = "scheduled"
    else:
        _go_public(post)
    return not was_public and post.status == "published"


def _go_public(post: BlogPost) -> None:
    post.status = "published"
    post.published_at = post.published_at or post.publish_at or utcnow()
    post.publish_at = None


def _published(session: Session, post: BlogPost) -> None:
    record(session, ContentOutboxEvent, "post.published", "post", post.id, to_doc(post))


def _dates(body: PostCreate | PostUpdate) -> dict[str, Any]:
    return {name: getattr(body, name) for name in ("published_at", "publish_at") if name in body.model_fields_set}


def create(session: Session, access: Access, body: PostCreate) -> BlogPost:
    tenant_id = access.tenant_for_new(body.tenant)
    if tenant_id is not None:
        ensure_exist(session, Tenant, [tenant_id], "tenant")
    post = BlogPost(tenant_id=tenant_id, status="draft")
    data = body.model_dump(mode="json", exclude={"tenant", "published_at", "publish_at"}) | _dates(body)
    went_public = _apply(post, data)
    session.add(post)
    flush_unique(session, SLUG_TAKEN)
    if went_public:
        _published(session, post)
    return post


def update(session: Session, access: Access, post: BlogPost, body: PostUpdate) -> BlogPost:
    data = body.model_dump(mode="json", exclude_unset=True, exclude={"published_at", "publish_at"}) | _dates(body)
    went_public = _apply(post, data)
    flush_unique(session, SLUG_TAKEN)
    if went_public:
        _published(session, post)
    return post


def publish_due(session: Session, now: datetime) -> list[BlogPost]:
    """Make public every scheduled post whose time has come (rows another worker holds are skipped)."""
    due = list(
        session.scalars(
            select(BlogPost)
            .where(BlogPost.status == "scheduled", BlogPost.publish_at <= now)
            .order_by(BlogPost.publish_at, BlogPost.id)
            .with_for_update(skip_locked=True)
        )
    )
    for post in due:
        _go_public(post)
        session.flush()
        _published(session, post)
    return due


def delete(session: Session, access: Access, post: BlogPost) -> None:
    session.delete(post)
    session.flush()
