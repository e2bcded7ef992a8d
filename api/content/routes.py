"""The collection API, `/api/{collection}`, generated from the registry: the same five routes for every
collection that declares the operation. Routes only parse and answer; the collection's service owns the
rules; the request's content transaction commits after the route returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from api.audit import service as audit
from api.auth.actor import Actor, ActorKind
from api.auth.scopes import Scope
from api.cache import ReadCache, read_cache
from api.content import service
from api.content.access import Access, ContentAccess
from api.content.collections import COLLECTIONS
from api.content.common import parse
from api.content.locales import (
    READ_PARAMETERS,
    WRITE_PARAMETERS,
    LocaleQuery,
    View,
    check_locale,
    query_fields,
    split_params,
)
from api.content.query import MAX_CONDITIONS, MAX_LIMIT, parse_doc, parse_list
from api.content.spec import Collection, Doc
from api.db import Domain
from api.deps import CommerceSession, ContentSession, require

router = APIRouter(prefix="/api", tags=["content"])
Editor = Annotated[Actor, Depends(require(Scope.content_write))]
Cache = Annotated[ReadCache, Depends(read_cache)]
JsonBody = Annotated[dict[str, Any], Body(description="The document, camelCase keys.")]

LIST_HELP = (
    "Payload-style query: `where[field][op]=value` (ops: equals, not_equals, in, like, greater_than, "
    "less_than, exists), `where[or][0][field][op]=...` / `where[and][0]...` groups, "
    f"at most {MAX_CONDITIONS} conditions; `sort=-field,field`; `limit` 1..{MAX_LIMIT} (default 10); "
    "`page` from 1; `depth` 0..2 (default 0) expands related documents. Unknown fields or operators are "
    "a 400 problem listing the allowed ones. Answers `docs`, `totalDocs`, `limit`, `page`, `totalPages`, "
    "`hasNextPage`, `hasPrevPage`."
)
LOCALE_HELP = (
    "Localisation (as Payload's): `locale=de` answers localised fields in that locale, a missing value "
    "falling back to `fallback-locale` (if given) and then to the tenant's default locale; "
    "`fallback-locale=none` answers null instead; `locale=all` answers `{locale: value}` objects; filters and "
    "sorts on localised fields use the requested locale; an unknown locale is a 400. Writes take `?locale=de` "
    "to write that locale's values. `draft=true`: editors read the newest (draft) content of pages; for "
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
            )
            return json_bytes(service.find(session, access, collection, query, View(locale)))

        return _answer(request, cache, access, build)

    def get_doc(
        doc_id: str, request: Request, cache: Cache, session: ContentSession, access: ContentAccess
    ) -> Response:
        def build() -> bytes:
            locale, items = split_params(request.query_params.multi_items())
            query = parse_doc(items)
            return json_bytes(service.get(session, access, collection, doc_id, query.depth, View(locale)))

        return _answer(request, cache, access, build)

    router.add_api_route(path, list_docs, methods=["GET"], name=f"list_{slug}",
                         summary=f"List {slug}",
                         description=f"{collection.description}\n\n{LIST_HELP}\n\n{LOCALE_HELP}",
                         openapi_extra={"parameters": READ_PARAMETERS})
    router.add_api_route(path + "/{doc_id}", get_doc, methods=["GET"], name=f"get_{slug}",
                         summary=f"Get one of {slug} (`depth` 0..2, `locale`, `fallback-locale`, `draft`)",
                         description=LOCALE_HELP, openapi_extra={"parameters": READ_PARAMETERS})

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
            return JSONResponse(view.doc(collection, row, True), status_code=201)

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
                others = {key: value for key, value in body.items() if key not in collection.localized}
                if others:
                    row = update(session, access, row, parse(update_schema, others))
                service.translate(session, collection, row, locale, changes)
            audit.record(commerce, actor, f"content.{slug}.updated", slug, row.id,
                         {"fields": sorted(body), **({"locale": locale} if locale else {})})
            return JSONResponse(view.doc(collection, row, True))

        router.add_api_route(path + "/{doc_id}", update_doc, methods=["PATCH"], name=f"update_{slug}",
                             summary=f"Change one of {slug} (absent fields stay)",
                             openapi_extra={"parameters": WRITE_PARAMETERS})

    delete = collection.delete
    if delete is not None:

        def delete_doc(
            doc_id: str, session: ContentSession, commerce: CommerceSession, access: ContentAccess, actor: Editor
        ) -> Response:
            service.delete(session, access, collection, service.load_writable(session, access, collection, doc_id))
            audit.record(commerce, actor, f"content.{slug}.deleted", slug, doc_id)
            return Response(status_code=204)

        router.add_api_route(path + "/{doc_id}", delete_doc, methods=["DELETE"], status_code=204,
                             name=f"delete_{slug}", summary=f"Delete one of {slug}", response_class=Response)


for _collection in COLLECTIONS.values():
    _add_routes(_collection)
