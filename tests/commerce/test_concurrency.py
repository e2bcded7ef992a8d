"""N buyers race for the last K units: exactly K orders are placed, nothing is oversold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.commerce.conftest import Shop

BUYERS = 16
UNITS = 5


def test_concurrent_checkouts_for_the_last_units_sell_exactly_that_many(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variant = shop.product(vendor["id"], stock=UNITS)["variants"][0]["id"]
    # Two variants in each cart, added in opposite orders, so that row locks could deadlock if not ordered.
    other = shop.product(vendor["id"], stock=1000)["variants"][0]["id"]
    carts = [
        shop.ready_cart([(variant, 1), (other, 1)] if i % 2 else [(other, 1), (variant, 1)]) for i in range(BUYERS)
    ]
    start = threading.Barrier(BUYERS)

    def checkout(cart_id: str) -> int:
        start.wait()
        # Each call is its own HTTP request, handled in its own worker thread and transaction.
        return client.post(f"/store/carts/{cart_id}/complete", headers=shop.store).status_code

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        statuses = list(pool.map(checkout, [c["id"] for c in carts]))

    assert sorted(statuses) == [200] * UNITS + [409] * (BUYERS - UNITS)
    level = shop.ok(client.get(f"/admin/inventory/{variant}", headers=shop.admin))
    assert (level["stocked_quantity"], level["reserved_quantity"], level["available_quantity"]) == (UNITS, UNITS, 0)
    other_level = shop.ok(client.get(f"/admin/inventory/{other}", headers=shop.admin))
    assert other_level["reserved_quantity"] == UNITS
    assert shop.ok(client.get("/admin/orders", headers=shop.admin))["total"] == UNITS
    # The losers' carts are still open and unchanged: they can buy something else.
    open_carts = [shop.ok(client.get(f"/store/carts/{c['id']}", headers=shop.store)) for c in carts]
    assert sum(c["status"] == "open" for c in open_carts) == BUYERS - UNITS
