from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.clock import utcnow
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain
from api.sync.models import ContentReceivedEvent
from api.sync.receivers import sync_secret
from api.webhooks.models import WebhookDelivery
from connectors.webhooks import signing
from tests.conftest import assert_problem
from tests.sync.conftest import Shop, commerce_link, content_row


def signed(
    settings: Settings, event_id: str, topic: str, data: dict[str, Any], when: datetime | None = None
) -> tuple[str, dict[str, str]]:
    body = json.dumps({"id": event_id, "type": topic, "timestamp": utcnow().isoformat(), "data": data})
    headers = signing.signed_headers(sync_secret(settings), event_id, when or utcnow(), body)
    return body, {**headers, "content-type": "application/json"}


def test_product_create_update_delete_reach_content_by_webhook(
    shop: Shop, pump: Callable[..., int], database: Database
) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Desk Lamp", prices={"EUR": 2500, "USD": 2900}, variants=2)
    pump()
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None
    assert (row["title"], row["handle"], row["status"], row["sync_status"]) == (
        "Desk Lamp", product["handle"], "published", "synced",
    )
    assert row["price_summary"] == {"EUR": {"min": 2500, "max": 2500}, "USD": {"min": 2900, "max": 2900}}
    assert row["source_version"] == product["version"]

    updated = shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Desk Lamp Pro"},
                                       headers=shop.admin))
    pump()
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["title"] == "Desk Lamp Pro" and row["source_version"] == updated["version"]

    assert shop.client.delete(f"/admin/products/{product['id']}", headers=shop.admin).status_code in (200, 204)
    pump()
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["status"] == "archived"


def test_vendor_register_creates_a_draft_tenant_and_approval_activates_it(
    shop: Shop, pump: Callable[..., int], database: Database
) -> None:
    vendor = shop.vendor("acme-tools", approve=False)
    pump()
    tenant = content_row(database, "tenants", "vendor_id = :id", id=vendor["id"])
    assert tenant is not None
    assert (tenant["status"], tenant["slug"], tenant["name"]) == ("draft", "acme-tools", "Acme-Tools")

    shop.ok(shop.client.post(f"/admin/vendors/{vendor['id']}/approve", headers=shop.admin))
    pump()
    assert content_row(database, "tenants", "vendor_id = :id", id=vendor["id"])["status"] == "active"  # type: ignore[index]

    shop.ok(shop.client.post(f"/admin/vendors/{vendor['id']}/suspend", headers=shop.admin))
    pump()
    assert content_row(database, "tenants", "vendor_id = :id", id=vendor["id"])["status"] == "suspended"  # type: ignore[index]


def test_order_placed_becomes_an_order_record(shop: Shop, pump: Callable[..., int], database: Database) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    product = shop.product(vendor["id"])
    cart = shop.ready_cart([(product["variants"][0]["id"], 2)])
    order = shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", json={}, headers=shop.store))
    order = order.get("order", order)
    pump()
    record = content_row(database, "order_records", "order_id = :id", id=order["id"])
    assert record is not None
    assert record["total"] == order["total"] and record["currency"] == "EUR"
    assert record["vendor_ids"] == [vendor["id"]]
    assert record["number"] == f"#{order['display_id']}"


def test_page_published_updates_the_commerce_link(
    shop: Shop, pump: Callable[..., int], database: Database
) -> None:
    vendor = shop.vendor("lamp-house")
    pump()
    tenant = content_row(database, "tenants", "vendor_id = :id", id=vendor["id"])
    assert tenant is not None
    page = shop.ok(shop.client.post("/api/pages", json={"tenant": tenant["id"], "title": "Welcome", "slug": "home",
                                                         "blocks": []}, headers=shop.admin), 201)
    page_id = page["doc"]["id"]
    shop.ok(shop.client.post(f"/api/pages/{page_id}/publish", headers=shop.admin))
    pump()
    link = commerce_link(database, "page", page_id)
    assert link is not None
    assert (link["slug"], link["title"], link["vendor_id"], link["tenant_id"]) == (
        "home", "Welcome", vendor["id"], tenant["id"],
    )


def test_duplicate_and_out_of_order_deliveries_change_nothing(
    shop: Shop, pump: Callable[..., int], database: Database, client: TestClient, sync_settings: Settings
) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Chair")
    first_payload = shop.outbox("product.created")[-1]["payload"]
    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Chair v2"}, headers=shop.admin))
    pump()

    # A duplicate of a delivered event: the receipt says so, nothing changes.
    with database.transaction(Domain.commerce) as session:
        delivered = session.scalars(select(WebhookDelivery).where(WebhookDelivery.topic == "product.updated")).first()
        assert delivered is not None and delivered.status == "delivered"
        delivery_id = delivered.id
    assert client.post(f"/admin/webhooks/deliveries/{delivery_id}/replay", headers=shop.admin).status_code == 200
    pump()
    with database.transaction(Domain.content) as session:
        receipts = session.execute(select(func.count()).select_from(ContentReceivedEvent)).scalar_one()
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["title"] == "Chair v2"

    # The older version arriving late (as a new event) is ignored.
    body, headers = signed(sync_settings, "evt_late_old_version", "product.created", first_payload)
    late = client.post("/api/webhooks/commerce", content=body, headers=headers)
    assert late.status_code == 200 and late.json()["result"] == "unchanged"
    again = client.post("/api/webhooks/commerce", content=body, headers=headers)
    assert again.json()["result"] == "duplicate"
    row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
    assert row is not None and row["title"] == "Chair v2"
    assert receipts >= 2


def test_bad_signature_and_stale_timestamp_are_rejected(
    client: TestClient, sync_settings: Settings, database: Database
) -> None:
    payload = {"id": "vend_x", "name": "X", "slug": "x", "status": "pending", "version": 1}
    body, headers = signed(sync_settings, "evt_1", "vendor.created", payload)
    forged = {**headers, "webhook-signature": signing.signed_headers(signing.new_secret(), "evt_1", utcnow(), body)[
        "webhook-signature"]}
    assert_problem(client.post("/api/webhooks/commerce", content=body, headers=forged), 401, "unauthorized")
    stale = utcnow() - timedelta(minutes=6)
    stale_body, stale_headers = signed(sync_settings, "evt_2", "vendor.created", payload, stale)
    assert_problem(client.post("/api/webhooks/commerce", content=stale_body, headers=stale_headers), 401,
                   "unauthorized")
    assert_problem(client.post("/webhooks/content", content=body, headers={}), 401, "unauthorized")
    assert content_row(database, "tenants", "vendor_id = 'vend_x'") is None

    garbage, garbage_headers = signed(sync_settings, "evt_3", "product.updated", {"id": "prod_1"})
    assert_problem(client.post("/api/webhooks/commerce", content=garbage, headers=garbage_headers), 422,
                   "validation-failed")


def test_a_receiver_down_for_a_while_then_up_ends_with_zero_drift(
    shop: Shop,
    pump: Callable[..., int],
    database: Database,
    urls: DatabaseUrls,
    sync_settings: Settings,
) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    products = [shop.product(vendor["id"], title=f"Item {i}") for i in range(3)]

    content_down = Database(
        DatabaseUrls(commerce=urls.commerce, content="postgresql+psycopg://postgres@127.0.0.1:1/down"),
        sync_settings.model_copy(update={"db_connect_timeout_seconds": 1}),
    )
    with TestClient(create_app(sync_settings, content_down), raise_server_exceptions=False) as down:
        pump(http=down, rounds=1)
    with database.transaction(Domain.commerce) as session:
        failed = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.source == "commerce")))
        assert failed and all(d.status == "pending" and d.last_status_code == 503 for d in failed)
        for delivery in failed:
            delivery.next_attempt_at = utcnow()
    content_down.dispose()

    pump()
    for product in products:
        row = content_row(database, "product_contents", "product_id = :id", id=product["id"])
        assert row is not None and row["title"] == product["title"]
    assert content_row(database, "tenants", "vendor_id = :id", id=vendor["id"]) is not None
    with database.transaction(Domain.commerce) as session:
        statuses = set(session.scalars(select(WebhookDelivery.status)))
    assert statuses == {"delivered"}
