"""Content in a database of its own: the `content_replica` assets copy the content tables dbt reads into the
commerce (analytics) database, so `dbt build`, the reconciliation and the drift repair work across two real
databases on the test server; and a code location configured that way builds its lineage through the copy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from dagster import AssetKey, AssetSelection, ExecuteInProcessResult, materialize
from fastapi.testclient import TestClient

from api import migrate
from api.app import create_app
from api.auth import service as auth_service
from api.auth.models import Role
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain, app_urls, libpq_url
from assets.analytics.content_replica import content_replica, content_replica_matches, replica_key
from assets.commissions.definitions import daily
from assets.dbt import DBT_ASSETS
from assets.sync.definitions import (
    content_links,
    drift_repair,
    product_contents,
    reconciliation_has_no_old_drift,
    tenants,
)
from orchestration.resources import StoresResource, build_dbt_resource
from tests.conftest import PASSWORD, PROJECT_ROOT, SERVER_URL, recreate_database
from tests.sync.conftest import Shop


@pytest.fixture(scope="module")
def split_urls() -> Iterator[DatabaseUrls]:
    prefix = os.environ.get("TEST_DB_NAME", "marketplace_test")
    names = (f"{prefix}_split_commerce", f"{prefix}_split_content")
    urls = DatabaseUrls(commerce=recreate_database(names[0]), content=recreate_database(names[1]))
    migrate.upgrade(urls)
    yield urls
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sql(url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(url)) as conn:
        cursor = conn.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def _copy(resources: dict[str, Any], **config: Any) -> tuple[ExecuteInProcessResult, dict[str, dict[str, Any]]]:
    result = materialize([content_replica, content_replica_matches], resources=resources,
                         run_config={"ops": {"content_replica": {"config": config}}} if config else None)
    assert result.success
    reports = {
        event.asset_key.path[-1]: {k: v.value for k, v in event.metadata.items()}
        for event in result.asset_materializations_for_node("content_replica")
    }
    return result, reports


def test_dbt_and_the_reconciliation_read_the_content_copy_in_the_analytics_database(
    split_urls: DatabaseUrls, settings: Settings
) -> None:
    database = Database(app_urls(split_urls, settings), settings)
    stores = StoresResource(commerce_url=split_urls.commerce, content_url=split_urls.content)
    resources = {"stores": stores, "dbt": build_dbt_resource(stores)}
    try:
        with TestClient(create_app(settings, database)) as client:
            with database.transaction(Domain.commerce) as session:
                auth_service.create_user(session, email="split-admin@example.com", password=PASSWORD, role=Role.admin)
            token = client.post("/auth/token", json={"email": "split-admin@example.com", "password": PASSWORD})
            shop = Shop(client, {"Authorization": f"Bearer {token.json()['access_token']}"}, {}, database)
            shop.region("EUR")
            vendor = shop.vendor("split-vendor")
            products = [shop.product(vendor["id"], title=f"Split {i}") for i in range(4)]
            assert materialize([tenants, product_contents, content_links], resources={"stores": stores}).success

            # The content tables are in the content database only: without the copy, dbt has nothing to read.
            assert _sql(split_urls.commerce, "SELECT to_regclass('content.product_contents')::text") == [(None,)]
            # Written three days ago, but for one a day ago: the copy's newest change is a day old.
            _sql(split_urls.content, "UPDATE content.product_contents SET updated_at = now() - interval '3 days'")
            _sql(split_urls.content, "UPDATE content.product_contents SET updated_at = now() - interval '1 day' "
                                     "WHERE product_id = %s", products[2]["id"])

            first, reports = _copy(resources)
            assert reports["product_contents"] == {"copied": 4, "deleted": 0, "rows": 4, "full_copy": True}
            assert reports["tenants"]["rows"] == 1
            assert all(check.passed for check in first.get_asset_check_evaluations())
            built = materialize([*DBT_ASSETS, reconciliation_has_no_old_drift], resources=resources,
                                partition_key=daily.get_last_partition_key())
            assert built.success
            assert all(check.passed for check in built.get_asset_check_evaluations())
            assert _sql(split_urls.commerce, "SELECT entity_type, source_records, target_records "
                        "FROM analytics.sync_status WHERE entity_type IN ('product', 'vendor') ORDER BY 1") == [
                ("product", 4, 4), ("vendor", 1, 1)]
            assert _sql(split_urls.commerce, "SELECT count(*) FROM analytics.reconciliation") == [(0,)]

            # Changes on the content side: one row added by the sync, then one edited, one deleted.
            added = shop.product(vendor["id"], title="Split new")
            assert materialize([product_contents], resources={"stores": stores}).success
            edited, deleted, untouched = products[0]["id"], products[1]["id"], products[3]["id"]
            _sql(split_urls.content, "UPDATE content.product_contents SET title = 'edited', updated_at = now() "
                                     "WHERE product_id = %s", edited)
            _sql(split_urls.content, "DELETE FROM content.product_contents WHERE product_id = %s", deleted)
            # Changed without a newer `updated_at` (no code path does this): the incremental copy skips it.
            _sql(split_urls.content, "UPDATE content.product_contents SET seo_title = 'quiet' WHERE product_id = %s",
                 untouched)

        second, reports = _copy(resources)
        # Incremental: the edited and the added row, and the day-old one within the lookback; not the others.
        assert reports["product_contents"] == {"copied": 3, "deleted": 1, "rows": 4, "full_copy": False}
        assert all(check.passed for check in second.get_asset_check_evaluations())
        copies = dict(_sql(split_urls.commerce, "SELECT product_id, title FROM content_replica.product_contents"))
        assert copies[edited] == "edited" and deleted not in copies and copies[added["id"]] == "Split new"
        assert _sql(split_urls.commerce, "SELECT seo_title FROM content_replica.product_contents "
                    "WHERE product_id = %s", untouched) != [("quiet",)]

        # The reconciliation (a view over dbt's staging views over the copy) sees the content side's drift.
        drifts = _sql(split_urls.commerce, "SELECT entity_id, drift_kind, field FROM analytics.reconciliation "
                      "ORDER BY entity_id")
        assert sorted(drifts) == sorted([(edited, "field_mismatch", "title"), (deleted, "missing_in_content", None)])

        # The repair writes to the content database; after the next copy the reconciliation is clean.
        assert materialize([drift_repair], resources=resources).success
        _, reports = _copy(resources, full=True)
        assert reports["product_contents"]["full_copy"] is True and reports["product_contents"]["rows"] == 5
        assert _sql(split_urls.commerce, "SELECT seo_title FROM content_replica.product_contents "
                    "WHERE product_id = %s", untouched) == [("quiet",)]
        assert _sql(split_urls.commerce, "SELECT count(*) FROM analytics.reconciliation") == [(0,)]

        # A migration adds a column in the content store: the copy follows (altered, so the views stay).
        _sql(split_urls.content, "ALTER TABLE content.product_contents ADD COLUMN badge varchar(20)")
        _sql(split_urls.content, "UPDATE content.product_contents SET badge = 'new' WHERE product_id = %s",
             added["id"])
        _, reports = _copy(resources)
        assert reports["product_contents"]["full_copy"] is True and reports["tenants"]["full_copy"] is False
        assert _sql(split_urls.commerce, "SELECT badge FROM content_replica.product_contents WHERE product_id = %s",
                    added["id"]) == [("new",)]
        assert _sql(split_urls.commerce, "SELECT count(*) FROM analytics.reconciliation") == [(0,)]

        # The check compares the copy with the store: a row deleted since the last copy fails it.
        _sql(split_urls.content, "DELETE FROM content.product_contents WHERE product_id = %s", added["id"])
        checked = materialize([content_replica_matches], resources=resources, raise_on_error=False,
                              selection=AssetSelection.checks(content_replica_matches))
        evaluations = {e.asset_key.path[-1]: e for e in checked.get_asset_check_evaluations()}
        assert not evaluations["product_contents"].passed
        assert (evaluations["product_contents"].metadata["store_rows"].value,
                evaluations["product_contents"].metadata["replica_rows"].value) == (4, 5)
        assert all(e.passed for table, e in evaluations.items() if table != "product_contents")
    finally:
        database.dispose()


def test_a_code_location_with_content_in_its_own_database_builds_dbt_from_the_copy(
    split_urls: DatabaseUrls,
) -> None:
    script = """
import json
from dagster import AssetKey
from orchestration.definitions import defs
graph = defs.resolve_asset_graph()
stg = AssetKey(["analytics", "stg_content__tenants"])
job = defs.resolve_job_def("analytics_job")
print(json.dumps({
    "staging_reads": sorted(k.to_user_string() for k in graph.get(stg).parent_keys),
    "copy_reads": sorted(k.to_user_string() for k in graph.get(AssetKey(["content_replica", "tenants"])).parent_keys),
    "job_copies": "content_replica" in {node.name for node in job.graph.node_defs},
    "schedules": sorted(s.name for s in defs.schedules or []),
}))
"""
    env = {**os.environ, "COMMERCE_DATABASE_URL": split_urls.commerce, "CONTENT_DATABASE_URL": split_urls.content}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["staging_reads"] == ["content_replica/tenants"]
    assert found["copy_reads"] == ["content/tenants"]
    assert found["job_copies"] is True
    assert "content_replica_every_10_minutes" in found["schedules"]
    assert AssetKey(["content_replica", "tenants"]) == replica_key("tenants")
