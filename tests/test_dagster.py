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


def test_the_demos_first_runs_build_every_asset_after_what_it_reads() -> None:
    """`marketplace demo`'s first build (api/cli.py `_first_build_runs`), on a fresh database: each run's assets
    come after the runs that build what they read (the drift repair reads a mart), and every asset is built."""
    from api.cli import _first_build_runs
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    run_of: dict[AssetKey, int] = {}
    for index, (_, _, selection, _) in enumerate(_first_build_runs()):
        if selection is None:  # the commission job: the partitioned assets
            keys = {k for k in graph.materializable_asset_keys if graph.get(k).partitions_def is not None
                    and not any(k in d.keys for d in DBT_ASSETS)}
        else:
            keys = {AssetKey(path) for path in selection}
        run_of.update(dict.fromkeys(keys, index))
    assert set(run_of) == set(graph.materializable_asset_keys)
    for key, index in run_of.items():
        for parent in graph.get(key).parent_keys & set(run_of):
            assert run_of[parent] <= index, f"{key.to_user_string()} runs before {parent.to_user_string()}"
