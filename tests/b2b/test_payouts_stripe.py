"""Stripe Connect payouts against a small stand-in of Stripe's `POST /v1/transfers` (localstripe has no
Connect): the real `stripe` client code, over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI

from api.app import create_app
from api.config import Settings
from api.db import Database
from connectors.payouts import PayoutError, StripeConnectProvider
from tests.b2b.conftest import Market
from tests.conftest import PASSWORD

API_KEY = "sk_test_connect"


class TransfersStandIn(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        if self.path != "/v1/transfers" or self.headers["Authorization"] != f"Bearer {API_KEY}":
            self._answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})
            return
        if form["destination"] == "acct_closed":
            self._answer(400, {"error": {"type": "invalid_request_error", "message": "No such destination"}})
            return
        self.received.append({**form, "idempotency_key": self.headers.get("Idempotency-Key")})
        self._answer(200, {"id": f"tr_{len(self.received)}", "object": "transfer", "amount": int(form["amount"]),
                           "currency": form["currency"], "destination": form["destination"]})


@pytest.fixture(scope="module")
def stripe_base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TransfersStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


@pytest.fixture
def app(settings: Settings, database: Database, stripe_base: str) -> FastAPI:
    return create_app(settings.model_copy(update={
        "payout_provider": "stripe", "stripe_api_key": API_KEY, "stripe_api_base": stripe_base}), database)


def test_provider_transfers_with_the_payout_id_as_idempotency_key(stripe_base: str) -> None:
    provider = StripeConnectProvider(API_KEY, stripe_base)
    reference = provider.transfer(reference="po_abc", amount=1234, currency="EUR", destination="acct_1")
    assert reference.startswith("tr_")
    assert TransfersStandIn.received[-1] == {"amount": "1234", "currency": "eur", "destination": "acct_1",
                                             "transfer_group": "po_abc", "metadata[payout_id]": "po_abc",
                                             "idempotency_key": "payout-po_abc"}
    with pytest.raises(PayoutError, match="No such destination"):
        provider.transfer(reference="po_x", amount=1, currency="EUR", destination="acct_closed")
    with pytest.raises(PayoutError, match="no Stripe Connect account"):
        provider.transfer(reference="po_y", amount=1, currency="EUR", destination=None)


def test_transfers_send_stripe_amounts_for_isk_jpy_kwd_eur(stripe_base: str) -> None:
    provider = StripeConnectProvider(API_KEY, stripe_base)
    for amount, currency, sent in ((5000, "ISK", "500000"), (1234, "JPY", "1234"), (12340, "KWD", "12340"),
                                   (1999, "EUR", "1999")):
        provider.transfer(reference=f"po_{currency.lower()}", amount=amount, currency=currency, destination="acct_1")
        assert (TransfersStandIn.received[-1]["amount"], TransfersStandIn.received[-1]["currency"]) == (
            sent, currency.lower())
    count = len(TransfersStandIn.received)
    with pytest.raises(PayoutError, match="last digit 0"):
        provider.transfer(reference="po_kwd_odd", amount=12345, currency="KWD", destination="acct_1")
    assert len(TransfersStandIn.received) == count  # refused before any call to Stripe


def test_finance_approval_pays_through_stripe_connect(market: Market) -> None:
    client = market.client
    finance = market.finance()
    results, sellers, orders = {}, {}, []
    for account in ("acct_vendor", "acct_closed"):
        _, headers, variant = market.seller(price=10_000)
        market.ok(client.patch("/vendor/me", json={"stripe_account_id": account, "current_password": PASSWORD},
                               headers=headers))
        orders.append(market.buy([(variant, 1)])["id"])
        sellers[account] = headers
    market.settle(*orders)
    for account, headers in sellers.items():
        payout = market.ok(client.post("/vendor/payouts/request", json={"amount": 5000}, headers=headers), 201)
        results[account] = (market.ok(client.post(f"/admin/payouts/{payout['id']}/approve", headers=finance)),
                            headers)
    paid, _ = results["acct_vendor"]
    assert (paid["status"], paid["provider"]) == ("paid", "stripe")
    assert paid["provider_reference"].startswith("tr_")
    assert TransfersStandIn.received[-1]["idempotency_key"] == f"payout-{paid['id']}"
    failed, headers = results["acct_closed"]
    assert (failed["status"], failed["failure_reason"]) == ("failed", "No such destination")
    assert market.ok(client.get("/vendor/payouts/balance", headers=headers))["available"] == 11600
