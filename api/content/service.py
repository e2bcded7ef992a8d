"""The generic reads and writes of every collection: list with where/sort/paging, get by id, depth
expansion (one batched query per relation and level, never one per document), and loading a document
for a write through the collection's writable filter."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.content.access import Access
from api.content.collections import COLLECTIONS
from api.content.locales import View, store_translation
from api.content.query import ListQuery
from api.content.spec import Collection, Doc
from api.errors import NotFound
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record


def find(session: Session, access: Access, collection: Collection, query: ListQuery, view: View | None = None) -> Doc:
    view = view or View()
    model = collection.model
    readable = collection.readable(access)
    statement = (
        select(model, collection.writable(access).label("editable"), func.count().over().label("total"))
        .where(readable, query.where)
        .order_by(*query.order_by)
        .limit(query.limit)
        .offset((query.page - 1) * query.limit)
    )
    rows = session.execute(statement).all()
    if rows:
        total = int(rows[0].total)
    elif query.page > 1:
        total = session.scalar(select(func.count()).select_from(model).where(readable, query.where)) or 0
    else:
        total = 0
    view.prepare(session, (row[0] for row in rows))
    docs = [view.doc(collection, row[0], bool(row.editable)) for row in rows]
    expand(session, access, collection, docs, query.depth, view)
    total_pages = max(1, math.ceil(total / query.limit))
    return {
        "docs": docs,
        "totalDocs": total,
        "limit": query.limit,
        "page": query.page,
        "totalPages": total_pages,
        "hasNextPage": query.page < total_pages,
        "hasPrevPage": query.page > 1,
        "nextPage": query.page + 1 if query.page < total_pages else None,
        "prevPage": query.page - 1 if query.page > 1 else None,
    }


def readable_row(session: Session, access: Access, collection: Collection, doc_id: str) -> tuple[Any, bool]:
    """The row if this actor may read it (else 404), and whether it may also change it."""
    row = session.execute(
        select(collection.model, collection.writable(access).label("editable")).where(
            collection.model.id == doc_id, collection.readable(access)
        )
    ).first()
    if row is None:
        raise NotFound(f"No such document in '{collection.slug}'.")
    return row[0], bool(row.editable)


def get(
    session: Session, access: Access, collection: Collection, doc_id: str, depth: int, view: View | None = None
) -> Doc:
    view = view or View()
    row, editable = readable_row(session, access, collection, doc_id)
    view.prepare(session, [row])
    if collection.localized:
        view.require_enabled(row)
    doc = view.doc(collection, row, editable)
    expand(session, access, collection, [doc], depth, view)
    return doc


def expand(
    session: Session, access: Access, collection: Collection, docs: list[Doc], depth: int, view: View | None = None
) -> None:
    """Replace related ids by the related documents the actor may read, `depth` levels deep (in the locale of
    the request, as Payload localises populated documents)."""
    view = view or View()
    if depth <= 0 or not docs:
        return
    for relation in collection.relations:
        ids = {i for i in relation.ids(docs) if len(i) <= 40}
        if not ids:
            continue
        target = COLLECTIONS[relation.target]
        rows = session.execute(
            select(target.model, target.writable(access).label("editable")).where(
                target.model.id.in_(ids), target.readable(access)
            )
        ).all()
        view.prepare(session, (row[0] for row in rows))
        expanded = {row[0].id: view.doc(target, row[0], bool(row.editable)) for row in rows}
        expand(session, access, target, list(expanded.values()), depth - 1, view)
        relation.replace(docs, expanded)


def load_writable(session: Session, access: Access, collection: Collection, doc_id: str) -> Any:
    """The row to change, locked; another tenant's document is not found (404), like a missing one."""
    row = session.scalars(
        select(collection.model)
        .where(collection.model.id == doc_id, collection.writable(access))
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"No such document in '{collection.slug}'.")
    return row


def delete(session: Session, access: Access, collection: Collection, row: Any) -> None:
    """Delete through the collection's own rule, and write `<collection>.deleted` to the content outbox so
    subscribers and readers' caches learn of it like of any other change."""
    assert collection.delete is not None
    doc_id: str = row.id
    tenant_id: str | None = getattr(row, "tenant_id", None)
    collection.delete(session, access, row)
    record(
        session, ContentOutboxEvent, f"{collection.slug}.deleted", collection.slug, doc_id,
        {"id": doc_id, "tenant": tenant_id},
    )


def translate(session: Session, collection: Collection, row: Any, locale: str, changes: BaseModel) -> None:
    """Write the localised fields of a validated body as `locale`'s values (not the default locale's)."""
    values = changes.model_dump(by_alias=True, mode="json", exclude_unset=True)
    localized = {key: values[key] for key in collection.localized if key in values}
    if localized:
        (collection.translate or store_translation)(session, row, locale, localized)
