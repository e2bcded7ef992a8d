"""The dbt assets' structure in the Dagster definitions: the split by selector, the partition window passed to
dbt, the full refresh, the groups, the freshness policies and the lineage from the store tables through the
commission run and the payout batch to `payout_ledger`. (The builds themselves run in the other modules.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from dagster import AssetKey, TimeWindow

from assets.commissions.definitions import daily
from assets.dbt import DbtConfig, dbt_args, dbt_models, dbt_partitioned_models, partition_vars
from orchestration.definitions import defs


def _key(name: str) -> AssetKey:
    return AssetKey(["analytics", name])


def test_incremental_models_are_partitioned_and_the_rest_is_not() -> None:
    assert set(dbt_partitioned_models.keys) == {_key("fct_order_lines"), _key("fct_vendor_orders")}
    assert dbt_partitioned_models.partitions_def == daily
    assert dbt_models.partitions_def is None
    assert not set(dbt_models.keys) & set(dbt_partitioned_models.keys)
    assert {_key("vendor_stats"), _key("payout_ledger"), _key("stg_commerce__orders")} <= set(dbt_models.keys)


def test_a_partition_passes_its_window_and_a_full_refresh_drops_it() -> None:
    window = TimeWindow(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    args = dbt_args(DbtConfig(), partition_vars(window))
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"min_date": "2026-02-28T21:00:00+00:00", "max_date": "2026-03-03T00:00:00+00:00"}
    assert dbt_args(DbtConfig(full_refresh=True), partition_vars(window)) == ["build", "--full-refresh"]
    job = defs.resolve_job_def("analytics_full_refresh_job")
    ops = job.get_run_config_for_partition_key(str(daily.get_last_partition_key()))["ops"]
    assert ops == {name: {"config": {"full_refresh": True}} for name in ("dbt_partitioned_models", "dbt_models")}


def test_groups_follow_the_dbt_folders_and_marts_have_freshness_policies() -> None:
    specs = {spec.key: spec for assets_def in (dbt_models, dbt_partitioned_models) for spec in assets_def.specs}
    assert specs[_key("stg_commerce__orders")].group_name == "staging_commerce"
    assert specs[_key("int_order_lines")].group_name == "intermediate"
    assert specs[_key("payout_ledger")].group_name == "marts_finance"
    assert specs[_key("fct_order_lines")].group_name == "marts_core"
    marts = [spec for spec in specs.values() if (spec.group_name or "").startswith("marts_")]
    assert len(marts) >= 10 and all(spec.freshness_policy is not None for spec in marts)
    assert all(spec.freshness_policy is None for spec in specs.values() if spec not in marts)
    assert all(spec.owners for spec in specs.values())


def test_lineage_runs_from_the_store_tables_through_the_commission_run_and_the_payout_batch() -> None:
    graph = defs.resolve_asset_graph()
    upstream: set[AssetKey] = set()
    todo = [_key("payout_ledger")]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in upstream:
                upstream.add(parent)
                todo.append(parent)
    batch = AssetKey(["commissions", "payout_batch"])
    assert {AssetKey(["commissions", "commission_run"]), batch, AssetKey(["commerce", "payouts"]),
            AssetKey(["commerce", "commission_runs"]), AssetKey(["commerce", "order_line_items"]),
            AssetKey(["commerce", "commission_lines"])} <= upstream
    # The mart reads the two tables the batch writes, each drawn downstream of the batch (and of the run).
    assert graph.get(AssetKey(["commerce", "payouts"])).parent_keys == {batch}
    assert graph.get(AssetKey(["commerce", "commission_runs"])).parent_keys == {
        batch, AssetKey(["commissions", "commission_run"])}
