"""`POST /admin/commissions/calculate` launches the commission job through a real Dagster webserver
(a subprocess with its own DAGSTER_HOME, pointed at this session's database), and the run it starts
writes the run record. Also: the code location's assets all have a description, a group and an owner."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.models import Role
from api.config import Settings
from api.db import Database
from tests.analytics.conftest import World
from tests.conftest import free_port


def test_calculate_launches_the_commission_job_through_dagster(
    world: World, settings: Settings, database: Database, dagster_webserver: int,
    make_user: Callable[..., dict[str, Any]],
) -> None:
    from dagster import DagsterRunStatus
    from dagster_graphql import DagsterGraphQLClient

    day = world.today - timedelta(days=20)
    app = create_app(settings.model_copy(update={"dagster_port": dagster_webserver}), database)
    with TestClient(app, raise_server_exceptions=False) as client:
        user = make_user(Role.finance)
        token = client.post("/auth/token", json={"email": user["email"], "password": user["password"]}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        response = client.post("/admin/commissions/calculate",
                               json={"period_start": (day - timedelta(days=1)).isoformat(),
                                     "period_end": day.isoformat()}, headers=headers)
        assert response.status_code == 202, response.text
        run_id = response.json()["dagster_run_id"]
    graphql = DagsterGraphQLClient("127.0.0.1", port_number=dagster_webserver, timeout=10)
    deadline = time.monotonic() + 120
    status = graphql.get_run_status(run_id)
    while status not in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)
        status = graphql.get_run_status(run_id)
    assert status == DagsterRunStatus.SUCCESS
    made = world.sql(
        "SELECT * FROM commerce.commission_runs WHERE period_start BETWEEN :a AND :b ORDER BY period_start",
        a=day - timedelta(days=1), b=day,
    )
    assert [r["period_start"] for r in made] == [day - timedelta(days=1), day]
    assert all(r["dagster_run_id"] == run_id and r["status"] == "draft" and r["line_count"] == 0 for r in made)


def test_calculate_answers_503_when_dagster_is_down(
    settings: Settings, database: Database, make_user: Callable[..., dict[str, Any]]
) -> None:
    app = create_app(settings.model_copy(update={"dagster_port": free_port()}), database)
    with TestClient(app, raise_server_exceptions=False) as client:
        user = make_user(Role.finance)
        token = client.post("/auth/token", json={"email": user["email"], "password": user["password"]}).json()
        response = client.post("/admin/commissions/calculate",
                               json={"period_start": "2026-11-01", "period_end": "2026-11-03"},
                               headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status_code == 503
    assert response.json()["code"] == "service-unavailable"


def test_every_asset_has_a_description_a_group_and_an_owner() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    missing = [
        key.to_user_string() for key in graph.get_all_asset_keys()
        if not (graph.get(key).description and graph.get(key).group_name and graph.get(key).owners)
    ]
    assert not missing
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"commissions/commission_run", "commissions/payout_batch", "analytics/vendor_stats",
            "analytics/commission_statements", "analytics/payout_ledger", "commerce/orders"} <= keys
    assert defs.resolve_job_def("commission_run_job").partitions_def is not None
    assert {s.name for s in defs.schedules or []} >= {"commission_run_job_schedule", "analytics_job_schedule"}
