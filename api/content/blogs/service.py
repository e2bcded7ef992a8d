"""Blog posts, per tenant or platform-wide, with drafts as pages have them (`api.content.drafts`).

Publishing (`status` published in a write, or `POST /api/blogs/{id}/publish`) makes the draft the live post:
its columns, what the public, `where` filters, the storefront and `post.published` (the sync, webhooks) see.
Once a post is public, edits (and `PATCH ?locale=de`) change only its draft until the next publish; `draft=true`
shows editors the draft. Until a post is first made public (`status` draft or scheduled) nobody but its editors
reads it, so its columns follow the draft on every write, as before posts had drafts. `status` draft takes a
public post offline. Publishing with a future `publishAt` schedules: a post not yet public is `scheduled`, a
public one stays published with its draft waiting; the scheduler's tick (`publish_due`) publishes it then.
`publishedAt` is set on the first publish unless given; later publishes keep it. Every publish writes
`post.published`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content import drafts
from api.content.access import SYSTEM, Access
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
PUBLISHED = "published"
DRAFTED = drafts.Drafted({"title": "title", "slug": "slug", "content": "content", "author": "author", "tags": "tags"})


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
    doc: dict[str, Any] = {
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
    if editable:
        doc |= DRAFTED.editor_fields(post, post.status == PUBLISHED)
    return doc


def _content(body: PostCreate | PostUpdate, *, partial: bool) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude_unset=partial)
    return {key: data[key] for key in DRAFTED.columns if key in data}


def _follow_draft(post: BlogPost) -> None:
    """A post nobody but its editors reads yet: its columns are its draft."""
    if post.status != PUBLISHED:
        DRAFTED.make_live(post)


def create(session: Session, access: Access, body: PostCreate) -> BlogPost:
    tenant_id = access.tenant_for_new(body.tenant)
    if tenant_id is not None:
        ensure_exist(session, Tenant, [tenant_id], "tenant")
    post = BlogPost(tenant_id=tenant_id, status="draft", draft=_content(body, partial=False), translations={})
    _follow_draft(post)
    if "published_at" in body.model_fields_set:
        post.published_at = body.published_at
    session.add(post)
    flush_unique(session, SLUG_TAKEN)
    if body.status == PUBLISHED:
        publish(session, access, post, body.publish_at)
    return post


def update(session: Session, access: Access, post: BlogPost, body: PostUpdate) -> BlogPost:
    changes = _content(body, partial=True)
    if "slug" in changes:
        drafts.check_slug_free(session, BlogPost, post, changes["slug"], SLUG_TAKEN)
    DRAFTED.edit(post, changes)
    if body.status == "draft":
        post.status, post.publish_at = "draft", None  # offline: nobody but its editors reads it now
    _follow_draft(post)
    if "published_at" in body.model_fields_set:
        post.published_at = body.published_at
    flush_unique(session, SLUG_TAKEN)
    if body.status == PUBLISHED or (body.status is None and post.status == "scheduled"):
        publish_at = body.publish_at if "publish_at" in body.model_fields_set else post.publish_at
        publish(session, access, post, publish_at)
    return post


def translate(session: Session, post: BlogPost, locale: str, values: dict[str, Any]) -> None:
    """Another locale's values go to the draft (`draft.locales`): live with the next publish."""
    DRAFTED.translate(post, locale, values)
    _follow_draft(post)
    session.flush()


def publish(session: Session, access: Access, post: BlogPost, publish_at: datetime | None = None) -> BlogPost:
    """Make the draft live now, or (with a future `publish_at`) schedule it for then."""
    if publish_at is not None and publish_at > utcnow():
        post.publish_at = publish_at
        if post.status != PUBLISHED:
            post.status = "scheduled"
        session.flush()
        return post
    DRAFTED.make_live(post)
    post.status = PUBLISHED
    post.published_at = post.published_at or publish_at or post.publish_at or utcnow()
    post.publish_at = None
    flush_unique(session, SLUG_TAKEN)
    record(session, ContentOutboxEvent, "post.published", "post", post.id, to_doc(post))
    return post


def publish_due(session: Session, now: datetime) -> list[BlogPost]:
    """Publish every post whose scheduled time has come (rows another worker holds are skipped)."""
    due = drafts.due(session, BlogPost, now)
    for post in due:
        publish(session, SYSTEM, post)
    return due


def delete(session: Session, access: Access, post: BlogPost) -> None:
    session.delete(post)
    session.flush()
