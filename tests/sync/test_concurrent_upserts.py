"""Two deliveries that create the same content row at once (the webhook and the sync job, or the sync and a
vendor's first write) take turns: the second waits for the first to commit, then updates the row it finds
instead of inserting it again (which failed on the row's unique key, a 500 to the webhook's sender)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.content.orders import service as order_records
from api.content.orders.models import OrderRecord
from api.content.products import service as product_contents
from api.content.products.models import ProductContent
from api.content.tenants import service as tenants
from api.content.tenants.models import Tenant, TenantStatus
from api.db import Database, Domain


def order_write(session: Session, version: int) -> Any:
    return order_records.upsert_from_commerce(session, order_records.CommerceOrder.model_validate({
        "orderId": "order_race", "number": "#1", "total": 1200 * version, "currency": "EUR", "status": "pending",
        "placedAt": "2026-05-01T10:00:00Z"}), version=version)


def product_write(session: Session, version: int) -> Any:
    return product_contents.upsert_from_commerce(session, product_contents.CommerceProduct.model_validate({
        "productId": "prod_race", "title": f"Chair v{version}", "handle": "chair"}), version=version)


def tenant_write(session: Session, version: int) -> Any:
    return tenants.upsert_from_vendor(session, vendor_id="vend_race", name="Race", slug="race",
                                      status=TenantStatus.active, version=version)


@pytest.mark.parametrize(("write", "model", "column", "key"), [
    (order_write, OrderRecord, OrderRecord.order_id, "order_race"),
    (product_write, ProductContent, ProductContent.product_id, "prod_race"),
    (tenant_write, Tenant, Tenant.vendor_id, "vend_race"),
], ids=["order record", "product content", "tenant"])
def test_two_writers_of_a_new_row_take_turns(
    database: Database, write: Callable[[Session, int], Any], model: Any, column: Any, key: str
) -> None:
    def second_delivery() -> Any:
        with database.transaction(Domain.content) as session:
            return write(session, 2)

    with ThreadPoolExecutor(1) as pool:
        with database.transaction(Domain.content) as first:
            assert write(first, 1) is not None  # the row exists, uncommitted
            second = pool.submit(second_delivery)
            time.sleep(0.5)
            assert not second.done(), "the second writer did not wait for the first"
        assert second.result(timeout=10) is not None  # version 2 applied over version 1

    with database.transaction(Domain.content) as session:
        assert session.scalar(select(func.count()).select_from(model).where(column == key)) == 1
        assert session.scalar(select(model.source_version).where(column == key)) == 2
