"""The generic reads and writes of every collection: list with where/sort/paging (Payload's answer),
count, get by id, select/populate, depth expansion (one batched query per relation and level, never one
per document), and loading a document for a write through the collection's writable filter."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from api.content.access import Access
from api.content.collections import COLLECTIONS
from api.content.locales import View, store_translation
from api.content.query import MAX_UNPAGED, DocQuery, ListQuery, Related, RelatedLookup, Selection
from api.content.spec import Collection, Doc
from api.errors import BadRequest, NotFound
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record

UPDATED = "Updated successfully."
DELETED = "Deleted successfully."


def created_message(collection: Collection) -> str:
    return f"{collection.singular} successfully created."


def written(doc: Doc, message: str) -> Doc:
    """Payload's REST answer to a create, update or delete: `{"doc": ..., "message": ...}`."""
    return {"doc": doc, "message": message}


def related(access: Access, collection: Collection) -> RelatedLookup:
    """The dotted filters a collection allows: through each relation held in one top-level field
    (`tenant`, `parent`), into the related collection's queryable fields, seen as this reader sees them."""

    def lookup(name: str) -> Related | None:
        relation = next((r for r in collection.relations if r.path == name), None)
        if relation is None:
            return None
        target = COLLECTIONS[relation.target]
        return Related(target.fields, target.model.id, target.readable(access))

    return lookup


def find(
    session: Session, access: Access, collection: Collection, query: ListQuery, view: View | None = None
) -> Doc:
    """Payload's find answer. `limit=0` or `pagination=false`: every match on one page (no count query),
    at most MAX_UNPAGED of them; more is a 400 asking to page."""
    view = view or View()
    model = collection.model
    readable = collection.readable(access)
    columns: list[Any] = [model, collection.writable(access).label("editable")]
    if query.paginate:
        columns.append(func.count().over().label("total"))
    statement = select(*columns).where(readable, query.where).order_by(*query.order_by)
    if query.limit:
        statement = statement.limit(query.limit).offset((query.page - 1) * query.limit)
    else:
        statement = statement.limit(MAX_UNPAGED + 1)
    rows = session.execute(statement).all()
    if not query.limit and len(rows) > MAX_UNPAGED:
        raise BadRequest(f"More than {MAX_UNPAGED} documents match: page through them with limit and page.")
    view.prepare(session, (row[0] for row in rows))
    docs = [view.doc(collection, row[0], bool(row.editable)) for row in rows]
    expand(session, access, collection, docs, query.depth, view, query.populate)
    if query.select is not None:
        docs = [query.select.apply(doc) for doc in docs]
    if rows and query.paginate:
        total = int(rows[0].total)
    elif query.paginate and query.page > 1:
        total = session.scalar(select(func.count()).select_from(model).where(readable, query.where)) or 0
    else:
        total = len(docs)
    if not query.paginate or total == 0:
        # As Payload's SQL adapters answer an unpaginated or empty find: one page, counted from 1.
        return _page(docs, total, query.limit, 1, query.page, 1, False, False)
    total_pages = math.ceil(total / query.limit)
    counter = (query.page - 1) * query.limit + 1
    return _page(docs, total, query.limit, total_pages, query.page, counter, query.page > 1,
                 query.page < total_pages)


def _page(docs: list[Doc], total: int, limit: int, total_pages: int, page: int, counter: int,
          has_prev: bool, has_next: bool) -> Doc:
    return {
        "docs": docs,
        "totalDocs": total,
        "limit": limit,
        "totalPages": total_pages,
        "page": page,
        "pagingCounter": counter,
        "hasPrevPage": has_prev,
        "hasNextPage": has_next,
        "prevPage": page - 1 if has_prev else None,
        "nextPage": page + 1 if has_next else None,
    }


def count(session: Session, access: Access, collection: Collection, where: ColumnElement[bool]) -> Doc:
    """Payload's count answer: `{"totalDocs": n}`."""
    statement = select(func.count()).select_from(collection.model).where(collection.readable(access), where)
    return {"totalDocs": session.scalar(statement) or 0}


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
    session: Session, access: Access, collection: Collection, doc_id: str, query: DocQuery, view: View | None = None
) -> Doc:
    view = view or View()
    row, editable = readable_row(session, access, collection, doc_id)
    view.prepare(session, [row])
    if collection.localized:
        view.require_enabled(row)
    doc = view.doc(collection, row, editable)
    expand(session, access, collection, [doc], query.depth, view, query.populate)
    return query.select.apply(doc) if query.select is not None else doc


def expand(
    session: Session,
    access: Access,
    collection: Collection,
    docs: list[Doc],
    depth: int,
    view: View | None = None,
    populate: dict[str, Selection] | None = None,
) -> None:
    """Replace related ids by the related documents the actor may read, `depth` levels deep (in the locale of
    the request, as Payload localises populated documents); `populate` narrows the expanded documents of a
    collection to some fields."""
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
        expand(session, access, target, list(expanded.values()), depth - 1, view, populate)
        chosen = (populate or {}).get(target.slug)
        if chosen is not None:
            expanded = {key: chosen.apply(doc) for key, doc in expanded.items()}
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
