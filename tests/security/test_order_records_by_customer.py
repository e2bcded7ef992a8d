"""Finding 5: content order records are linked to customers by customer id only: registering with a guest's
email (emails are not verified) shows none of that guest's orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from api.auth.models import Role
from api.content.orders.service import CommerceOrder, upsert_from_commerce
from api.db import Database, Domain


def _record(database: Database, order_id: str, email: str, customer_id: str | None) -> None:
    with database.transaction(Domain.content) as session:
        upsert_from_commerce(
            session,
            CommerceOrder.model_validate(
                {
                    "orderId": order_id,
                    "number": f"#{order_id}",
                    "customerId": customer_id,
                    "customerEmail": email,
                    "total": 1000,
                    "currency": "EUR",
                    "status": "pending",
                    "placedAt": datetime(2026, 11, 1, tzinfo=UTC),
                }
            ),
        )


def test_a_guest_order_is_not_shown_to_whoever_registers_its_email(
    client: TestClient,
    database: Database,
    make_user: Callable[..., dict[str, Any]],
    login: Callable[..., dict[str, str]],
) -> None:
    _record(database, "order_guest", "victim@example.com", None)
    impostor = make_user(Role.customer, email="victim@example.com")
    headers = login(impostor)
    listed = client.get("/api/orders", headers=headers)
    assert listed.status_code == 200, listed.text
    assert listed.json()["docs"] == []
    assert "order_guest" not in listed.text

    # Orders placed under the customer's own id are theirs, whatever email they carry.
    _record(database, "order_own", "someone-else@example.com", impostor["id"])
    mine = client.get("/api/orders", headers=headers).json()["docs"]
    assert [d["orderId"] for d in mine] == ["order_own"]
    assert mine[0]["customerId"] == impostor["id"]


def test_another_customers_order_with_the_same_email_stays_hidden(
    client: TestClient,
    database: Database,
    make_user: Callable[..., dict[str, Any]],
    login: Callable[..., dict[str, str]],
) -> None:
    owner = make_user(Role.customer, email="shared@example.com")
    _record(database, "order_owner", "shared@example.com", owner["id"])
    other = make_user(Role.customer)
    assert client.get("/api/orders", headers=login(other)).json()["docs"] == []
    assert [d["orderId"] for d in client.get("/api/orders", headers=login(owner)).json()["docs"]] == ["order_owner"]
