"""The collection API, `/api/{collection}`, generated from the registry: the same five routes for every
collection that declares the operation. Routes only parse and answer; the collection's service owns the
rules; the request's content transaction commits after the route returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from api.audit import service as audit
from api.auth.actor import Actor, ActorKind
from api.auth.scopes import Scope
from api.cache import ReadCache, read_cache
from api.content import service
from api.content.access import Access, ContentAccess
from api.content.collections import COLLECTIONS
from api.content.common import parse
from api.content.drafts import PublishIn
from api.content.locales import (
    READ_PARAMETERS,
    WRITE_PARAMETERS,
    LocaleQuery,
    View,
    check_locale,
    query_fields,
    split_params,
)
from api.content.query import (
    DEFAULT_LIMIT,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_UNPAGED,
    OP_HELP,
    Op,
    parse_count,
    parse_doc,
    parse_list,
)
from api.content.spec import Collection, Doc
from api.db import Domain
from api.deps import CommerceSession, ContentSession, require
from api.routing import Router

router = Router(prefix="/api", tags=["content"])
Editor = Annotated[Actor, Depends(require(Scope.content_write))]
Cache = Annotated[ReadCache, Depends(read_cache)]
JsonBody = Annotated[dict[str, Any], Body(description="The document, camelCase keys.")]

LIST_HELP = (
    "Payload's query language: `where[field][operator]=value`, `where[or][0][field][operator]=...` / "
    "`where[and][0]...` groups (nested up to 4 deep), `where[relation.field][operator]=...` through a "
    f"relation field (one level), at most {MAX_CONDITIONS} conditions. Operators:\n\n"
    + "\n".join(f"- `{op.value}`: {text}" for op, text in OP_HELP.items())
    + f"\n\n`sort=-field,field`; `limit` 1..{MAX_LIMIT} (default {DEFAULT_LIMIT}), `limit=0` or "
    f"`pagination=false` for every match on one page (at most {MAX_UNPAGED}, else a 400); `page` from 1; "
    f"`depth` 0..{MAX_DEPTH} (default 0) expands related documents; `select[field]=true` (only these "
    "fields) or `select[field]=false` (all but these); `populate[collection][field]=true` narrows expanded "
    "documents of that collection. Unknown fields, operators or parameters are a 400 problem listing the "
    "allowed ones. Answers `docs, totalDocs, limit, totalPages, page, pagingCounter, hasPrevPage, "
    "hasNextPage, prevPage, nextPage`."
)
LOCALE_HELP = (
    "Localisation (as Payload's): `locale=de` answers localised fields in that locale, a missing value "
    "falling back to `fallback-locale` (if given) and then to the tenant's default locale; "
    "`fallback-locale=none` answers null instead; `locale=all` answers `{locale: value}` objects; filters and "
    "sorts on localised fields use the requested locale; an unknown locale is a 400. Writes take `?locale=de` "
    "to write that locale's values. `draft=true`: editors read the newest (draft) content of pages and posts; for "
    "everyone else it is ignored (published content only)."
)


def _write_locale(request: Request) -> str | None:
    raw = request.query_params.get("locale")
    return check_locale(raw) if raw is not None else None


def _write_view(session: ContentSession, collection: Collection, row: Any, locale: str | None) -> View:
    """The view of a written document: in the locale written (which the document's tenant must enable)."""
    view = View(LocaleQuery(locale=locale))
    if locale is not None and collection.localized:
        view.prepare(session, [row])
        view.require_enabled(row)
    return view


def _parameter(name: str, description: str, schema: dict[str, Any], style: str | None = None) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                                 "schema": schema}
    if style:
        parameter |= {"style": style, "explode": True}
    return parameter


_OBJECT = {"type": "object", "additionalProperties": True}
SELECT_PARAMETERS = [
    _parameter("depth", f"Expand related documents this many levels (0..{MAX_DEPTH}).",
               {"type": "integer", "minimum": 0, "maximum": MAX_DEPTH, "default": 0}),
    _parameter("select", "`select[field]=true`: only these fields (and `id`); `select[field]=false`: all but "
               "these. Nested: `select[group][field]=true`.", _OBJECT, "deepObject"),
    _parameter("populate", "`populate[collection][field]=true`: the fields kept of expanded documents of that "
               "collection.", _OBJECT, "deepObject"),
]
WHERE_PARAMETER = _parameter(
    "where",
    "Filters, `where[field][operator]=value`; operators: "
    + ", ".join(f"`{op.value}`" for op in Op) + ". `and`/`or` groups: `where[or][0][field][operator]=value`.",
    _OBJECT,
    "deepObject",
)
LIST_PARAMETERS = [
    WHERE_PARAMETER,
    _parameter("sort", "Comma-separated fields, `-` for descending.", {"type": "string"}),
    _parameter("limit", f"Page size, 0..{MAX_LIMIT}; 0 = no limit (at most {MAX_UNPAGED}).",
               {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    _parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _parameter("pagination", f"`false`: every match on one page (at most {MAX_UNPAGED}), no count.",
               {"type": "boolean", "default": True}),
    *SELECT_PARAMETERS,
]


def json_bytes(doc: Doc) -> bytes:
    return JSONResponse(doc).body


def _answer(request: Request, cache: ReadCache, access: Access, build: Callable[[], bytes]) -> Response:
    """Public readers (no user, no editor rights) all see the same documents: their answers come from the
    read cache while the content store has not changed. Everyone else's are built for them."""
    if access.actor.kind is not ActorKind.user and not access.is_editor:
        return cache.answer(request, Domain.content, build)
    return Response(content=build(), media_type="application/json")


def _add_routes(collection: Collection) -> None:
    slug = collection.slug
    path = f"/{slug}"

    def list_docs(request: Request, cache: Cache, session: ContentSession, access: ContentAccess) -> Response:
        def build() -> bytes:
            locale, items = split_params(request.query_params.multi_items())
            query = parse_list(
                items,
                query_fields(collection.fields, collection.localized, collection.model, locale),
                collection.model.id,
                collection.default_sort,
                collection.shortcuts,
                related=service.related(access, collection),
                collections=tuple(COLLECTIONS),
            )
            return json_bytes(service.find(session, access, collection, query, View(locale)))

        return _answer(request, cache, access, build)

    def count_docs(request: Request, cache: Cache, session: ContentSession, access: ContentAccess) -> Response:
        def build() -> bytes:
            locale, items = split_params(request.query_params.multi_items())
            fields = query_fields(collection.fields, collection.localized, collection.model, locale)
            where = parse_count(items, fields, service.related(access, collection))
            return json_bytes(service.count(session, access, collection, where))

        return _answer(request, cache, access, build)

    def get_doc(
        doc_id: str, request: Request, cache: Cache, session: ContentSession, access: ContentAccess
    ) -> Response:
        def build() -> bytes:
            locale, items = split_params(request.query_params.multi_items())
            query = parse_doc(items, tuple(COLLECTIONS))
            return json_bytes(service.get(session, access, collection, doc_id, query, View(locale)))

        return _answer(request, cache, access, build)

    router.add_api_route(path, list_docs, methods=["GET"], name=f"list_{slug}",
                         summary=f"List {slug}",
                         description=f"{collection.description}\n\n{LIST_HELP}\n\n{LOCALE_HELP}",
                         openapi_extra={"parameters": [*LIST_PARAMETERS, *READ_PARAMETERS]})
    router.add_api_route(path + "/count", count_docs, methods=["GET"], name=f"count_{slug}",
                         summary=f"Count {slug} matching `where` (answers `{{totalDocs}}`)",
                         openapi_extra={"parameters": [WHERE_PARAMETER, *READ_PARAMETERS]})
    router.add_api_route(path + "/{doc_id}", get_doc, methods=["GET"], name=f"get_{slug}",
                         summary=f"Get one of {slug} (`depth`, `select`, `populate`, `locale`, `draft`)",
                         description=LOCALE_HELP,
                         openapi_extra={"parameters": [*SELECT_PARAMETERS, *READ_PARAMETERS]})

    create, create_schema = collection.create, collection.create_schema
    if create is not None and create_schema is not None:

        def create_doc(
            request: Request,
            body: JsonBody,
            session: ContentSession,
            commerce: CommerceSession,
            access: ContentAccess,
            actor: Editor,
        ) -> JSONResponse:
            locale = _write_locale(request)
            changes = parse(create_schema, body)
            row = create(session, access, changes)
            view = _write_view(session, collection, row, locale)
            if locale is not None and locale != view.locales_of(row).default:
                # The first text of a document is also its default locale's, until that is written.
                service.translate(session, collection, row, locale, changes)
            audit.record(commerce, actor, f"content.{slug}.created", slug, row.id)
            doc = service.written(view.doc(collection, row, True), service.created_message(collection))
            return JSONResponse(doc, status_code=201)

        router.add_api_route(path, create_doc, methods=["POST"], status_code=201, name=f"create_{slug}",
                             summary=f"Create one of {slug}", openapi_extra={"parameters": WRITE_PARAMETERS})

    update, update_schema = collection.update, collection.update_schema
    if update is not None and update_schema is not None:

        def update_doc(
            doc_id: str,
            request: Request,
            body: JsonBody,
            session: ContentSession,
            commerce: CommerceSession,
            access: ContentAccess,
            actor: Editor,
        ) -> JSONResponse:
            locale = _write_locale(request)
            changes = parse(update_schema, body)
            row = service.load_writable(session, access, collection, doc_id)
            view = _write_view(session, collection, row, locale)
            if locale is None or locale == view.locales_of(row).default:
                row = update(session, access, row, changes)
            else:
                # The locale's values first: a write that also publishes (a post's `status`) publishes them too.
                service.translate(session, collection, row, locale, changes)
                others = {key: value for key, value in body.items() if key not in collection.localized}
                if others:
                    row = update(session, access, row, parse(update_schema, others))
            audit.record(commerce, actor, f"content.{slug}.updated", slug, row.id,
                         {"fields": sorted(body), **({"locale": locale} if locale else {})})
            return JSONResponse(service.written(view.doc(collection, row, True), service.UPDATED))

        router.add_api_route(path + "/{doc_id}", update_doc, methods=["PATCH"], name=f"update_{slug}",
                             summary=f"Change one of {slug} (absent fields stay)",
                             openapi_extra={"parameters": WRITE_PARAMETERS})

    publish = collection.publish
    if publish is not None:

        def publish_doc(
            doc_id: str,
            session: ContentSession,
            commerce: CommerceSession,
            access: ContentAccess,
            actor: Editor,
            body: Annotated[PublishIn | None, Body()] = None,
        ) -> JSONResponse:
            publish_at = body.publish_at if body is not None else None
            row = publish(session, access, service.load_writable(session, access, collection, doc_id), publish_at)
            action = f"content.{slug}.scheduled" if row.publish_at is not None else f"content.{slug}.published"
            audit.record(commerce, actor, action, slug, row.id,
                         {"publish_at": publish_at.isoformat()} if publish_at is not None else None)
            return JSONResponse(collection.to_doc(row, True))

        router.add_api_route(path + "/{doc_id}/publish", publish_doc, methods=["POST"], name=f"publish_{slug}",
                             summary="Publish the draft: it becomes the live document (or, with a future "
                             "publishAt, is scheduled to at that time)")

    delete = collection.delete
    if delete is not None:

        def delete_doc(
            doc_id: str, session: ContentSession, commerce: CommerceSession, access: ContentAccess, actor: Editor
        ) -> JSONResponse:
            row = service.load_writable(session, access, collection, doc_id)
            doc = collection.to_doc(row, True)
            service.delete(session, access, collection, row)
            audit.record(commerce, actor, f"content.{slug}.deleted", slug, doc_id)
            return JSONResponse(service.written(doc, service.DELETED))

        router.add_api_route(path + "/{doc_id}", delete_doc, methods=["DELETE"], name=f"delete_{slug}",
                             summary=f"Delete one of {slug} (answers the deleted document)")


for _collection in COLLECTIONS.values():
    _add_routes(_collection)
