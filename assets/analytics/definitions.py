"""Analytics: the raw store tables the dbt models read, the orders expectations, the daily job that
rebuilds the marts (`dbt build`, tests as asset checks) and the job that rebuilds them from scratch.

The dbt models themselves are `assets/dbt.py` (with their freshness policies); their sources map to the raw
tables declared here, to the sync assets for the content copies the sync module maintains, and to the
tables the commission run and the payout batch write (`commerce/commission_runs`, `commerce/payouts`, declared
by the commissions module), so one lineage graph runs from the stores through the commission run and the payout
batch to the marts the dashboards read (`payout_ledger`, `vendor_balances`).

Where content has a database of its own (`content_replicated()`), the dbt content sources are the copies kept by
`content_replica` (`assets/analytics/content_replica.py`): the analytics jobs copy before they build, and a
schedule keeps the copies (so the reconciliation and sync status views) within ten minutes of the store."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DefaultScheduleStatus,
    Definitions,
    MetadataValue,
    ScheduleDefinition,
    asset_check,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from api.db import Domain
from assets.analytics.content_replica import content_replica, content_replica_matches
from assets.commissions.definitions import daily
from assets.dbt import DBT_ASSETS, dbt_models, dbt_partitioned_models
from orchestration.resources import StoresResource, content_replicated

OWNERS = ["team:data"]

# Store tables read by dbt that no other module materialises (the sync module owns content/tenants,
# content/product_contents, content/order_records and commerce/content_links; the commissions module
# commerce/commission_runs, commerce/payouts and the payout batch tables).
COMMERCE_TABLES = {
    "users": "Login identities (customers, employees, vendor users, admins, finance).",
    "audit_log": "Append-only audit log of mutating actions.",
    "outbox_events": "Transactional outbox of the commerce store.",
    "vendors": "Vendors (tenants of the marketplace), with status and commission rate.",
    "products": "Catalog products, one vendor each.",
    "product_variants": "Sellable variants of products.",
    "variant_prices": "Variant prices per currency, minor units.",
    "product_categories": "Product-to-category links.",
    "regions": "Selling regions with currency and tax rate.",
    "carts": "Shopping carts.",
    "orders": "Orders placed at checkout.",
    "vendor_orders": "The part of each order one vendor fulfils.",
    "order_line_items": "Order lines with price and quantity frozen at checkout.",
    "payments": "Payments of orders.",
    "refunds": "Refunds with their allocation to vendor orders.",
    "inventory_levels": "Stock per variant.",
    "shipping_options": "Vendor shipping options.",
    "commission_rules": "Commission rules: platform default, per vendor, per category, with validity windows.",
    "commission_lines": "Commission ledger recorded at checkout (sales and reversals).",
    "companies": "Buyer companies.",
    "company_employees": "Company employees and their spending limits.",
}
CONTENT_TABLES = {
    "outbox_events": "Transactional outbox of the content store.",
    "categories": "Product categories with descriptions.",
    "pages": "Tenant pages with blocks, drafts and versions.",
    "blog_posts": "Tenant blog posts.",
    "media": "Uploaded media.",
    "navigation_menus": "Tenant navigation menus.",
}

raw_tables = [
    AssetSpec(key=AssetKey([Domain.commerce.value, name]),
              description=f"Commerce store table `commerce.{name}`: {text}",
              group_name="commerce_store", owners=["team:commerce"], kinds={"postgres"})
    for name, text in COMMERCE_TABLES.items()
] + [
    AssetSpec(key=AssetKey([Domain.content.value, name]), description=f"Content store table `content.{name}`: {text}",
              group_name="content_store", owners=["team:content"], kinds={"postgres"})
    for name, text in CONTENT_TABLES.items()
]

@asset_check(
    asset=AssetKey(["analytics", "fct_order_lines"]),
    name="orders_expectations",
    blocking=True,
    description="Great Expectations suite `orders` over every order line of the commerce store: prices add up, "
    "currencies are ISO 4217, no order is dated in the future.",
)
def orders_expectations(stores: StoresResource) -> AssetCheckResult:
    from quality import suites

    with stores.database.transaction(Domain.commerce) as session:
        result = suites.validate(suites.ORDERS, suites.orders_frame(session))
    return AssetCheckResult(
        passed=result.success,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "rows": result.rows,
            "failed": MetadataValue.json([r["rule"] for r in result.failed]),
            "results": MetadataValue.md(result.as_markdown()),
        },
    )


REPLICA = [content_replica] if content_replicated() else []
replica_job = define_asset_job(
    "content_replica_job",
    selection=AssetSelection.assets(content_replica),
    description="Copies the content tables dbt reads into the analytics database (content in its own database).",
)
replica_schedule = ScheduleDefinition(
    name="content_replica_every_10_minutes",
    job=replica_job,
    cron_schedule="*/10 * * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Keeps the copy of the content tables, and so the reconciliation, within ten minutes of the store.",
)

analytics_job = define_asset_job(
    "analytics_job",
    selection=AssetSelection.assets(*REPLICA, *DBT_ASSETS),
    partitions_def=daily,
    description="dbt build of every model (tests as asset checks) and the orders expectations; the incremental "
    "models re-merge the partition's day on top of their lookback.",
)
analytics_schedule = build_schedule_from_partitioned_job(
    analytics_job,
    hour_of_day=1,
    minute_of_hour=30,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 01:30 UTC, after the commission run: rebuild the marts (yesterday's partition).",
)
FULL_REFRESH = {"config": {"full_refresh": True}}
analytics_full_refresh_job = define_asset_job(
    "analytics_full_refresh_job",
    selection=AssetSelection.assets(*REPLICA, *DBT_ASSETS),
    partitions_def=daily,
    config={"ops": {dbt_partitioned_models.op.name: FULL_REFRESH, dbt_models.op.name: FULL_REFRESH,
                    **({content_replica.op.name: {"config": {"full": True}}} if REPLICA else {})}},
    description="`dbt build --full-refresh`: rebuild every mart from scratch, the incremental ones included "
    "(any partition; the window is ignored). Launch it from the UI after a model change or a repair.",
)

analytics_definitions = Definitions(
    assets=[*raw_tables, *REPLICA],
    asset_checks=[orders_expectations, *([content_replica_matches] if REPLICA else [])],
    jobs=[analytics_job, analytics_full_refresh_job, *([replica_job] if REPLICA else [])],
    schedules=[analytics_schedule, *([replica_schedule] if REPLICA else [])],
)
