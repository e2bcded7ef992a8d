"""Finding 8: a suspended vendor cannot request payouts or move its payout account; moving it needs the
current password and is audited and notified; a domain belongs to one tenant; a draft tenant's media is not
cached publicly; guests sharing one publishable key do not share idempotency answers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.b2b.conftest import Market
from tests.conftest import PASSWORD, assert_problem
from tests.content.conftest import TenantCtx, upload


def test_a_suspended_vendor_cannot_request_payouts_or_move_its_payout_account(market: Market) -> None:
    client, shop = market.client, market.shop
    vendor, headers, variant = market.seller(price=10_000)
    market.buy([(variant, 1)])
    shop.ok(client.post(f"/admin/vendors/{vendor['id']}/suspend", headers=shop.admin))

    refused = client.post("/vendor/payouts/request", json={"amount": 5000}, headers=headers)
    assert_problem(refused, 409, "conflict")
    assert market.ok(client.get("/vendor/payouts", headers=headers))["items"] == []

    moved = client.patch(
        "/vendor/me", json={"stripe_account_id": "acct_thief", "current_password": PASSWORD}, headers=headers
    )
    assert_problem(moved, 409, "conflict")
    assert market.ok(client.get("/vendor/me", headers=headers))["stripe_account_id"] is None


def test_moving_the_payout_account_needs_the_password_and_is_audited_and_notified(market: Market) -> None:
    client, shop = market.client, market.shop
    vendor, headers, _ = market.seller()
    for body in ({"stripe_account_id": "acct_new"}, {"stripe_account_id": "acct_new", "current_password": "wrong"}):
        problem = assert_problem(client.patch("/vendor/me", json=body, headers=headers), 403, "forbidden")
        assert "current password" in problem["detail"]
    assert market.ok(client.get("/vendor/me", headers=headers))["stripe_account_id"] is None
    # Other fields need no password.
    assert market.ok(client.patch("/vendor/me", json={"name": "Renamed"}, headers=headers))["name"] == "Renamed"

    moved = market.ok(
        client.patch("/vendor/me", json={"stripe_account_id": "acct_new", "current_password": PASSWORD},
                     headers=headers)
    )
    assert moved["stripe_account_id"] == "acct_new"
    audit = market.ok(client.get("/admin/audit-log", params={"limit": 200}, headers=shop.admin))["items"]
    assert "vendor.payout_account_changed" in [e["action"] for e in audit]
    assert PASSWORD not in str(audit)
    [event] = shop.outbox("payout_account.changed")
    assert event["entity_id"] == vendor["id"]
    assert event["payload"]["current"] == "acct_..._new"
    assert event["payload"]["changed_by"]


def test_a_domain_belongs_to_one_tenant(
    client: TestClient, make_tenant: Callable[..., TenantCtx], admin_headers: dict[str, str]
) -> None:
    first, second = make_tenant("first"), make_tenant("second")
    claimed = client.patch(f"/api/tenants/{first.id}", json={"domains": ["shop.first.com"]},
                           headers=first.headers)
    assert claimed.status_code == 200, claimed.text
    for who in (second.headers, admin_headers):
        clash = client.patch(f"/api/tenants/{second.id}", json={"domains": ["Shop.First.com"]}, headers=who)
        assert_problem(clash, 409, "conflict")
    assert client.get(f"/api/tenants/{second.id}", headers=admin_headers).json()["domains"] == []
    # Released, the domain may be claimed by another tenant.
    released = client.patch(f"/api/tenants/{first.id}", json={"domains": []}, headers=first.headers)
    assert released.status_code == 200
    taken = client.patch(f"/api/tenants/{second.id}", json={"domains": ["shop.first.com"]},
                         headers=second.headers)
    assert taken.status_code == 200, taken.text


def test_a_draft_tenants_media_is_never_cached_publicly(
    client: TestClient, make_tenant: Callable[..., TenantCtx]
) -> None:
    draft, active = make_tenant("drafty", status="draft"), make_tenant("live")
    private = upload(client, draft.headers).json()["doc"]
    served = client.get(private["sizes"]["card"]["url"], headers=draft.headers)
    assert served.status_code == 200
    assert served.headers["cache-control"] == "private, no-store"
    assert_problem(client.get(private["sizes"]["card"]["url"]), 404, "not-found")  # not for the public
    public = upload(client, active.headers).json()["doc"]
    assert client.get(public["url"]).headers["cache-control"] == "public, max-age=31536000, immutable"


def test_guests_sharing_a_publishable_key_do_not_share_idempotent_answers(app: FastAPI, market: Market) -> None:
    shop = market.shop
    region = shop.regions["EUR"]["id"]
    body = {"region_id": region}
    first, other = TestClient(app, client=("198.51.100.1", 1111)), TestClient(app, client=("198.51.100.2", 2222))
    with first, other:
        headers = {**shop.store, "Idempotency-Key": "1"}
        mine = first.post("/store/carts", json=body, headers=headers)
        theirs = other.post("/store/carts", json=body, headers=headers)
        assert mine.status_code == theirs.status_code == 201
        assert "idempotent-replayed" not in theirs.headers
        assert mine.json()["id"] != theirs.json()["id"]
        # Same address, two carts, the same key: each cart's call stands on its own.
        _, _, variant = market.seller()
        line = {"variant_id": variant, "quantity": 1}
        one = first.post(f"/store/carts/{mine.json()['id']}/line-items", json=line, headers={**shop.store,
                         "Idempotency-Key": "line"})
        two = first.post(f"/store/carts/{theirs.json()['id']}/line-items", json=line, headers={**shop.store,
                         "Idempotency-Key": "line"})
        assert one.status_code == two.status_code == 200, two.text
