"""While the first build of the marts runs, mart reads answer a 503 problem that says when to come back."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.analytics import readiness
from api.analytics import service as analytics
from api.auth.models import Role
from api.config import Settings
from api.db import APP_ROLE, Database, Domain
from tests.conftest import assert_problem


def test_mart_reads_say_building_and_when_until_the_marts_land(
    client: TestClient, database: Database, owner_database: Database, settings: Settings,
    admin_headers: dict[str, str], make_user: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(analytics, "get_settings", lambda: settings)
    vendor = client.post("/admin/vendors", json={"name": "Oak", "slug": "oak", "email": "oak@example.com",
                                                  "commission_rate": "0.1", "default_currency": "EUR"},
                         headers=admin_headers).json()
    url = f"/admin/vendors/{vendor['id']}/stats"
    (settings.data_dir / readiness.STATUS_FILE).unlink(missing_ok=True)

    never_built = assert_problem(client.get(url, headers=admin_headers), 503, "service-unavailable")
    assert "not built yet" in never_built["detail"]

    readiness.record_build(settings.data_dir, "building")
    answer = client.get(url, headers=admin_headers)
    body = assert_problem(answer, 503, "service-unavailable")
    assert body["building"] is True
    eta = int(answer.headers["retry-after"])
    assert body["ready_in_seconds"] == eta
    assert readiness.RETRY_FLOOR_SECONDS <= eta <= readiness.DEFAULT_BUILD_SECONDS
    assert f"ready in about {eta} s" in body["detail"]
    with database.transaction(Domain.commerce) as session:
        status = readiness.marts_ready(session, settings.data_dir)
    assert (status.ready, status.building) == (False, True)
    # The vendor portal's dashboard says the same, from the same module.
    assert client.post(f"/admin/vendors/{vendor['id']}/approve", headers=admin_headers).status_code == 200
    owner = make_user(Role.vendor, vendor_id=vendor["id"])
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
    assert token
    signed_in = client.post("/login", data={"email": owner["email"], "password": owner["password"],
                                            "csrf_token": token.group(1)}, follow_redirects=False)
    assert signed_in.status_code == 303
    dashboard = client.get("/vendor-portal")
    assert dashboard.status_code == 200
    as_of = re.search(r'id="data-as-of">([^<]*)<', dashboard.text)
    assert as_of and "ready in about" in as_of.group(1), dashboard.text[:2000]

    readiness.record_build(settings.data_dir, "ready")
    saved = readiness.read_build(settings.data_dir)
    assert saved["state"] == "ready" and saved["expected_seconds"] >= readiness.RETRY_FLOOR_SECONDS
    with owner_database.transaction(Domain.commerce) as session:  # as dbt does, owner of the marts
        session.execute(text("CREATE SCHEMA IF NOT EXISTS analytics"))
        session.execute(text("CREATE TABLE analytics.vendor_stats (vendor_id text)"))
        session.execute(text(f"GRANT USAGE ON SCHEMA analytics TO {APP_ROLE}"))
    with database.transaction(Domain.commerce) as session:
        assert readiness.marts_ready(session, settings.data_dir).ready


def test_the_estimate_counts_down_from_the_last_build(settings: Settings) -> None:
    data_dir = settings.data_dir / "estimate"
    readiness.record_build(data_dir, "building")
    status = readiness.read_build(data_dir)
    status["started_at"] = time.time() - 100
    status["expected_seconds"] = 160
    (data_dir / readiness.STATUS_FILE).write_text(json.dumps(status))
    left = readiness.build_status(data_dir).ready_in_seconds
    assert left is not None and 55 <= left <= 60
