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
            query = parse_list(
                request.query_params.multi_items(),
                collection.fields,
                collection.model.id,
                collection.default_sort,
                collection.shortcuts,
            )
            return json_bytes(service.find(session, access, collection, query))

        return _answer(request, cache, access, build)

    def get_doc(
        doc_id: str, request: Request, cache: Cache, session: ContentSession, access: ContentAccess
    ) -> Response:
        def build() -> bytes:
            query = parse_doc(request.query_params.multi_items())
            return json_bytes(service.get(session, access, collection, doc_id, query.depth))

        return _answer(request, cache, access, build)

    router.add_api_route(path, list_docs, methods=["GET"], name=f"list_{slug}",
                         summary=f"List {slug}", description=f"{collection.description}\n\n{LIST_HELP}")
    router.add_api_route(path + "/{doc_id}", get_doc, methods=["GET"], name=f"get_{slug}",
                         summary=f"Get one of {slug} (`depth` 0..2)")

    create, create_schema = collection.create, collection.create_schema
    if create is not None and create_schema is not None:

        def create_doc(
            body: JsonBody, session: ContentSession, commerce: CommerceSession, access: ContentAccess, actor: Editor
        ) -> JSONResponse:
            row = create(session, access, parse(create_schema, body))
            audit.record(commerce, actor, f"content.{slug}.created", slug, row.id)
            return JSONResponse(collection.to_doc(row, True), status_code=201)

        router.add_api_route(path, create_doc, methods=["POST"], status_code=201, name=f"create_{slug}",
                             summary=f"Create one of {slug}")

    update, update_schema = collection.update, collection.update_schema
    if update is not None and update_schema is not None:

        def update_doc(
            doc_id: str,
            body: JsonBody,
            session: ContentSession,
            commerce: CommerceSession,
            access: ContentAccess,
            actor: Editor,
        ) -> JSONResponse:
            changes = parse(update_schema, body)
            row = update(session, access, service.load_writable(session, access, collection, doc_id), changes)
            audit.record(commerce, actor, f"content.{slug}.updated", slug, row.id, {"fields": sorted(body)})
            return JSONResponse(collection.to_doc(row, True))

        router.add_api_route(path + "/{doc_id}", update_doc, methods=["PATCH"], name=f"update_{slug}",
                             summary=f"Change one of {slug} (absent fields stay)")

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
