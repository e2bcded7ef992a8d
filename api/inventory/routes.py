from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.deps import CommerceSession, require
from api.inventory import service
from api.inventory.schemas import InventoryLevelOut, StockIn
from api.routing import Router

admin = Router(prefix="/admin/inventory", tags=["inventory"])


@admin.get("/{variant_id}", response_model=InventoryLevelOut, summary="A variant's stock")
def get_level(
    variant_id: str, session: CommerceSession, _: Annotated[Actor, Depends(require(Scope.admin_read))]
) -> InventoryLevelOut:
    return service.view(session, variant_id)


@admin.post("/{variant_id}", response_model=InventoryLevelOut, summary="Set a variant's units on hand")
def set_level(
    variant_id: str,
    body: StockIn,
    session: CommerceSession,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
) -> InventoryLevelOut:
    level = service.set_stocked(session, variant_id, body.stocked_quantity)
    audit.record(session, actor, "inventory.updated", "inventory", variant_id, body.model_dump())
    return level
