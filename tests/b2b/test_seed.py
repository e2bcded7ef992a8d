"""The marketplace and B2B demo data: every state seeded, every order line with its commission line."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import commerce_seed
from api.commissions.models import CommissionLine, CommissionRule
from api.companies.models import Company, CompanyApproval
from api.db import Database, Domain
from api.orders.models import OrderLineItem
from api.payouts.models import Payout
from api.quotes.models import Quote, QuoteStatus
from api.volume_pricing.models import VolumeTier


def test_seed_covers_every_state_and_vendors_can_log_in(
    database: Database, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commerce_seed, "ORDERS", 40)
    lines: list[str] = []
    commerce_seed.seed_commerce(database, lines.append)
    assert any(line.startswith("vendor logins") and "nordic-oak@example.com" in line for line in lines)
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(func.count()).select_from(CommissionRule)) == 3
        assert (session.scalar(select(func.count()).select_from(VolumeTier)) or 0) > 0
        assert session.scalar(select(func.count()).select_from(Company)) == 2
        assert set(session.scalars(select(Quote.status))) == set(QuoteStatus)
        # No commission run is approved yet, so nothing is available to pay out (`api.payouts.balance`).
        assert session.scalar(select(func.count()).select_from(Payout)) == 0
        assert set(session.scalars(select(CompanyApproval.status))) == {"pending", "approved"}
        sale_lines = session.scalar(select(func.count()).select_from(CommissionLine).where(
            CommissionLine.type == "sale"))
        assert sale_lines == session.scalar(select(func.count()).select_from(OrderLineItem))
        assert set(session.scalars(select(CommissionLine.rate))) >= {
            commerce_seed.Decimal("0.1000"), commerce_seed.Decimal("0.0800"), commerce_seed.Decimal("0.1200")}
    response = client.post("/auth/token", json={"email": "nordic-oak@example.com",
                                                "password": commerce_seed.PASSWORD})
    assert response.status_code == 200
    me = client.get("/vendor/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert me.json()["slug"] == "nordic-oak"
    commerce_seed.seed_commerce(database, lines.append)
    assert lines[-2:] == ["commerce catalog already present; skipped", "commerce orders already present; skipped"]
