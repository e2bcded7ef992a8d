from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Depends
from pydantic import BaseModel, ConfigDict

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.deps import AppSettings, CommerceSession, ContentSession, require
from api.routing import Router
from api.sync import service
from api.sync.service import SyncEntity

router = Router(prefix="/admin/sync", tags=["sync"])


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: SyncEntity = SyncEntity.all


class TriggerOut(BaseModel):
    run_id: str
    job: str
    entity: SyncEntity
    asset_selection: list[list[str]] | None


class RepairOut(BaseModel):
    run_id: str
    job: str


class SyncStatusOut(BaseModel):
    checked_at: datetime
    last_synced_at: datetime | None
    entities: dict[str, dict[str, Any]]
    outbox: dict[str, dict[str, Any]]
    deliveries: dict[str, Any]
    reconciliation: dict[str, Any]


@router.get("/status", response_model=SyncStatusOut, summary="Sync health: counts, backlog, dead deliveries, drift")
def sync_status(
    commerce: CommerceSession, content: ContentSession, _: Annotated[Actor, Depends(require(Scope.admin_read))]
) -> SyncStatusOut:
    return SyncStatusOut.model_validate(service.status(commerce, content))


@router.post(
    "/trigger", response_model=TriggerOut, status_code=202, summary="Launch the Dagster sync job now ('Sync now')"
)
def trigger_sync(
    session: CommerceSession,
    settings: AppSettings,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
    body: Annotated[TriggerIn | None, Body()] = None,
) -> TriggerOut:
    entity = body.entity if body else SyncEntity.all
    run_id, selection = service.trigger(settings, entity, actor.id)
    audit.record(session, actor, "sync.triggered", "dagster_run", run_id, {"entity": entity.value})
    return TriggerOut(run_id=run_id, job=service.SYNC_JOB, entity=entity, asset_selection=selection)


@router.post(
    "/repair", response_model=RepairOut, status_code=202,
    summary="Launch the drift repair: re-sync every record the reconciliation lists as drifted",
)
def repair_drift(
    session: CommerceSession, settings: AppSettings, actor: Annotated[Actor, Depends(require(Scope.admin_write))]
) -> RepairOut:
    run_id = service.repair(settings, actor.id)
    audit.record(session, actor, "sync.repair_launched", "dagster_run", run_id)
    return RepairOut(run_id=run_id, job=service.REPAIR_JOB)
