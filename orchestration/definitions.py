"""The Dagster code location: every asset, check, job, schedule, sensor and resource of the platform.

Each domain module (`assets/<domain>/definitions.py`) holds its own assets, checks, jobs, schedules
and sensors as a `Definitions`; this file merges them and adds the shared resources."""

from __future__ import annotations

from dagster import Definitions

import assets.analytics.definitions
import assets.commissions.definitions
import assets.dbt
import assets.sync.definitions
from orchestration.resources import StoresResource, build_dbt_resource

stores = StoresResource()

defs = Definitions.merge(
    assets.dbt.dbt_definitions,
    assets.sync.definitions.sync_definitions,
    assets.analytics.definitions.analytics_definitions,
    assets.commissions.definitions.commissions_definitions,
    Definitions(resources={"stores": stores, "dbt": build_dbt_resource(stores)}),
)
