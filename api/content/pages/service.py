"""Pages with drafts, versions and scheduled publishing.

The page row's columns hold the live content: what the public reads and what `where` filters see.
Edits (PATCH) only change `draft`. Publishing copies the draft into the live columns, sets `status`
published and `publishedAt`, keeps the published content as a numbered version, and writes
`page.published`. Restoring a version puts its content back into the draft (it does not publish:
an editor reviews, then publishes), so nothing reaches the public without an explicit publish.
Publishing with a future `publishAt` only schedules: the scheduler's tick (`publish_due`) publishes the draft
at that time, through the same `publish`, so `page.published` (and the sync and webhooks) fire then.
Other locales' values (`PATCH ?locale=de`) go to the draft's `locales` and become the live `translations` on
publish, so a translation, too, reaches the public only when published; `draft=true` shows editors the draft.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content import drafts
from api.content.access import SYSTEM, Access
from api.content.common import ensure_exist, flush_unique, iso
from api.content.locales import drop_nones
from api.content.media.models import Media
from api.content.pages.models import Page, PageVersion, PublishStatus
from api.content.pages.schemas import PageCreate, PageUpdate
from api.content.tenants.models import Tenant
from api.errors import NotFound
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record

DRAFTED = drafts.Drafted(
    {"title": "title", "slug": "slug", "blocks": "blocks", "seoTitle": "seo_title", "seoDescription": "seo_description"}
)
CONTENT_KEYS = tuple(DRAFTED.columns)
SLUG_TAKEN = "Another page of this tenant already uses this slug."


def to_doc(page: Page, editable: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": page.id,
        "tenant": page.tenant_id,
        "title": page.title,
        "slug": page.slug,
        "blocks": page.blocks,
        "seoTitle": page.seo_title,
        "seoDescription": page.seo_description,
        "status": page.status,
        "publishedAt": iso(page.published_at),
        "publishAt": iso(page.publish_at),
        "createdAt": iso(page.created_at),
        "updatedAt": iso(page.updated_at),
    }
    if editable:
        doc |= DRAFTED.editor_fields(page, page.status == PublishStatus.published)
    return doc


def _content(body: PageCreate | PageUpdate, *, partial: bool) -> dict[str, Any]:
    data = body.model_dump(by_alias=True, exclude_unset=partial, mode="json", exclude={"tenant"})
    if data.get("blocks"):
        data["blocks"] = drop_nones(data["blocks"])
    return {key: data[key] for key in CONTENT_KEYS if key in data}


def _check_references(session: Session, tenant_id: str | None, content: dict[str, Any]) -> None:
    media_ids = [block["image"] for block in content.get("blocks") or [] if block.get("image")]
    ensure_exist(session, Media, media_ids, "media", tenant_id=tenant_id, tenant_scoped=True)


def _check_slug_free(session: Session, page: Page, slug: str) -> None:
    drafts.check_slug_free(session, Page, page, slug, SLUG_TAKEN)


def create(session: Session, access: Access, body: PageCreate) -> Page:
    tenant_id = access.tenant_for_new(body.tenant)
    if tenant_id is not None:
        ensure_exist(session, Tenant, [tenant_id], "tenant")
    content = _content(body, partial=False)
    _check_references(session, tenant_id, content)
    page = Page(
        tenant_id=tenant_id,
        title=content["title"],
        slug=content["slug"],
        blocks=content["blocks"],
        seo_title=content.get("seoTitle"),
        seo_description=content.get("seoDescription"),
        status=PublishStatus.draft.value,
        draft=content,
    )
    session.add(page)
    flush_unique(session, SLUG_TAKEN)
    return page


def update(session: Session, access: Access, page: Page, body: PageUpdate) -> Page:
    changes = _content(body, partial=True)
    _check_references(session, page.tenant_id, changes)
    if "slug" in changes:
        _check_slug_free(session, page, changes["slug"])
    DRAFTED.edit(page, changes)
    session.flush()
    return page


def translate(session: Session, page: Page, locale: str, values: dict[str, Any]) -> None:
    """Another locale's values go to the draft too (`draft.locales`), and live with the next publish."""
    _check_references(session, page.tenant_id, values)
    DRAFTED.translate(page, locale, values)
    session.flush()


def publish(session: Session, access: Access, page: Page, publish_at: datetime | None = None) -> Page:
    """Make the draft live now, or (with a future `publish_at`) schedule it for then."""
    draft = page.draft
    _check_slug_free(session, page, draft["slug"])
    now = utcnow()
    if publish_at is not None and publish_at > now:
        page.publish_at = publish_at
        session.flush()
        return page
    page.publish_at = None
    DRAFTED.make_live(page)
    page.status = PublishStatus.published.value
    page.published_at = now
    last = session.scalar(select(func.max(PageVersion.version)).where(PageVersion.page_id == page.id)) or 0
    session.add(
        PageVersion(page_id=page.id, version=last + 1, snapshot=dict(draft), published_at=now,
                    published_by=access.actor.id)
    )
    flush_unique(session, SLUG_TAKEN)
    record(session, ContentOutboxEvent, "page.published", "page", page.id, to_doc(page))
    return page


def publish_due(session: Session, now: datetime) -> list[Page]:
    """Publish every page whose scheduled time has come (rows another worker is publishing are skipped)."""
    due = drafts.due(session, Page, now)
    for page in due:
        publish(session, SYSTEM, page)
    return due


def version_doc(version: PageVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "page": version.page_id,
        "version": version.version,
        "publishedAt": iso(version.published_at),
        "publishedBy": version.published_by,
        "content": version.snapshot,
    }


def versions(session: Session, page: Page) -> list[PageVersion]:
    return list(
        session.scalars(select(PageVersion).where(PageVersion.page_id == page.id).order_by(PageVersion.version.desc()))
    )


def restore(session: Session, access: Access, page: Page, version_id: str) -> Page:
    version = session.scalar(
        select(PageVersion).where(PageVersion.id == version_id, PageVersion.page_id == page.id)
    )
    if version is None:
        raise NotFound("No such version of this page.")
    snapshot = dict(version.snapshot)
    _check_references(session, page.tenant_id, snapshot)
    _check_slug_free(session, page, snapshot["slug"])
    page.draft = snapshot
    session.flush()
    return page


def delete(session: Session, access: Access, page: Page) -> None:
    session.delete(page)
    session.flush()
