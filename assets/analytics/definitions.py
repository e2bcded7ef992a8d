"""Analytics: the raw store tables the dbt models read, freshness checks on the marts, the orders
expectations, and the daily schedule that rebuilds the marts (`dbt build`, tests as asset checks).

The dbt models themselves are `assets/dbt.py`; their sources map to the raw tables declared here (and to
the sync assets for the content copies the sync module maintains), so one lineage graph runs from the
stores through sync and staging to the marts that the dashboards read."""

from datetime import timedelta

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    MetadataValue,
    ScheduleDefinition,
    asset_check,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    define_asset_job,
)

from api.db import Domain
from assets.dbt import marketplace_dbt_models
from orchestration.resources import StoresResource

OWNERS = ["team:data"]

# Store tables read by dbt that no other module materialises (the sync module owns content/tenants,
# content/product_contents, content/order_records and commerce/content_links).
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
    "payouts": "Vendor payouts.",
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

MARTS = [
    AssetKey(["analytics", name])
    for name in ("fct_order_lines", "fct_vendor_orders", "dim_vendors", "dim_products", "dim_companies",
                 "vendor_stats", "company_spend", "commission_statements", "payout_ledger")
]

mart_freshness_checks = build_last_update_freshness_checks(
    assets=MARTS, lower_bound_delta=timedelta(days=1), severity=AssetCheckSeverity.ERROR
)
mart_freshness_sensor = build_sensor_for_freshness_checks(
    freshness_checks=mart_freshness_checks, name="mart_freshness_sensor", default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=600,
)


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


analytics_job = define_asset_job(
    "analytics_job",
    selection=AssetSelection.assets(marketplace_dbt_models),
    description="dbt build of every model (tests as asset checks) and the orders expectations.",
)
analytics_schedule = ScheduleDefinition(
    job=analytics_job,
    cron_schedule="30 1 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 01:30 UTC, after the commission run: rebuild the marts.",
)

analytics_definitions = Definitions(
    assets=raw_tables,
    asset_checks=[*mart_freshness_checks, orders_expectations],
    jobs=[analytics_job],
    schedules=[analytics_schedule],
    sensors=[mart_freshness_sensor],
)
