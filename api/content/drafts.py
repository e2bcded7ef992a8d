"""Drafts, as Payload's `versions.drafts`, for every collection that keeps them (pages, blog posts).

A drafted row's columns hold its live content: what the public reads and what `where` filters see. Its `draft`
(JSONB) holds the newest content, keyed as the document is (`{"title": ..., "slug": ..., "locales": {"de":
{...}}}`): edits change only the draft, and other locales' values go to the draft's `locales`. Publishing copies
the draft into the live columns (and `locales` into the live `translations`), so nothing, a translation
included, reaches the public without a publish; `draft=true` shows the draft to the row's editors
(`Collection.draft_of`). A publish with a future `publishAt` only schedules: the scheduler's tick publishes
the rows `due` at that time through the collection's own publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.common import Input
from api.content.locales import merged
from api.errors import Conflict


class PublishIn(Input):
    """`POST /api/{collection}/{id}/publish`: publish now, or at `publishAt` when that is in the future."""

    publish_at: AwareDatetime | None = None


@dataclass(frozen=True)
class Drafted:
    """The content a collection's draft holds: each draft key with the model attribute of its live value."""

    columns: dict[str, str]

    def live(self, row: Any) -> dict[str, Any]:
        """The live content in the draft's shape (what the draft equals when nothing is unpublished)."""
        live = {key: _plain(getattr(row, attribute)) for key, attribute in self.columns.items()}
        return {**live, "locales": row.translations} if row.translations else live

    def has_unpublished_changes(self, row: Any, published: bool) -> bool:
        return not published or row.draft != self.live(row)

    def editor_fields(self, row: Any, published: bool) -> dict[str, Any]:
        """What only editors see of a document: its draft, and whether it differs from the live content."""
        return {"draft": row.draft, "hasUnpublishedChanges": self.has_unpublished_changes(row, published)}

    def edit(self, row: Any, changes: dict[str, Any]) -> None:
        """Content changes go to the draft."""
        row.draft = {**row.draft, **{key: value for key, value in changes.items() if key in self.columns}}

    def translate(self, row: Any, locale: str, values: dict[str, Any]) -> None:
        """Another locale's values go to the draft too (`draft.locales`), and live with the next publish."""
        locales = merged(row.draft.get("locales") or {}, locale, values)
        draft = {key: value for key, value in row.draft.items() if key != "locales"}
        row.draft = {**draft, "locales": locales} if locales else draft

    def make_live(self, row: Any) -> None:
        """Copy the draft into the live columns and its locales into the live translations."""
        draft = row.draft
        for key, attribute in self.columns.items():
            setattr(row, attribute, draft.get(key))
        row.translations = dict(draft.get("locales") or {})


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def due(session: Session, model: Any, now: datetime) -> list[Any]:
    """The rows whose scheduled publish time has come, locked (rows another worker is publishing are skipped)."""
    return list(
        session.scalars(
            select(model).where(model.publish_at <= now).order_by(model.publish_at, model.id).with_for_update(
                skip_locked=True
            )
        )
    )


def check_slug_free(session: Session, model: Any, row: Any, slug: str, message: str) -> None:
    """A draft's slug is not in the unique index until published: check it against the tenant's other rows."""
    scope = model.tenant_id.is_(None) if row.tenant_id is None else model.tenant_id == row.tenant_id
    taken = session.scalar(select(model.id).where(scope, model.slug == slug, model.id != row.id).limit(1))
    if taken is not None:
        raise Conflict(message)
