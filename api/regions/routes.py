from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import TypeAdapter

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.cache import ReadCache, read_cache
from api.db import Domain
from api.deps import CommerceSession, require
from api.regions import service
from api.regions.schemas import RegionIn, RegionOut, RegionUpdate
from api.routing import Router

admin = Router(prefix="/admin/regions", tags=["regions"])
store = Router(prefix="/store/regions", tags=["regions"])

REGIONS = TypeAdapter(list[RegionOut])
AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]


@store.get("", response_model=list[RegionOut], summary="Regions the store sells in")
def store_regions(
    request: Request,
    cache: Annotated[ReadCache, Depends(read_cache)],
    session: CommerceSession,
    _: Annotated[Actor, Depends(require(Scope.store_read))],
) -> Response:
    def build() -> bytes:
        return REGIONS.dump_json([RegionOut.model_validate(r) for r in service.list_regions(session)])

    return cache.answer(request, Domain.commerce, build)


@admin.get("", response_model=list[RegionOut], summary="List regions")
def list_regions(session: CommerceSession, _: AdminReader) -> list[RegionOut]:
    return [RegionOut.model_validate(r) for r in service.list_regions(session)]


@admin.post("", response_model=RegionOut, status_code=201, summary="Create a region")
def create_region(body: RegionIn, session: CommerceSession, actor: AdminWriter) -> RegionOut:
    region = service.create_region(session, body)
    audit.record(session, actor, "region.created", "region", region.id, body.model_dump(mode="json"))
    return RegionOut.model_validate(region)


@admin.get("/{region_id}", response_model=RegionOut, summary="Get a region")
def get_region(region_id: str, session: CommerceSession, _: AdminReader) -> RegionOut:
    return RegionOut.model_validate(service.get_region(session, region_id))


@admin.post("/{region_id}", response_model=RegionOut, summary="Update a region")
def update_region(region_id: str, body: RegionUpdate, session: CommerceSession, actor: AdminWriter) -> RegionOut:
    region = service.update_region(session, region_id, body)
    changes = body.model_dump(mode="json", exclude_unset=True)
    audit.record(session, actor, "region.updated", "region", region.id, changes)
    return RegionOut.model_validate(region)


@admin.delete("/{region_id}", status_code=204, summary="Delete a region without carts or orders")
def delete_region(region_id: str, session: CommerceSession, actor: AdminWriter) -> Response:
    service.delete_region(session, region_id)
    audit.record(session, actor, "region.deleted", "region", region_id)
    return Response(status_code=204)
