"""Quotes (requested -> responded -> accepted | rejected | expired) and volume tiers, through HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from api.clock import utcnow
from api.db import Domain
from api.quotes.models import Quote
from tests.b2b.conftest import Market
from tests.conftest import assert_problem

LATER = "2100-01-01T00:00:00Z"


def test_quote_answered_accepted_into_a_cart_at_quoted_prices(market: Market) -> None:
    client, shop = market.client, market.shop
    vendor_a, a_headers, variant_a = market.seller(price=1000)
    _, b_headers, variant_b = market.seller(price=2000)
    buyer = market.customer_headers()
    region = shop.regions["EUR"]["id"]
    shop.ok(client.post("/vendor/volume-pricing", json={"variant_id": variant_a, "currency_code": "EUR",
                                                        "min_quantity": 5, "unit_price": 900}, headers=a_headers), 201)

    assert_problem(client.post("/store/quotes", json={"region_id": region, "items": []}, headers=buyer), 422,
                   "validation-failed")
    assert_problem(client.post("/store/quotes", json={"region_id": region, "items": [{"variant_id": variant_a,
                                                                                       "quantity": 1}]},
                               headers=shop.store), 403, "forbidden")
    quote = shop.ok(client.post("/store/quotes", json={"region_id": region, "message": "Bulk please",
                                                        "items": [{"variant_id": variant_a, "quantity": 20}]},
                                headers=buyer), 201)
    mixed = shop.ok(client.post("/store/quotes", json={"region_id": region, "items": [
        {"variant_id": variant_a, "quantity": 1}, {"variant_id": variant_b, "quantity": 1}]}, headers=buyer), 201)
    assert quote["status"] == "requested" and quote["total"] is None
    assert_problem(client.post(f"/store/quotes/{quote['id']}/accept", headers=buyer), 409, "invalid-state-transition")

    # Only the vendor owning every item may answer; a mixed quote is the admin's.
    assert [q["id"] for q in shop.ok(client.get("/vendor/quotes", headers=a_headers))["items"]] == [quote["id"]]
    answer = {"items": [{"item_id": quote["items"][0]["id"], "unit_price": 750}], "expires_at": LATER,
              "message": "Deal"}
    assert_problem(client.post(f"/vendor/quotes/{mixed['id']}/respond", json=answer, headers=a_headers), 404,
                   "not-found")
    assert_problem(client.post(f"/vendor/quotes/{quote['id']}/respond", json=answer, headers=b_headers), 404,
                   "not-found")
    assert_problem(client.post(f"/vendor/quotes/{quote['id']}/respond", json={**answer, "items": []},
                               headers=a_headers), 422, "validation-failed")
    assert_problem(client.post(f"/vendor/quotes/{quote['id']}/respond",
                               json={**answer, "expires_at": "2001-01-01T00:00:00Z"}, headers=a_headers),
                   422, "validation-failed")
    responded = shop.ok(client.post(f"/vendor/quotes/{quote['id']}/respond", json=answer, headers=a_headers))
    assert (responded["status"], responded["total"]) == ("responded", 15000)
    assert_problem(client.post(f"/vendor/quotes/{quote['id']}/respond", json=answer, headers=a_headers), 409,
                   "invalid-state-transition")

    # Accept: a cart at the quoted price (beating the 900 tier), the line carrying the quote id.
    cart = shop.ok(client.post(f"/store/quotes/{quote['id']}/accept", headers=buyer), 201)
    [line] = cart["items"]
    assert (line["unit_price"], line["quantity"], line["quote_id"]) == (750, 20, quote["id"])
    assert_problem(client.post(f"/store/carts/{cart['id']}/line-items/{line['id']}", json={"quantity": 5},
                               headers=buyer), 409, "conflict")
    assert_problem(client.post(f"/store/quotes/{quote['id']}/accept", headers=buyer), 409, "invalid-state-transition")
    assert shop.ok(client.get(f"/store/quotes/{quote['id']}", headers=buyer))["cart_id"] == cart["id"]
    shop.ok(client.post(f"/store/carts/{cart['id']}", json={"shipping_address": {
        "first_name": "A", "last_name": "B", "address_1": "1 St", "city": "Berlin", "postal_code": "10115",
        "country_code": "DE"}}, headers=buyer))
    option = shop.ok(client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=buyer))[0]
    shop.ok(client.post(f"/store/carts/{cart['id']}/shipping-methods", json={"option_id": option["id"]},
                        headers=buyer))
    order = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer))
    assert order["subtotal"] == 15000 and order["vendor_orders"][0]["vendor_id"] == vendor_a["id"]

    # The admin answers the mixed quote; the buyer rejects it, and then it cannot be accepted.
    admin_answer = {"items": [{"item_id": i["id"], "unit_price": 1} for i in mixed["items"]], "expires_at": LATER}
    shop.ok(client.post(f"/admin/quotes/{mixed['id']}/respond", json=admin_answer, headers=shop.admin))
    assert shop.ok(client.post(f"/store/quotes/{mixed['id']}/reject", headers=buyer))["status"] == "rejected"
    assert_problem(client.post(f"/store/quotes/{mixed['id']}/accept", headers=buyer), 409, "invalid-state-transition")
    assert shop.ok(client.get("/admin/quotes", params={"status": "accepted"}, headers=shop.admin))["total"] == 1


def test_an_expired_quote_cannot_be_accepted(market: Market) -> None:
    client, shop = market.client, market.shop
    _, vendor_headers, variant = market.seller()
    buyer = market.customer_headers()
    quote = shop.ok(client.post("/store/quotes", json={"region_id": shop.regions["EUR"]["id"],
                                                        "items": [{"variant_id": variant, "quantity": 2}]},
                                headers=buyer), 201)
    shop.ok(client.post(f"/vendor/quotes/{quote['id']}/respond", json={
        "items": [{"item_id": quote["items"][0]["id"], "unit_price": 5}], "expires_at": LATER}, headers=vendor_headers))
    with shop.database.transaction(Domain.commerce) as session:
        session.execute(update(Quote).where(Quote.id == quote["id"]).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_problem(client.post(f"/store/quotes/{quote['id']}/accept", headers=buyer), 409, "invalid-state-transition")
    assert shop.ok(client.get(f"/store/quotes/{quote['id']}", headers=buyer))["status"] == "expired"
    assert_problem(client.post(f"/store/quotes/{quote['id']}/reject", headers=buyer), 409, "invalid-state-transition")


def test_volume_tiers_overlap_savings_and_cart_recompute(market: Market) -> None:
    client, shop = market.client, market.shop
    _, vendor_headers, variant = market.seller(price=1000)
    product_id = shop.ok(client.get("/vendor/products", headers=vendor_headers))["items"][0]["id"]
    tiers = "/admin/volume-pricing"

    def tier(body: dict[str, object], headers: dict[str, str] = shop.admin, path: str = tiers) -> object:
        return client.post(path, json={"variant_id": variant, "currency_code": "EUR", **body}, headers=headers)

    ten = shop.ok(tier({"min_quantity": 10, "max_quantity": 49, "unit_price": 900}), 201)
    shop.ok(tier({"min_quantity": 50, "unit_price": 750}, vendor_headers, "/vendor/volume-pricing"), 201)
    assert_problem(tier({"min_quantity": 40, "max_quantity": 60, "unit_price": 1}), 409, "conflict")
    assert_problem(tier({"min_quantity": 1, "max_quantity": 10, "unit_price": 1}), 409, "conflict")
    assert_problem(tier({"min_quantity": 5, "max_quantity": 2, "unit_price": 1}), 422, "validation-failed")
    assert_problem(tier({"min_quantity": 0, "unit_price": 1}), 422, "validation-failed")
    assert_problem(client.patch(f"{tiers}/{ten['id']}", json={"max_quantity": 50}, headers=shop.admin), 409,
                   "conflict")
    shop.ok(tier({"min_quantity": 10, "unit_price": 1100, "currency_code": "USD"}), 201)  # another currency

    pricing = shop.ok(client.get(f"/store/products/{product_id}/volume-pricing", params={"currency_code": "EUR"},
                                 headers=shop.store))
    [row] = pricing["variants"]
    assert row["list_price"] == 1000
    assert [(t["min_quantity"], t["max_quantity"], t["unit_price"], t["saving_amount"], t["saving_percent"])
            for t in row["tiers"]] == [(10, 49, 900, 100, "10.00"), (50, None, 750, 250, "25.00")]
    assert len(shop.ok(client.get(f"/store/products/{product_id}/volume-pricing", headers=shop.store))["variants"]) \
        == 2

    cart = shop.cart()
    url = f"/store/carts/{cart['id']}/line-items"
    cart = shop.ok(client.post(url, json={"variant_id": variant, "quantity": 9}, headers=shop.store))
    assert cart["items"][0]["unit_price"] == 1000
    cart = shop.ok(client.post(url, json={"variant_id": variant, "quantity": 1}, headers=shop.store))
    assert cart["items"][0]["unit_price"] == 900 and cart["subtotal"] == 9000
    line = cart["items"][0]["id"]
    cart = shop.ok(client.post(f"{url}/{line}", json={"quantity": 60}, headers=shop.store))
    assert cart["items"][0]["unit_price"] == 750
    cart = shop.ok(client.post(f"{url}/{line}", json={"quantity": 2}, headers=shop.store))
    assert cart["items"][0]["unit_price"] == 1000
    assert client.delete(f"{tiers}/{ten['id']}", headers=shop.admin).status_code == 204
    assert shop.ok(client.get("/vendor/volume-pricing", headers=vendor_headers))["total"] == 2
