"""Sync assets: the content store's copies of commerce records and the commerce store's links to
content records, each an upsert through `api.sync.mapping` (the same mapping the webhooks use).

Runs: the `outbox_sync_sensor` starts `sync_job` for the entities with new outbox events; an hourly
schedule runs it incrementally (from each asset's cursor); a daily job re-syncs every vendor in full.
`reconciliation_has_no_old_drift` fails while the dbt view `analytics/reconciliation` lists a drift
older than the tolerance, and `sync/drift_repair` re-syncs exactly the drifted records."""

import json
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    Config,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    MaterializeResult,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset,
    asset_check,
    define_asset_job,
    sensor,
)
from sqlalchemy import func, select, text

from api.config import get_settings
from api.db import Domain
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent
from api.sync import runner
from api.sync.service import ENTITY_ASSETS, OUTBOX_ENTITIES
from orchestration.resources import StoresResource

GROUP = "sync"
OWNERS = ["team:platform"]
RECONCILIATION = AssetKey(["analytics", "reconciliation"])


class SyncConfig(Config):
    full: bool = False
    """Re-sync every record instead of those changed since the asset's cursor."""


def _result(context: AssetExecutionContext, report: runner.SyncReport) -> MaterializeResult:
    context.log.info(
        f"{report.name}: scanned {report.scanned}, applied {report.applied}, archived {report.archived}"
    )
    return MaterializeResult(metadata=report.as_metadata())


@asset(
    key=["content", "product_contents"],
    group_name=GROUP,
    owners=OWNERS,
    deps=[AssetKey(["commerce", "products"])],
    description="Product content metadata (title, handle, thumbnail, price summary, status) copied from "
    "commerce products changed since the cursor; products gone from commerce are archived on a full run.",
)
def product_contents(context: AssetExecutionContext, config: SyncConfig, stores: StoresResource) -> MaterializeResult:
    return _result(context, runner.sync_products(stores.database, full=config.full))


@asset(
    key=["content", "order_records"],
    group_name=GROUP,
    owners=OWNERS,
    deps=[AssetKey(["commerce", "orders"])],
    description="Order records (number, customer email, total, vendors, status) copied from commerce orders.",
)
def order_records(context: AssetExecutionContext, config: SyncConfig, stores: StoresResource) -> MaterializeResult:
    return _result(context, runner.sync_orders(stores.database, full=config.full))


@asset(
    key=["content", "tenants"],
    group_name=GROUP,
    owners=OWNERS,
    deps=[AssetKey(["commerce", "vendors"])],
    description="One tenant per commerce vendor: created as a draft, active while the vendor is approved, "
    "suspended with it.",
)
def tenants(context: AssetExecutionContext, config: SyncConfig, stores: StoresResource) -> MaterializeResult:
    return _result(context, runner.sync_vendors(stores.database, full=config.full))


@asset(
    key=["commerce", "content_links"],
    group_name=GROUP,
    owners=OWNERS,
    deps=[
        AssetKey(["content", "tenants"]),
        AssetKey(["content", "product_contents"]),
        AssetKey(["content", "pages"]),
        AssetKey(["content", "media"]),
    ],
    description="What commerce links from content: tenant settings and branding, published pages, media, "
    "product content images and SEO.",
)
def content_links(context: AssetExecutionContext, config: SyncConfig, stores: StoresResource) -> MaterializeResult:
    return _result(context, runner.sync_content_links(stores.database, full=config.full))


def drifted_ids(stores: StoresResource, older_than_seconds: int = 0) -> dict[str, list[str]]:
    with stores.database.transaction(Domain.commerce) as session:
        rows = session.execute(
            text(
                "SELECT entity_type, entity_id FROM analytics.reconciliation "
                "WHERE drift_age_seconds >= :age ORDER BY entity_type, entity_id"
            ),
            {"age": older_than_seconds},
        ).all()
    found: dict[str, list[str]] = {}
    for entity_type, entity_id in rows:
        found.setdefault(str(entity_type), []).append(str(entity_id))
    return found


@asset(
    key=["sync", "drift_repair"],
    group_name=GROUP,
    owners=OWNERS,
    deps=[RECONCILIATION],
    description="Re-syncs exactly the records `analytics/reconciliation` lists as drifted, through the mapping, "
    "overriding the version each side thinks it has.",
)
def drift_repair(context: AssetExecutionContext, stores: StoresResource) -> MaterializeResult:
    drift = drifted_ids(stores)
    repaired = runner.repair(stores.database, drift)
    context.log.info(f"repaired {repaired} of {sum(len(ids) for ids in drift.values())} drifted records")
    return MaterializeResult(
        metadata={"drifted": {k: len(v) for k, v in drift.items()}, "repaired": repaired}
    )


@asset_check(
    asset=RECONCILIATION,
    description="Fails while any drift between the stores is older than the sync tolerance "
    "(SYNC_DRIFT_TOLERANCE_SECONDS).",
)
def reconciliation_has_no_old_drift(stores: StoresResource) -> AssetCheckResult:
    tolerance = get_settings().sync_drift_tolerance_seconds
    old = drifted_ids(stores, tolerance)
    count = sum(len(ids) for ids in old.values())
    return AssetCheckResult(
        passed=count == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "drifts_older_than_tolerance": count,
            "tolerance_seconds": tolerance,
            "sample": json.dumps({k: v[:5] for k, v in old.items()}),
        },
    )


SYNC_ASSETS = [product_contents, order_records, tenants, content_links]
sync_job = define_asset_job(
    "sync_job",
    selection=AssetSelection.assets(*SYNC_ASSETS),
    description="Incremental sync of both stores from each asset's cursor.",
)
full_vendor_sync_job = define_asset_job(
    "full_vendor_sync_job",
    selection=AssetSelection.assets(tenants, content_links),
    config={
        "ops": {
            "content__tenants": {"config": {"full": True}},
            "commerce__content_links": {"config": {"full": True}},
        }
    },
    description="Re-syncs every vendor's tenant and every tenant's commerce link, whatever the cursors say.",
)

drift_repair_job = define_asset_job(
    "drift_repair_job",
    selection=AssetSelection.assets(drift_repair),
    description="Re-syncs the records the reconciliation lists as drifted (the console's Repair button).",
)

hourly_sync = ScheduleDefinition(
    name="hourly_sync",
    job=sync_job,
    cron_schedule="5 * * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Catches anything the webhooks and the sensor missed.",
)
daily_vendor_sync = ScheduleDefinition(
    name="daily_full_vendor_sync",
    job=full_vendor_sync_job,
    cron_schedule="30 2 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)

def _new_entity_types(stores: StoresResource, cursor: dict[str, int]) -> tuple[set[str], dict[str, int]]:
    entity_types: set[str] = set()
    positions = dict(cursor)
    for domain, model in ((Domain.commerce, CommerceOutboxEvent), (Domain.content, ContentOutboxEvent)):
        with stores.database.transaction(domain) as session:
            since = cursor.get(domain.value, 0)
            latest = session.scalar(select(func.max(model.position))) or since
            if latest > since:
                entity_types.update(
                    session.scalars(select(model.entity_type).where(model.position > since).distinct())
                )
            positions[domain.value] = latest
    return entity_types, positions


@sensor(
    job=sync_job,
    minimum_interval_seconds=15,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches both outboxes (cursor = last seen position per store) and syncs the entities "
    "with new events.",
)
def outbox_sync_sensor(context: SensorEvaluationContext, stores: StoresResource) -> SensorResult:
    cursor: dict[str, Any] = json.loads(context.cursor) if context.cursor else {}
    entity_types, positions = _new_entity_types(stores, cursor)
    selection = sorted(
        {
            AssetKey(key)
            for entity_type in entity_types
            if entity_type in OUTBOX_ENTITIES
            for key in ENTITY_ASSETS[OUTBOX_ENTITIES[entity_type]]
        },
        key=lambda k: k.to_string(),
    )
    if not selection:
        return SensorResult(skip_reason=SkipReason("no new outbox events"), cursor=json.dumps(positions))
    run_key = f"outbox-{positions.get('commerce', 0)}-{positions.get('content', 0)}"
    return SensorResult(
        run_requests=[RunRequest(run_key=run_key, asset_selection=selection)], cursor=json.dumps(positions)
    )


sync_definitions = Definitions(
    assets=[*SYNC_ASSETS, drift_repair],
    asset_checks=[reconciliation_has_no_old_drift],
    jobs=[sync_job, full_vendor_sync_job, drift_repair_job],
    schedules=[hourly_sync, daily_vendor_sync],
    sensors=[outbox_sync_sensor],
)
