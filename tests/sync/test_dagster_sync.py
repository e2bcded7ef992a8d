from __future__ import annotations

import json
from collections.abc import Callable

from dagster import AssetKey, AssetSelection, DagsterInstance, SensorResult, build_sensor_context, materialize
from sqlalchemy import text

from api.db import Database, DatabaseUrls, Domain
from assets.commissions.definitions import daily
from assets.dbt import DBT_ASSETS
from assets.sync.definitions import (
    content_links,
    drift_repair,
    order_records,
    outbox_sync_sensor,
    product_contents,
    reconciliation_has_no_old_drift,
    tenants,
)
from orchestration.resources import StoresResource, build_dbt_resource
from tests.sync.conftest import Shop, commerce_link, content_row


def _stores(urls: DatabaseUrls) -> StoresResource:
    return StoresResource(commerce_url=urls.commerce, content_url=urls.content)


def test_products_vendors_and_orders_reach_content_by_the_dagster_path(
    shop: Shop, urls: DatabaseUrls, database: Database
) -> None:
    shop.region("EUR")
    vendor = shop.vendor("dagster-vendor")
    product = shop.product(vendor["id"], title="Stool")
    stores = _stores(urls)

    result = materialize([tenants, product_contents, order_records], resources={"stores": stores})
    assert result.success
    metadata = result.asset_materializations_for_node("content__product_contents")[0].metadata
    assert metadata["applied"].value == 1
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["title"] == "Stool" and row["source_version"] == product["version"]
    tenant = content_row(database, "tenants", "vendor_id = :id", id=vendor["id"])
    assert tenant is not None and tenant["status"] == "active"

    # Incremental: nothing changed since the cursor, nothing is applied; a change is picked up.
    again = materialize([product_contents], resources={"stores": stores})
    assert again.asset_materializations_for_node("content__product_contents")[0].metadata["applied"].value == 0
    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Stool II"}, headers=shop.admin))
    materialize([product_contents], resources={"stores": stores})
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["title"] == "Stool II"


def test_content_links_reach_commerce_by_the_dagster_path(
    shop: Shop, urls: DatabaseUrls, database: Database
) -> None:
    vendor = shop.vendor("linked-vendor")
    stores = _stores(urls)
    assert materialize([tenants], resources={"stores": stores}).success
    tenant = content_row(database, "tenants", "vendor_id = :id", id=vendor["id"])
    assert tenant is not None
    shop.ok(shop.client.patch(f"/api/tenants/{tenant['id']}", json={"tagline": "Lamps for all",
                                                                    "branding": {"primaryColor": "#112233"}},
                              headers=shop.admin))
    assert materialize([content_links], resources={"stores": stores}).success
    link = commerce_link(database, "tenant", tenant["id"])
    assert link is not None
    assert (link["vendor_id"], link["tagline"], link["branding"]["primaryColor"]) == (
        vendor["id"], "Lamps for all", "#112233",
    )


def test_the_sensor_requests_a_sync_for_entities_with_new_events(shop: Shop, urls: DatabaseUrls) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    shop.product(vendor["id"])
    # The stores resource is a context manager (it tags log lines with the run id): open the contexts with `with`.
    with DagsterInstance.ephemeral() as instance, build_sensor_context(
        instance=instance, resources={"stores": _stores(urls)}
    ) as context:
        result = outbox_sync_sensor(context)
        assert isinstance(result, SensorResult) and result.run_requests and result.cursor
        assert len(result.run_requests) == 1
        selection = set(result.run_requests[0].asset_selection or [])
        assert {AssetKey(["content", "product_contents"]), AssetKey(["content", "tenants"])} <= selection
        cursor = json.loads(result.cursor)
        assert cursor["commerce"] > 0

        with build_sensor_context(instance=instance, cursor=result.cursor,
                                  resources={"stores": _stores(urls)}) as again:
            quiet = outbox_sync_sensor(again)
        assert isinstance(quiet, SensorResult) and not quiet.run_requests


def test_reconciliation_finds_a_planted_drift_and_the_repair_clears_it(
    shop: Shop, urls: DatabaseUrls, database: Database, pump: Callable[..., int]
) -> None:
    shop.region("EUR")
    vendor = shop.vendor("drifty")
    products = [shop.product(vendor["id"], title=f"Thing {i}") for i in range(3)]
    pump()
    stores = _stores(urls)
    resources = {"stores": stores, "dbt": build_dbt_resource(stores)}
    built = materialize([*DBT_ASSETS, reconciliation_has_no_old_drift], resources=resources,
                        partition_key=daily.get_last_partition_key())
    assert built.success
    check = next(c for c in built.get_asset_check_evaluations() if c.check_name == "reconciliation_has_no_old_drift")
    assert check.passed

    tampered = products[1]["id"]
    with database.transaction(Domain.content) as session:
        session.execute(
            text("UPDATE content.product_contents SET title = 'tampered', updated_at = now() - interval '2 hours' "
                 "WHERE product_id = :id"),
            {"id": tampered},
        )
    with database.transaction(Domain.commerce) as session:
        drifts = session.execute(text("SELECT entity_type, entity_id, drift_kind, field, drift_age_seconds "
                                      "FROM analytics.reconciliation")).all()
    assert [(d[0], d[1], d[2], d[3]) for d in drifts] == [("product", tampered, "field_mismatch", "title")]
    assert drifts[0][4] >= 7000

    failing = materialize([reconciliation_has_no_old_drift], resources=resources, raise_on_error=False,
                          selection=AssetSelection.checks(reconciliation_has_no_old_drift))
    [evaluation] = failing.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.metadata["drifts_older_than_tolerance"].value == 1

    repaired = materialize([drift_repair], resources=resources)
    assert repaired.asset_materializations_for_node("sync__drift_repair")[0].metadata["repaired"].value == 1
    row = content_row(database, "product_contents", "product_id = :id", id=tampered)
    assert row is not None and row["title"] == "Thing 1"
    with database.transaction(Domain.commerce) as session:
        assert session.execute(text("SELECT count(*) FROM analytics.reconciliation")).scalar_one() == 0
    # The other products were not touched by the repair.
    untouched = content_row(database, "product_contents", "product_id = :id", id=products[0]["id"])
    assert untouched is not None and untouched["source_version"] == products[0]["version"]
