"""E-mail notifications through a real SMTP server on loopback (aiosmtpd): the right recipient and content,
exactly once, and only after the event's transaction committed."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from api.config import Settings
from api.db import Database, Domain
from api.notifications import service
from api.notifications.service import Notifier
from api.payouts.models import Payout
from tests.b2b.conftest import Market, company, customer_headers, employee, market, shop, store_headers
from tests.conftest import free_port

__all__ = ["customer_headers", "market", "shop", "store_headers"]


@dataclass
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content())


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.mails.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"

    def take(self) -> list[Received]:
        with self.lock:
            mails, self.mails = self.mails, []
        return mails


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def notifier(settings: Settings, database: Database, smtp: tuple[Inbox, int]) -> Notifier:
    mail_settings = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp[1]}", "notify_grace_seconds": 0})
    return Notifier(database, mail_settings)


def run_until_idle(notifier: Notifier) -> None:
    while notifier.run_once():
        pass


def drain(notifier: Notifier, inbox: Inbox) -> list[Received]:
    run_until_idle(notifier)
    return inbox.take()


def only(mails: list[Received], to: str) -> Received:
    matching = [m for m in mails if m.to == [to]]
    assert len(matching) == 1, [(m.to, m.subject) for m in mails]
    return matching[0]


def test_vendor_and_order_mails(market: Market, notifier: Notifier, smtp: tuple[Inbox, int]) -> None:
    inbox, _ = smtp
    client, shop = market.client, market.shop
    registration = {"name": "Forge Works", "slug": "forge-works", "email": "owner@forge.example.com",
                    "password": "correct-horse-battery", "full_name": "Fay Forge", "default_currency": "EUR"}
    vendor = market.ok(client.post("/store/vendors/register", json=registration, headers=shop.store), 201)["vendor"]
    mails = drain(notifier, inbox)
    received = only(mails, "owner@forge.example.com")
    assert len(mails) == 1 and received.subject == "We received your vendor application"
    assert "Hello Forge Works" in received.text and "<p>Hello Forge Works,</p>" in received.html
    assert drain(notifier, inbox) == []  # once

    market.ok(client.post(f"/admin/vendors/{vendor['id']}/approve", headers=shop.admin))
    assert only(drain(notifier, inbox), "owner@forge.example.com").subject == "Your vendor application is approved"

    # A buyer's order: a receipt to the buyer, a new-order mail to the vendor; then shipped and refunded.
    shop.shipping_option(vendor["id"], {"EUR": 500})
    variant = shop.product(vendor["id"], prices={"EUR": 2500}, stock=10)["variants"][0]["id"]
    order = market.buy([(variant, 2)])
    mails = drain(notifier, inbox)
    assert len(mails) == 2
    receipt = only(mails, "b@example.com")
    assert receipt.subject == f"Order #{order['display_id']} confirmed"
    assert f"Total: {order['total'] / 100:.2f} EUR" in receipt.text
    assert only(mails, "owner@forge.example.com").subject == f"New order #{order['display_id']} for Forge Works"

    market.capture(order["id"])
    part = order["vendor_orders"][0]["id"]
    market.ok(client.post(f"/admin/orders/{order['id']}/vendor-orders/{part}/fulfill",
                          json={"carrier": "DHL", "tracking_number": "JD0001"}, headers=shop.admin))
    shipped = only(drain(notifier, inbox), "b@example.com")
    assert shipped.subject == f"Order #{order['display_id']} is on its way" and "JD0001" in shipped.text
    market.ok(client.post(f"/admin/orders/{order['id']}/refunds", json={"amount": 1000}, headers=shop.admin))
    refunded = only(drain(notifier, inbox), "b@example.com")
    assert refunded.subject == f"Refund for order #{order['display_id']}" and "10.00 EUR" in refunded.text

    # The vendor turns new-order mails off: the next order mails only the buyer.
    owner = market.login({"email": "owner@forge.example.com", "password": "correct-horse-battery"})
    prefs = market.ok(client.put("/auth/me/notification-preferences", json={"vendor_order_new": False},
                                 headers=owner))
    assert prefs["vendor_order_new"] is False and prefs["order_shipped"] is True
    assert client.put("/auth/me/notification-preferences", json={"password_reset": False},
                      headers=owner).status_code == 422
    market.buy([(variant, 1)])
    assert [m.to for m in drain(notifier, inbox)] == [["b@example.com"]]

    # The local mailbox view lists what was written, for admins only.
    mailbox = market.ok(client.get("/admin/mailbox", params={"recipient": "b@example.com"}, headers=shop.admin))
    assert mailbox["total"] == 4 and {m["status"] for m in mailbox["items"]} == {"sent"}
    assert client.get("/admin/mailbox", headers=owner).status_code == 403


def test_password_reset_and_email_verification(
    market: Market, notifier: Notifier, smtp: tuple[Inbox, int], database: Database, settings: Settings
) -> None:
    inbox, _ = smtp
    client = market.client
    user = market.make_user(email="grace@example.com")
    headers = market.login(user)

    # Nothing is mailed for an event whose transaction rolled back.
    with pytest.raises(RuntimeError), database.transaction(Domain.commerce) as session:
        service.request_password_reset(session, "grace@example.com")
        raise RuntimeError("rolled back")
    assert drain(notifier, inbox) == []

    assert client.post("/auth/password-reset", json={"email": "nobody@example.com"}).status_code == 202
    assert client.post("/auth/password-reset", json={"email": "Grace@Example.com"}).status_code == 202
    mail = only(drain(notifier, inbox), "grace@example.com")
    assert mail.subject == "Reset your password"
    token = re.search(r"reset-password\?token=([\w-]+)", mail.text)
    assert token is not None
    new_password = "a-brand-new-password"
    assert client.post("/auth/password-reset/confirm", json={"token": token[1], "password": new_password}
                       ).status_code == 204
    assert client.get("/auth/me", headers=headers).status_code == 401  # old logins ended
    assert client.post("/auth/password-reset/confirm", json={"token": token[1], "password": new_password}
                       ).status_code == 422  # once
    headers = market.login({"email": "grace@example.com", "password": new_password})

    assert client.post("/auth/verify-email/request", headers=headers).status_code == 202
    mail = only(drain(notifier, inbox), "grace@example.com")
    token = re.search(r"verify-email\?token=([\w-]+)", mail.text)
    assert mail.subject == "Confirm your e-mail address" and token is not None
    verified = market.ok(client.post("/auth/verify-email", json={"token": token[1]}))
    assert verified["email"] == "grace@example.com" and verified["email_verified_at"]
    assert client.post("/auth/verify-email", json={"token": "not-a-real-token"}).status_code == 422


def test_b2b_mails(market: Market, notifier: Notifier, smtp: tuple[Inbox, int], database: Database) -> None:
    inbox, _ = smtp
    client, shop = market.client, market.shop
    platform_admin = client.get("/auth/me", headers=shop.admin).json()["email"]
    created, company_admin = company(market, credit_limit=100_000)
    me = client.get("/auth/me", headers=company_admin).json()["email"]
    mails = drain(notifier, inbox)
    assert only(mails, platform_admin).subject == f"Company registration to review: {created['name']}"
    assert only(mails, me).subject == f"{created['name']}: registration approved"

    vendor, vendor_headers, variant = market.seller(price=40_000)
    vendor_email = vendor["email"]
    drain(notifier, inbox)
    _, buyer = employee(market, company_admin, "buyer", spending_limit=10_000)
    cart = shop.ready_cart([(variant, 1)], headers=buyer)
    approval = market.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer), 202)
    waiting = only(drain(notifier, inbox), me)  # the company admin approves; the requester is not asked
    assert waiting.subject == f"An order of {approval['amount'] / 100:.2f} EUR waits for your approval"

    quote = market.ok(client.post("/store/quotes", json={"region_id": shop.regions["EUR"]["id"],
                                                          "items": [{"variant_id": variant, "quantity": 10}]},
                                  headers=buyer), 201)
    assert only(drain(notifier, inbox), vendor_email).subject == f"New quote request {quote['id']}"
    market.ok(client.post(f"/admin/quotes/{quote['id']}/respond", json={
        "items": [{"item_id": quote["items"][0]["id"], "unit_price": 35_000}], "expires_at": "2099-01-01T00:00:00Z",
    }, headers=shop.admin))
    buyer_email = client.get("/auth/me", headers=buyer).json()["email"]
    assert only(drain(notifier, inbox), buyer_email).subject == f"Your quote {quote['id']} is answered"

    # A payout paid by finance mails the vendor (the payout row stands for an approved request; what is payable is
    # the payouts module's concern, tested there).
    with database.transaction(Domain.commerce) as session:
        payout = Payout(vendor_id=vendor["id"], amount=12_345, currency_code="EUR", status="requested")
        session.add(payout)
        session.flush()
        payout_id = payout.id
    market.ok(client.post(f"/admin/payouts/{payout_id}/approve", headers=market.finance()))
    paid = only(drain(notifier, inbox), vendor_email)
    assert paid.subject == "Payout of 123.45 EUR sent" and payout_id in paid.text
    assert vendor_headers


def test_two_notifiers_send_each_mail_once(
    market: Market, notifier: Notifier, smtp: tuple[Inbox, int], database: Database
) -> None:
    inbox, _ = smtp
    users = [market.make_user(email=f"user-{n}@example.com") for n in range(12)]
    for user in users:
        assert market.client.post("/auth/password-reset", json={"email": user["email"]}).status_code == 202
    second = Notifier(database, notifier.settings)
    workers = [threading.Thread(target=run_until_idle, args=(n,)) for n in (notifier, second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(m.to[0] for m in inbox.take()) == sorted(u["email"] for u in users)
