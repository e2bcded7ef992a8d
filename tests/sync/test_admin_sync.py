from __future__ import annotations

import time
from collections.abc import Callable

from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient
from fastapi.testclient import TestClient

from api.config import Settings
from api.db import Database
from tests.conftest import assert_problem
from tests.sync.conftest import Shop, content_row


def test_status_reports_counts_backlog_dead_deliveries_and_reconciliation(
    shop: Shop, pump: Callable[..., int], client: TestClient
) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    shop.product(vendor["id"])
    before = client.get("/admin/sync/status", headers=shop.admin)
    assert before.status_code == 200
    backlog = before.json()
    assert backlog["outbox"]["commerce"]["undispatched"] >= 3
    assert backlog["outbox"]["commerce"]["oldest_undispatched_age_seconds"] >= 0

    pump()
    status = client.get("/admin/sync/status", headers=shop.admin).json()
    assert status["outbox"]["commerce"]["undispatched"] == 0
    assert status["entities"]["products"]["synced"] == 1
    assert status["entities"]["tenants"]["synced"] == 1
    assert status["deliveries"]["dead"] == 0 and status["deliveries"]["pending"] == 0
    assert status["last_synced_at"] is not None
    assert set(status["reconciliation"]) >= {"available", "drifts"}
    assert_problem(client.get("/admin/sync/status", headers={"x-publishable-api-key": shop.store[
        "x-publishable-api-key"]}), 403, "forbidden")


def test_trigger_launches_the_sync_job_in_dagster_and_returns_its_run_id(
    shop: Shop, client: TestClient, dagster_webserver: int, database: Database
) -> None:
    client.app.state.settings = client.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"dagster_port": dagster_webserver}
    )
    shop.region("EUR")
    vendor = shop.vendor("triggered")
    product = shop.product(vendor["id"], title="Triggered")

    response = client.post("/admin/sync/trigger", json={"entity": "products"}, headers=shop.admin)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["job"] == "sync_job" and body["asset_selection"] == [["content", "product_contents"]]

    graphql = DagsterGraphQLClient("127.0.0.1", port_number=dagster_webserver)
    deadline = time.monotonic() + 120
    status = graphql.get_run_status(body["run_id"])
    while status not in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE) and time.monotonic() < deadline:
        time.sleep(1)
        status = graphql.get_run_status(body["run_id"])
    assert status == DagsterRunStatus.SUCCESS
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["title"] == "Triggered"
    audit = client.get("/admin/audit-log", params={"action": "sync.triggered"}, headers=shop.admin).json()
    assert audit["items"][0]["entity_id"] == body["run_id"]


def test_trigger_rejects_unknown_entities_and_answers_503_without_dagster(
    shop: Shop, client: TestClient, settings: Settings
) -> None:
    assert_problem(client.post("/admin/sync/trigger", json={"entity": "planets"}, headers=shop.admin), 422,
                   "validation-failed")
    client.app.state.settings = settings.model_copy(update={"dagster_port": 1})  # type: ignore[attr-defined]
    assert_problem(client.post("/admin/sync/trigger", headers=shop.admin), 503, "service-unavailable")
