"""One seeded world for every analytics test: vendors, products, commission rules and orders placed through
the same services the API uses, spread over a few UTC days; then the commission runs of those days and one
`dbt build`, both through Dagster's `materialize()` against this session's PostgreSQL.

The parent conftest empties every table before each test that touches the database; these tests share
the world instead (a dbt build costs ~10 s), so the override below keeps the tables. Tests that change
the world (a planted wrong line, approvals, payouts) put it back or run last."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dagster import AssetKey, ExecuteInProcessResult, materialize
from sqlalchemy import select, text, update

from api import commerce_seed
from api.auth.models import User
from api.carts.models import Cart
from api.catalog.models import ProductVariant
from api.clock import utcnow
from api.commissions import service as commissions
from api.commissions.models import RuleScope
from api.commissions.schemas import FeeIn, RuleIn
from api.db import Database, DatabaseUrls, Domain
from api.orders.models import Order, VendorOrder
from api.regions.models import Region
from api.vendors.models import Vendor, VendorStatus
from assets.analytics.definitions import orders_expectations
from assets.commissions.definitions import commission_run, daily
from assets.dbt import DBT_ASSETS
from orchestration.resources import StoresResource, build_dbt_resource
from tests.conftest import empty_every_table

RULE_START = datetime(2020, 1, 1, tzinfo=UTC)
ORDERS_PER_DAY = 12
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


@dataclass
class World:
    database: Database
    stores: StoresResource
    vendors: dict[str, str]  # slug -> id
    order_days: list[date]  # days with sales (the stats tests read them)
    plant_day: date  # a day of its own for the planted-wrong-line test
    today: date
    first_day: date
    initial_runs: ExecuteInProcessResult | None = None

    def resources(self) -> dict[str, Any]:
        return {"stores": self.stores, "dbt": build_dbt_resource(self.stores)}

    def run_commissions(self, start: date, end: date) -> ExecuteInProcessResult:
        return materialize([commission_run], resources={"stores": self.stores}, raise_on_error=False,
                           tags={RANGE_START: start.isoformat(), RANGE_END: end.isoformat()})

    def dbt_build(self, partition_key: str | None = None, **kwargs: Any) -> ExecuteInProcessResult:
        """`dbt build` of every model through both dbt assets, for one partition (default: the latest)."""
        return materialize([*DBT_ASSETS, orders_expectations], resources=self.resources(),
                           partition_key=partition_key or daily.get_last_partition_key(), **kwargs)

    def sql(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        with self.database.transaction(Domain.commerce) as session:
            return [dict(row) for row in session.execute(text(statement), params).mappings()]


@pytest.fixture(autouse=True)
def clean_tables() -> None:
    """Keep the shared world (overrides the parent's per-test truncation)."""


def _rules(database: Database, vendors: dict[str, str]) -> None:
    with database.transaction(Domain.commerce) as session:
        commissions.create_rule(session, RuleIn(name="Platform default", scope=RuleScope.platform,
                                                rate=Decimal("0.1000"), valid_from=RULE_START))
        commissions.create_rule(session, RuleIn(
            name="Nordic Oak", scope=RuleScope.vendor, vendor_id=vendors["nordic-oak"], rate=Decimal("0.1250"),
            fixed_fees=[FeeIn(currency_code="EUR", amount=25), FeeIn(currency_code="USD", amount=30)],
            valid_from=RULE_START))
        commissions.create_rule(session, RuleIn(name="Lighting", scope=RuleScope.category, category_id="cat_lighting",
                                                rate=Decimal("0.0750"), priority=1, valid_from=RULE_START))
        commissions.create_rule(session, RuleIn(name="Coffee", scope=RuleScope.category, category_id="cat_coffee",
                                                rate=Decimal("0.1333"), valid_from=RULE_START))


def _orders_on(database: Database, rng: random.Random, day: date, count: int) -> None:
    with database.transaction(Domain.commerce) as session:
        regions = list(session.scalars(select(Region).order_by(Region.name)))
        variants = list(session.scalars(
            select(ProductVariant).join(ProductVariant.product).join(Vendor)
            .where(Vendor.status == VendorStatus.approved).order_by(ProductVariant.sku)))
        customers = list(session.scalars(select(User).where(User.role == "customer").order_by(User.email)))
        for i in range(count):
            order = commerce_seed._place(session, rng, rng.choice(customers), regions[i % 2], variants)
            commerce_seed._progress(session, rng, order)
            when = datetime.combine(day, time(1 + i, 17), tzinfo=UTC)
            session.execute(update(Order).where(Order.id == order.id).values(created_at=when, updated_at=when))
            session.execute(update(VendorOrder).where(VendorOrder.order_id == order.id)
                            .values(created_at=when, updated_at=when))
            session.execute(update(Cart).where(Cart.id == order.cart_id).values(created_at=when, updated_at=when))


@pytest.fixture(scope="session")
def world(urls: DatabaseUrls, database: Database, owner_database: Database) -> Iterator[World]:
    # From empty tables: the test before the first analytics one leaves its rows (each test empties them on entry).
    empty_every_table(owner_database)
    rng = random.Random(20261125)
    with database.transaction(Domain.commerce) as session:
        commerce_seed._catalog(session, rng)
        commerce_seed._customers(session)
        vendors = {v.slug: v.id for v in session.scalars(select(Vendor))}
    _rules(database, vendors)
    today = utcnow().date()
    order_days = [today - timedelta(days=3), today - timedelta(days=2), today - timedelta(days=1)]
    plant_day = today - timedelta(days=6)
    for day in order_days:
        _orders_on(database, rng, day, ORDERS_PER_DAY)
    _orders_on(database, rng, plant_day, 2)
    stores = StoresResource(commerce_url=urls.commerce, content_url=urls.content)
    found = World(database, stores, vendors, order_days, plant_day, today, first_day=plant_day)
    # Ties in the gross split (two lines of one vendor order with equal subtotals) would depend on line order.
    ties = found.sql("""SELECT vendor_order_id FROM commerce.order_line_items
                        GROUP BY vendor_order_id, subtotal HAVING count(*) > 1""")
    assert not ties, "the seed made equal-subtotal lines in one vendor order; change the seed"
    found.initial_runs = found.run_commissions(found.first_day, today)
    assert found.initial_runs.success
    built = found.dbt_build()
    assert built.success
    assert AssetKey(["analytics", "vendor_stats"]) in {e.asset_key for e in built.get_asset_materialization_events()}
    yield found
