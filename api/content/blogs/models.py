from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import Timestamps, Translated
from api.db import ContentBase
from api.ids import new_id


class BlogPost(Timestamps, Translated, ContentBase):
    """A blog post. The columns hold the live content that reads and `where` filters see; once the post is
    public, editors' changes collect in `draft` until published (before that, the columns follow the draft)."""

    __tablename__ = "blog_posts"
    __table_args__ = (
        Index("uq_blog_posts_tenant_slug", "tenant_id", "slug", unique=True,
              postgresql_where=text("tenant_id IS NOT NULL")),
        Index("uq_blog_posts_platform_slug", "slug", unique=True, postgresql_where=text("tenant_id IS NULL")),
        Index("ix_blog_posts_status_published_at", "status", "published_at"),
        Index("ix_blog_posts_tags", "tags", postgresql_using="gin"),
        Index("ix_blog_posts_publish_at", "publish_at", postgresql_where=text("publish_at IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("post"))
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    author: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list, server_default=text("'{}'"))
    # draft | scheduled (goes live at `publish_at`) | published
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When set, the draft is published at this time by the scheduler's tick (`api.content.scheduling`).
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB)
