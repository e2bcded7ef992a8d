"""SQL statements per request on the main reads and on checkout, pinned: a lazy load in a loop (N+1) or a
lost batch shows up here as a higher count. Counted by a SQLAlchemy `before_cursor_execute` listener on the
app's engine, so every round trip counts (BEGIN/COMMIT are not statements; each transaction's first
statement sets its row-level-security tenant scope)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from api.db import Database
from tests.commerce.conftest import Shop


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The publishable key's actor is looked up again whenever the commerce version moves, which a late
        # notification of the set-up's writes may do at any time: that lookup is not the read's own work.
        if "FROM commerce.api_keys" not in statement:
            seen.append(statement)

    engines = {database.commerce_engine, database.content_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)


def catalog(shop: Shop, products: int) -> list[Any]:
    vendors = [shop.vendor(), shop.vendor()]
    return [shop.product(vendors[i % 2]["id"], variants=3) for i in range(products)]


def test_catalog_reads_cost_a_fixed_number_of_statements_whatever_the_page_size(shop: Shop) -> None:
    made = catalog(shop, 6)
    url = "/store/products"
    shop.ok(shop.client.get("/store/regions", headers=shop.store))  # the publishable key's actor is now known
    for limit in (2, 6):  # the same count for 2 and for 6 products of 3 variants: nothing per row
        params = {"region_id": shop.regions["EUR"]["id"], "limit": str(limit)}
        with counted(shop.database) as cold:
            page = shop.ok(shop.client.get(url, params=params, headers=shop.store))
        assert len(page["items"]) == limit
        assert len(cold) == 9, cold  # scope, region currency, count, page (vendor joined), then images, categories,
        # options, variants (stock joined) and prices: one statement each (selectin loads)
        with counted(shop.database) as warm:
            shop.ok(shop.client.get(url, params=params, headers=shop.store))
        assert warm == []  # a cached answer: no database work at all
    with counted(shop.database) as detail:
        shop.ok(shop.client.get(f"{url}/{made[0]['id']}", params={"currency_code": "EUR"}, headers=shop.store))
    assert len(detail) == 7, detail


def test_content_list_with_depth_costs_one_statement_per_relation(shop: Shop) -> None:
    admin = shop.admin
    body = {"name": "Acme", "slug": "acme", "vendorId": shop.vendor()["id"]}
    tenant = shop.ok(shop.client.post("/api/tenants", json=body, headers=admin), 201)["doc"]
    shop.ok(shop.client.patch(f"/api/tenants/{tenant['id']}", json={"status": "active"}, headers=admin))
    for n in range(5):
        page = shop.ok(shop.client.post("/api/pages", json={"title": f"P{n}", "slug": f"p{n}", "tenant": tenant["id"]},
                                        headers=admin), 201)["doc"]
        shop.ok(shop.client.post(f"/api/pages/{page['id']}/publish", headers=admin))
    with counted(shop.database) as cold:
        docs = shop.ok(shop.client.get("/api/pages", params={"depth": "1", "limit": "5"}))["docs"]
    assert len(docs) == 5 and all(d["tenant"]["id"] == tenant["id"] for d in docs)
    assert len(cold) == 3, cold  # scope, the page of documents (with its total), then every tenant at once
    with counted(shop.database) as warm:
        shop.ok(shop.client.get("/api/pages", params={"depth": "1", "limit": "5"}))
    assert warm == []


def test_checkout_round_trips_do_not_grow_with_the_lines(shop: Shop) -> None:
    made = catalog(shop, 4)
    for vendor_id in {p["vendor_id"] for p in made}:
        shop.shipping_option(vendor_id)
    counts = []
    for lines in ([(made[0]["variants"][0]["id"], 1)],
                  [(p["variants"][i]["id"], 1) for p in made for i in range(3)]):
        cart = shop.ready_cart(lines)
        with counted(shop.database) as seen:
            shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
        counts.append(len(seen))
    assert counts[0] <= CHECKOUT_ONE_LINE, counts
    # Everything is batched: stock (locked and updated in one statement), the commission terms (read with the
    # cart), the new rows and the outbox events (one statement). 11 more lines and a second vendor add
    # no statement.
    assert counts[1] == counts[0], counts


# Scope; the cart locked with its lines, its products' approved categories, the commission rules that may price
# them, its shipping methods and the order's number; the stock; then one statement for the order (authorised, at
# its first version), its vendor orders, order lines, payment, reservations, commission lines, outbox events and the
# cart's new status (`api.batch_write`).
CHECKOUT_ONE_LINE = 4
