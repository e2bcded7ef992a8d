from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api import b2b_seed, commerce_seed
from api.db import Database, Domain
from api.orders.models import Order, VendorOrder
from api.payments.models import Payment
from api.vendors.models import Vendor


def test_demo_data_is_consistent_and_seeding_twice_changes_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commerce_seed, "ORDERS", 60)
    lines: list[str] = []
    commerce_seed.seed_commerce(database, lines.append)
    assert "commerce: 60/60 orders" in lines
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(func.count()).select_from(Vendor)) == len(commerce_seed.VENDORS)
        orders = list(session.scalars(select(Order).where(Order.company_id.is_(None))))  # B2B orders come on top
        assert len(orders) == 60
        statuses = {o.status for o in orders} | {o.payment_status for o in orders}
        assert {"canceled", "completed", "captured"} <= statuses
        for order in orders:
            parts = session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all()
            assert sum(vo.total for vo in parts) == order.total
            assert order.total == order.subtotal + order.shipping_total + order.tax_total
            payment = session.scalar(select(Payment).where(Payment.order_id == order.id))
            assert payment is not None and payment.refunded_amount <= payment.captured_amount
        oldest = min(o.created_at for o in orders)
        newest = max(o.created_at for o in orders)
        assert (newest - oldest).days >= 30
    commerce_seed.seed_commerce(database, lines.append)
    assert lines[-2:] == ["commerce catalog already present; skipped", "commerce orders already present; skipped"]


class _Stop(Exception):
    pass


def test_a_history_cut_short_is_completed_by_the_next_run(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commerce_seed, "ORDERS", 100)
    commerce_seed.seed_catalog(database, lambda _: None)

    def stop_after_the_first_batch(line: str) -> None:
        if line == "commerce: 50/100 orders":
            raise _Stop  # as the demo's stop does, between two batches

    with pytest.raises(_Stop):
        commerce_seed.seed_orders(database, stop_after_the_first_batch)
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 50
        assert not b2b_seed.is_seeded(session)

    lines: list[str] = []
    commerce_seed.seed_orders(database, lines.append)
    assert lines[:2] == ["commerce: 50/100 orders from an earlier run; placing the rest", "commerce: 100/100 orders"]
    with database.transaction(Domain.commerce) as session:
        history = select(func.count()).select_from(Order).where(Order.company_id.is_(None))
        assert session.scalar(history) == 100
        assert b2b_seed.is_seeded(session)
    commerce_seed.seed_orders(database, lines.append)
    assert lines[-1] == "commerce orders already present; skipped"
