from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import Timestamps, Translated
from api.db import ContentBase
from api.ids import new_id


class PublishStatus(StrEnum):
    draft = "draft"
    published = "published"


class Page(Timestamps, Translated, ContentBase):
    """A page built from blocks. The columns hold the live (last published, or never yet published)
    content that reads and `where` filters see; editors' changes collect in `draft` until published."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("uq_pages_tenant_slug", "tenant_id", "slug", unique=True, postgresql_where=text("tenant_id IS NOT NULL")),
        Index("uq_pages_platform_slug", "slug", unique=True, postgresql_where=text("tenant_id IS NULL")),
        Index("ix_pages_status_published_at", "status", "published_at"),
        Index("ix_pages_publish_at", "publish_at", postgresql_where=text("publish_at IS NOT NULL")),
        # `where[slug][equals]` across tenants (the public pages read; docs/PERFORMANCE.md).
        Index("ix_pages_slug", "slug"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("page"))
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    seo_title: Mapped[str | None] = mapped_column(String(300))
    seo_description: Mapped[str | None] = mapped_column(String(5000))
    status: Mapped[str] = mapped_column(String(20), default=PublishStatus.draft.value)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When set, the draft is published at this time by the scheduler's tick (`api.content.scheduling`).
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB)


class PageVersion(ContentBase):
    """The content of one publish, kept so that it can be listed and restored."""

    __tablename__ = "page_versions"
    __table_args__ = (UniqueConstraint("page_id", "version"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("pver"))
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(40))
