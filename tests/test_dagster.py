from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, materialize
from sqlalchemy import text

from api.db import Database, DatabaseUrls, Domain
from assets.commissions.definitions import daily
from assets.dbt import DBT_ASSETS
from orchestration.resources import StoresResource, build_dbt_resource
from tests.conftest import PROJECT_ROOT


def test_definitions_validate(urls: DatabaseUrls) -> None:
    env = {**os.environ, "DATABASE_URL": urls.commerce}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_dbt_models_materialise_with_their_tests_as_checks(urls: DatabaseUrls, database: Database) -> None:
    stores = StoresResource(commerce_url=urls.commerce, content_url=urls.content)
    result = materialize(
        [*DBT_ASSETS], resources={"stores": stores, "dbt": build_dbt_resource(stores)},
        partition_key=daily.get_last_partition_key(),
    )
    assert result.success
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert AssetKey(["analytics", "stg_commerce__users"]) in materialized
    checks = result.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks)
    with database.transaction(Domain.commerce) as session:
        assert session.execute(text("SELECT count(*) FROM analytics_staging.stg_commerce__users")).scalar() == 0
