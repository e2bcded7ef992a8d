"""The Dagster code location: every asset, check, job, schedule, sensor and resource of the platform."""

from __future__ import annotations

from dagster import Definitions

from assets.dbt import marketplace_dbt_models
from orchestration.resources import StoresResource, build_dbt_resource

stores = StoresResource()

defs = Definitions(
    assets=[marketplace_dbt_models],
    resources={"stores": stores, "dbt": build_dbt_resource(stores)},
)
