"""Scheduled publishing: one tick publishes every page and blog post whose `publishAt` has come, through the
same service functions as an editor's publish, so `page.published` / `post.published` are written (and the
sync and webhooks fire) at that time. The webhook dispatcher runs the tick every few seconds
(`marketplace dispatch`); any number of dispatchers may run it at once (due rows are locked, skip-locked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.clock import utcnow
from api.content.blogs import service as blogs
from api.content.pages import service as pages
from api.db import Database, Domain

TICK_SECONDS = 5.0


@dataclass(frozen=True)
class Published:
    pages: list[str]
    posts: list[str]


def publish_due(database: Database, now: datetime | None = None) -> Published:
    moment = now or utcnow()
    with database.transaction(Domain.content) as session:
        page_ids = [p.id for p in pages.publish_due(session, moment)]
        post_ids = [p.id for p in blogs.publish_due(session, moment)]
    return Published(pages=page_ids, posts=post_ids)
