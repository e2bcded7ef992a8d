"""The dbt models as Dagster assets; their tests run as asset checks.

Split by selector as Dagster's own platform splits its dbt project:

- `dbt_partitioned_models`: the incremental models (`config.materialized:incremental`), daily-partitioned
  (UTC, the commission run's partitions). A run passes its partition window to dbt as the vars
  `min_date` / `max_date` (3 hours before the window's start to a day after its end): the models re-merge
  every row of those days, on top of the rows changed within their lookback (`incremental_lookback`).
- `dbt_models`: everything else (staging and intermediate views, table marts, sync views).

Both take `DbtConfig`: `full_refresh: true` (from the launchpad, or the `analytics_full_refresh_job`) runs
`dbt build --full-refresh`, which rebuilds the incremental models from scratch and ignores the window.

Groups follow the dbt folders (`staging_commerce`, `intermediate`, `marts_finance`, ...); sources map to
the store tables (`commerce/<table>`, `content/<table>`) that the other modules declare or write; the marts
carry a `FreshnessPolicy`.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Config,
    Definitions,
    FreshnessPolicy,
    TimeWindow,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from api.db import Domain
from assets.commissions.definitions import daily
from orchestration.resources import CONTENT_REPLICA_SCHEMA, StoresResource, content_replicated, dbt_project

INCREMENTAL_SELECTOR = "config.materialized:incremental"
OWNERS = ["team:data"]
# The daily rebuild runs at 01:30 UTC; a mart not rebuilt for a day is late, for a day and two hours failing.
MART_FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=24))
WINDOW_BEFORE = timedelta(hours=3)  # transactions still open when the window's day ended
WINDOW_AFTER = timedelta(days=1)


class MarketplaceDbtTranslator(DagsterDbtTranslator):
    """Asset keys `analytics/<model>`; sources are the store tables (`commerce/<table>`, `content/<table>`, or
    their copies `content_replica/<table>` where content has a database of its own); groups from the dbt folder
    below `models/`; freshness policies on the marts."""

    def __init__(self, settings: DagsterDbtTranslatorSettings, content_replicated: bool = False) -> None:
        super().__init__(settings)
        self.content_replicated = content_replicated

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            source = props["source_name"]
            if source == Domain.content.value and self.content_replicated:
                source = CONTENT_REPLICA_SCHEMA
            return spec.replace_attributes(key=AssetKey([source, props["name"]]))
        folders = props.get("fqn", [])[1:-1]
        return spec.replace_attributes(
            key=AssetKey(["analytics", props["name"]]),
            group_name="_".join(folders) if folders else "dbt",
            owners=OWNERS,
            freshness_policy=MART_FRESHNESS if folders[:1] == ["marts"] else None,
        )


TRANSLATOR = MarketplaceDbtTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=True), content_replicated())


class DbtConfig(Config):
    full_refresh: bool = False
    """Rebuild from scratch (`dbt build --full-refresh`): incremental models drop their rows and reload all."""


def partition_vars(window: TimeWindow) -> dict[str, str]:
    """The dbt vars of a partition window: the days to re-merge, with the margins `WINDOW_BEFORE/AFTER`."""
    return {
        "min_date": (window.start - WINDOW_BEFORE).isoformat(),
        "max_date": (window.end + WINDOW_AFTER).isoformat(),
    }


def dbt_args(config: DbtConfig, dbt_vars: Mapping[str, str] | None = None) -> list[str]:
    args = ["build"]
    if config.full_refresh:
        args.append("--full-refresh")
    elif dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    return args


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=INCREMENTAL_SELECTOR,
    partitions_def=daily,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
)
def dbt_partitioned_models(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtConfig, stores: StoresResource
) -> Iterator[Any]:
    """`dbt build` of the incremental models for the run's partition window (or from scratch)."""
    yield from dbt.cli(dbt_args(config, partition_vars(context.partition_time_window)), context=context).stream()
    marts_rebuilt(stores)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=INCREMENTAL_SELECTOR,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
)
def dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtConfig, stores: StoresResource
) -> Iterator[Any]:
    """`dbt build` of every other model: views, table marts, sync views."""
    yield from dbt.cli(dbt_args(config), context=context).stream()
    marts_rebuilt(stores)


def marts_rebuilt(stores: StoresResource) -> None:
    """The dashboards keep what they read from the marts while the commerce store's version stands (the marts
    live in its database): a build moves that version, so they show the new figures at once."""
    stores.database.announce_change(Domain.commerce)


DBT_ASSETS = [dbt_partitioned_models, dbt_models]

dbt_definitions = Definitions(assets=DBT_ASSETS)
