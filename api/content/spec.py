"""How a collection is declared: its table, queryable fields, relations, access rules, document shape
and write operations, all in one place (each noun's `collection.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from api.content.access import Access
from api.content.query import Doc, Field


@dataclass(frozen=True)
class Relation:
    """A reference inside a document, expanded by `depth`. `path` walks the document: `tenant`,
    `branding.logo`, `blocks[].image`, `images[]`, `items[].children[].page`."""

    path: str
    target: str

    def _rewrite(self, node: Any, segments: list[str], fn: Callable[[str], Any]) -> Any:
        """`node` with `fn` applied to every id the path reaches. Containers along the path are copied,
        never changed in place: they may be the stored JSON of a loaded row."""
        segment, rest = segments[0], segments[1:]
        key = segment.removesuffix("[]")
        if not isinstance(node, dict) or key not in node:
            return node
        value = node[key]
        if segment.endswith("[]"):
            if not isinstance(value, list):
                return node
            if rest:
                replaced: Any = [self._rewrite(item, rest, fn) for item in value]
            else:
                replaced = [fn(item) if isinstance(item, str) else item for item in value]
        elif rest:
            replaced = self._rewrite(value, rest, fn)
        elif isinstance(value, str):
            replaced = fn(value)
        else:
            return node
        return {**node, key: replaced}

    def ids(self, docs: list[Doc]) -> set[str]:
        found: set[str] = set()

        def collect(value: str) -> str:
            found.add(value)
            return value

        for doc in docs:
            self._rewrite(doc, self.path.split("."), collect)
        return found

    def replace(self, docs: list[Doc], expanded: dict[str, Doc]) -> None:
        """Put each readable related document in place of its id; unreadable ids stay as they are."""
        segments = self.path.split(".")
        key = segments[0].removesuffix("[]")
        for doc in docs:
            if key in doc:
                doc[key] = self._rewrite(doc, segments, lambda value: expanded.get(value, value))[key]


@dataclass(frozen=True)
class Collection:
    slug: str
    model: Any
    description: str
    fields: dict[str, Field]
    default_sort: str
    # Row filters built from the actor: what it may see, and what it may change.
    readable: Callable[[Access], ColumnElement[bool]]
    writable: Callable[[Access], ColumnElement[bool]]
    # The JSON document of a row; `editable` adds what only editors see (drafts).
    to_doc: Callable[[Any, bool], Doc]
    relations: tuple[Relation, ...] = ()
    shortcuts: dict[str, str] = field(default_factory=dict)
    create_schema: type[BaseModel] | None = None
    create: Callable[[Session, Access, Any], Any] | None = None
    update_schema: type[BaseModel] | None = None
    update: Callable[[Session, Access, Any, Any], Any] | None = None
    delete: Callable[[Session, Access, Any], None] | None = None
    # Localisation (`api.content.locales`): the document keys whose values differ per locale, and how a
    # locale's values are written when the row's own `translations` is not the place (pages: the draft).
    localized: tuple[str, ...] = ()
    translate: Callable[[Session, Any, str, dict[str, Any]], None] | None = None
    # Drafts: the newest (unpublished) content of a row, which `draft=true` shows its editors.
    draft_of: Callable[[Any], dict[str, Any]] | None = None
    # Publishing the draft (`POST /api/{collection}/{id}/publish`): now, or scheduled for a future time.
    publish: Callable[[Session, Access, Any, datetime | None], Any] | None = None
    label: str = ""  # singular, for Payload's write messages; default: the slug without its "s"

    @property
    def singular(self) -> str:
        return self.label or self.slug.removesuffix("s").capitalize()
