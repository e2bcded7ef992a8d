"""The Stripe provider against localstripe (never Stripe's servers), and the signed, idempotent webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import Database
from connectors.payments import PaymentError, StripeProvider
from tests.commerce.conftest import Shop
from tests.conftest import PROJECT_ROOT, assert_problem

WEBHOOK_SECRET = "whsec_test_secret"
API_KEY = "sk_test_localstripe"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = Path(tmp_path_factory.mktemp("localstripe")) / "localstripe.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / ".venv/bin/localstripe"), "--port", str(port), "--from-scratch"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"localstripe did not start: {log.read_text()}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def stripe_api(localstripe_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url})


@pytest.fixture
def card(stripe_api: stripe.StripeClient) -> str:
    method = stripe_api.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
                                         "cvc": "123"}}
    )
    return method.id


@pytest.fixture
def app(settings: Settings, database: Database, localstripe_url: str) -> FastAPI:
    # Every test of this module runs the app with PAYMENT_PROVIDER=stripe.
    stripe_settings = settings.model_copy(update={
        "payment_provider": "stripe",
        "stripe_api_key": API_KEY,
        "stripe_api_base": localstripe_url,
        "stripe_webhook_secret": WEBHOOK_SECRET,
    })
    return create_app(stripe_settings, database)


def _two_vendor_order(shop: Shop, client: TestClient, card: str) -> tuple[dict[str, Any], list[str]]:
    vendor_ids, variants = [], []
    for price in (2500, 1000):
        vendor = shop.vendor()
        shop.shipping_option(vendor["id"], {"EUR": 0})
        vendor_ids.append(vendor["id"])
        variants.append(shop.product(vendor["id"], prices={"EUR": price})["variants"][0]["id"])
    cart = shop.ready_cart([(v, 1) for v in variants])
    assert cart["total"] == 4200  # 3500 + 20% tax
    order = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", json={"payment_method": card},
                                headers=shop.store))
    return order, vendor_ids


def test_provider_authorise_capture_refund_cancel(stripe_api: stripe.StripeClient, localstripe_url: str,
                                                  card: str) -> None:
    provider = StripeProvider(API_KEY, localstripe_url)
    intent_id = provider.authorize(amount=1500, currency="EUR", reference="order_test", payment_method=card)
    intent = stripe_api.v1.payment_intents.retrieve(intent_id)
    assert (intent.status, intent.amount, intent.currency, intent.capture_method) == (
        "requires_capture", 1500, "eur", "manual")
    provider.capture(intent_id, 1200, "EUR")
    assert stripe_api.v1.payment_intents.retrieve(intent_id).status == "succeeded"
    refund_id = provider.refund(intent_id, 200, "EUR")
    assert stripe_api.v1.refunds.retrieve(refund_id).amount == 200

    other = provider.authorize(amount=800, currency="USD", reference="order_other", payment_method=card)
    provider.cancel(other)
    assert stripe_api.v1.payment_intents.retrieve(other).status == "canceled"
    third = provider.authorize(amount=800, currency="EUR", reference="order_third", payment_method=card)
    with pytest.raises(PaymentError):
        provider.capture(third, 801, "EUR")  # more than authorised
    with pytest.raises(PaymentError):
        provider.authorize(amount=800, currency="EUR", reference="order_x", payment_method=None)


def test_stripe_checkout_captures_on_fulfilment_and_refunds_cancellations(
    shop: Shop, client: TestClient, stripe_api: stripe.StripeClient, card: str
) -> None:
    order, (big, small) = _two_vendor_order(shop, client, card)
    assert order["payment_status"] == "authorized" and order["payment"]["provider"] == "stripe"
    parts = {vo["vendor_id"]: vo for vo in order["vendor_orders"]}
    assert (parts[big]["total"], parts[small]["total"]) == (3000, 1200)

    order = shop.ok(client.post(f"/admin/orders/{order['id']}/vendor-orders/{parts[big]['id']}/fulfill",
                                json={"carrier": "UPS", "tracking_number": "1Z999"}, headers=shop.admin))
    assert order["payment_status"] == "captured" and order["payment"]["captured_amount"] == 4200
    order = shop.ok(client.post(f"/admin/orders/{order['id']}/vendor-orders/{parts[small]['id']}/cancel",
                                headers=shop.admin))
    order = shop.ok(client.post(f"/admin/orders/{order['id']}/refunds", json={"amount": 500}, headers=shop.admin))
    assert order["payment"]["refunded_amount"] == 1700 and order["payment_status"] == "partially_refunded"

    intent_id = _intent_of(stripe_api, order["id"])
    assert stripe_api.v1.payment_intents.retrieve(intent_id).status == "succeeded"
    refunds = [r.amount for r in stripe_api.v1.refunds.list().data if r.payment_intent == intent_id]
    assert sorted(refunds) == [500, 1200]


def test_stripe_checkout_without_a_payment_method_changes_nothing(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variant = shop.product(vendor["id"])["variants"][0]["id"]
    cart = shop.ready_cart([(variant, 1)])
    before = shop.snapshot()
    assert_problem(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store), 400, "bad-request")
    assert shop.snapshot() == before
    assert shop.ok(client.get(f"/store/carts/{cart['id']}", headers=shop.store))["status"] == "open"


def _intent_of(stripe_api: stripe.StripeClient, order_id: str) -> str:
    intents = stripe_api.v1.payment_intents.list().data
    return next(i.id for i in intents if i.metadata.to_dict().get("order_id") == order_id)


def _signed(payload: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"stripe-signature": f"t={timestamp},v1={signature}", "content-type": "application/json"}


def test_webhook_is_verified_and_processed_once(
    shop: Shop, client: TestClient, stripe_api: stripe.StripeClient, card: str
) -> None:
    order, _ = _two_vendor_order(shop, client, card)
    intent_id = _intent_of(stripe_api, order["id"])
    payload = json.dumps({
        "id": "evt_captured_in_dashboard", "object": "event", "type": "payment_intent.succeeded",
        "created": int(time.time()), "livemode": False,
        "data": {"object": {"id": intent_id, "object": "payment_intent", "amount_received": 4200}},
    }).encode()

    assert_problem(client.post("/webhooks/stripe", content=payload, headers=_signed(payload, "whsec_wrong")),
                   400, "bad-request")
    assert_problem(client.post("/webhooks/stripe", content=payload, headers={"content-type": "application/json"}),
                   400, "bad-request")
    tampered = payload.replace(b"4200", b"9999")
    assert_problem(client.post("/webhooks/stripe", content=tampered, headers=_signed(payload)), 400, "bad-request")
    assert shop.ok(client.get(f"/admin/orders/{order['id']}", headers=shop.admin))["payment_status"] == "authorized"

    first = shop.ok(client.post("/webhooks/stripe", content=payload, headers=_signed(payload)))
    second = shop.ok(client.post("/webhooks/stripe", content=payload, headers=_signed(payload)))
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    after = shop.ok(client.get(f"/admin/orders/{order['id']}", headers=shop.admin))
    assert after["payment_status"] == "captured" and after["payment"]["captured_amount"] == 4200
    assert after["version"] == order["version"] + 1
    assert [e["topic"] for e in shop.outbox() if e["entity_id"] == order["id"]] == ["order.placed", "order.updated"]
