"""The signed-in dashboards keep their session and their reads between requests: a repeat view does no database
work, while a change to what they show, a logout or a deactivated user shows on the very next request."""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from api.auth.models import User
from api.db import Database, Domain
from tests.b2b.conftest import Market, company, employee, market
from tests.commerce.conftest import customer_headers, shop, store_headers
from tests.commerce.test_statement_counts import counted

__all__ = ["customer_headers", "market", "shop", "store_headers"]  # fixtures



def view(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    """`path` as a browser signed in with the login token of `headers` sees it (the session cookie)."""
    token = headers["Authorization"].removeprefix("Bearer ")
    return client.get(path, headers={"Cookie": f"mp_session={token}"}, follow_redirects=False)


def card(html: str, card_id: str) -> str:
    found = re.search(rf'id="{card_id}".*?class="stat-value">([^<]*)<', html, re.S)
    assert found, card_id
    return found.group(1).strip()


def without_database_work(client: TestClient, database: Database, path: str, headers: dict[str, str]) -> str:
    """The page answered without a single statement. A notification of the set-up's own writes may still be on its
    way and move the version once: a few tries give it time to land."""
    for _ in range(5):
        with counted(database) as statements:
            answer = view(client, path, headers)
        assert answer.status_code == 200
        if not statements:
            return str(answer.text)
        time.sleep(0.2)
    raise AssertionError(f"{path} still read the database: {statements}")


def test_a_dashboard_is_kept_until_what_it_shows_changes(client: TestClient, database: Database,
                                                         market: Market) -> None:
    _, admin = company(market)
    first = view(client, "/company-portal", admin)
    assert first.status_code == 200
    assert card(first.text, "card-team") == "1"
    assert card(without_database_work(client, database, "/company-portal", admin), "card-team") == "1"

    employee(market, admin, "buyer")  # a new user and employee row: the next view counts them
    assert card(view(client, "/company-portal", admin).text, "card-team") == "2"


def test_a_kept_session_ends_with_its_logout_or_its_user(client: TestClient, database: Database,
                                                          market: Market) -> None:
    _, admin = company(market)
    without_database_work(client, database, "/company-portal", admin)
    assert client.post("/auth/logout", headers=admin).status_code == 204
    signed_out = view(client, "/company-portal", admin)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")

    _, other = company(market)
    without_database_work(client, database, "/company-portal", other)
    me = client.get("/auth/me", headers=other).json()
    with database.transaction(Domain.commerce) as session:
        session.execute(update(User).where(User.id == me["id"]).values(is_active=False))
    assert view(client, "/company-portal", other).status_code == 303
