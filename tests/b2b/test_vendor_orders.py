"""The vendor's orders: filters by status and placing day, and the timeline of its part of an order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from api.clock import utcnow
from api.db import Database, Domain
from api.orders.models import Order
from tests.b2b.conftest import Market


def test_filters_and_timeline(market: Market, database: Database) -> None:
    client, ok = market.client, market.ok
    _, me, variant = market.seller()
    _, other, other_variant = market.seller()
    old = market.buy([(variant, 1)])
    new = market.buy([(variant, 2)])
    market.buy([(other_variant, 1)])
    ten_days_ago = utcnow() - timedelta(days=10)
    with database.transaction(Domain.commerce) as session:
        session.execute(update(Order).where(Order.id == old["id"]).values(created_at=ten_days_ago))
    new_part = new["vendor_orders"][0]["id"]

    everything = ok(client.get("/vendor/orders", headers=me))
    assert [o["order_id"] for o in everything["items"]] == [new["id"], old["id"]]
    assert everything["total"] == 2
    recent = ok(client.get("/vendor/orders", params={"from": (utcnow() - timedelta(days=1)).date().isoformat()},
                           headers=me))
    assert [o["order_id"] for o in recent["items"]] == [new["id"]]
    older = ok(client.get("/vendor/orders", params={"to": (utcnow() - timedelta(days=5)).date().isoformat()},
                          headers=me))
    assert [o["order_id"] for o in older["items"]] == [old["id"]]

    market.capture(new["id"])
    ok(client.post(f"/vendor/orders/{new_part}/fulfill", json={"carrier": "DHL", "tracking_number": "TRK-9"},
                   headers=me))
    assert [o["order_id"] for o in ok(client.get("/vendor/orders", params={"status": "fulfilled"},
                                                 headers=me))["items"]] == [new["id"]]
    assert [o["order_id"] for o in ok(client.get("/vendor/orders", params={"status": "pending"},
                                                 headers=me))["items"]] == [old["id"]]

    timeline = ok(client.get(f"/vendor/orders/{new_part}/timeline", headers=me))
    assert [e["event"] for e in timeline] == ["placed", "captured", "fulfilled"]
    assert "TRK-9" in timeline[-1]["detail"]
    assert client.get(f"/vendor/orders/{new_part}/timeline", headers=other).status_code == 404
    assert client.get("/vendor/orders", params={"status": "lost"}, headers=me).status_code == 422
