"""Marts you can rebuild and trust, on the shared world (real `dbt build` through `materialize()`):

- the payable balance in `payout_ledger` / `vendor_balances` equals, to the cent and for every vendor and
  currency, the one definition (`api/payouts/balance.py`);
- a transaction that commits while a build runs (its `updated_at` earlier than the newest change that build
  saw) is in the incremental marts after the next build, and a row gone from the store leaves them.

Each test rebuilds only the models it checks (one dbt invocation each)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import psycopg
from dagster import AssetKey, AssetSelection, ExecuteInProcessResult, materialize
from sqlalchemy import select, text

from api import commerce_seed
from api.auth.models import User
from api.catalog.models import ProductVariant
from api.commission_runs import service as runs_service
from api.db import Domain, libpq_url
from api.payouts import balance as balances
from api.payouts.models import Payout
from api.regions.models import Region
from api.vendors.models import Vendor, VendorStatus
from assets.commissions.definitions import daily
from assets.dbt import dbt_models, dbt_partitioned_models
from tests.analytics.conftest import World

PARTS = ("uncaptured", "pending", "available", "in_payout", "paid")


def payable_by_the_module(world: World) -> dict[tuple[str, str], dict[str, int]]:
    """The one payable-balance definition (`api/payouts/balance.py`), per (vendor, currency)."""
    with world.database.transaction(Domain.commerce) as session:
        return {(b.vendor_id, b.currency_code): {part: int(getattr(b, part)) for part in PARTS}
                for b in balances.balances(session)}


def build_models(world: World, *names: str) -> ExecuteInProcessResult:
    """`dbt build` of just these unpartitioned models (their upstream views exist since the world's build)."""
    selection = AssetSelection.assets(*(AssetKey(["analytics", name]) for name in names))
    return materialize([dbt_models], selection=selection, resources=world.resources())


def build_incremental(world: World) -> ExecuteInProcessResult:
    """`dbt build` of the incremental marts for the latest partition (yesterday's window)."""
    return materialize([dbt_partitioned_models], resources=world.resources(),
                       partition_key=daily.get_last_partition_key())


def test_the_payable_balance_of_the_mart_equals_the_definition_for_every_vendor(world: World) -> None:
    # Approve the runs of the first two sale days if they are still drafts; a payout requested, one
    # rejected and one paid for a vendor, so every part of the balance has money in it.
    with world.database.transaction(Domain.commerce) as session:
        for run in world.sql("SELECT id, period_start, status, checks_passed FROM commerce.commission_runs"):
            if run["status"] == "draft" and run["checks_passed"] and run["period_start"] in world.order_days[:2]:
                runs_service.approve_run(session, run["id"], None)
        vendor = world.vendors["nordic-oak"]
        for amount, status in ((700, "requested"), (300, "rejected"), (200, "paid")):
            session.add(Payout(vendor_id=vendor, amount=amount, currency_code="EUR", status=status,
                               note="marts test"))
    built = build_models(world, "payout_ledger", "vendor_balances")
    assert built.success

    expected = payable_by_the_module(world)
    mart = {(r["vendor_id"], r["currency_code"]): {part: int(r[part]) for part in PARTS}
            for r in world.sql("SELECT * FROM analytics.vendor_balances")}
    assert mart == expected
    # Available money is in the mart: positive on a fresh world, negative for nordic-oak once the commissions
    # tests' batch has paid out everything earned (the payouts added above then exceed what is earned).
    assert any(parts["available"] != 0 for parts in mart.values())
    assert mart[(vendor, "EUR")]["in_payout"] >= 700
    # The ledger's running payable balance ends on the same number.
    last = world.sql("""SELECT DISTINCT ON (vendor_id, currency_code) vendor_id, currency_code, payable_balance_after
                        FROM analytics.payout_ledger
                        ORDER BY vendor_id, currency_code, occurred_at DESC, entry_id DESC""")
    assert {(r["vendor_id"], r["currency_code"]): int(r["payable_balance_after"]) for r in last} == {
        key: parts["available"] for key, parts in expected.items()}


def test_a_transaction_committed_during_a_build_is_in_the_marts_after_the_next_build(world: World) -> None:
    old_day = world.order_days[0]  # outside the latest partition's window: only the lookback can bring it
    assert build_incremental(world).success
    rng = random.Random(7)
    with world.database.transaction(Domain.commerce) as late:  # stamped now(), committed after the build
        regions = list(late.scalars(select(Region).order_by(Region.name)))
        customer = late.scalars(select(User).where(User.role == "customer").order_by(User.email)).first()
        variants = list(late.scalars(
            select(ProductVariant).join(ProductVariant.product).join(Vendor)
            .where(Vendor.status == VendorStatus.approved).order_by(ProductVariant.sku)))
        assert customer is not None and variants
        order = commerce_seed._place(late, rng, customer, regions[0], variants)
        late.flush()
        late.execute(text("UPDATE commerce.orders SET created_at = :at WHERE id = :id"),
                     {"at": datetime.combine(old_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9),
                      "id": order.id})
        order_id = order.id
        stamped: datetime = late.execute(text("SELECT updated_at FROM commerce.orders WHERE id = :id"),
                               {"id": order_id}).scalar_one()
        # Another change commits meanwhile, later than the open transaction's stamp.
        world.sql("UPDATE commerce.orders SET updated_at = now() WHERE id = "
                  "(SELECT id FROM commerce.orders WHERE id <> :id ORDER BY id LIMIT 1) RETURNING id", id=order_id)
        assert build_incremental(world).success  # runs while `late` is still open
        seen = world.sql("SELECT max(updated_at) AS m FROM analytics.fct_order_lines")[0]["m"]
        assert seen > stamped  # `updated_at >= max(updated_at)` alone would skip the late order for good
        assert not world.sql("SELECT 1 FROM analytics.fct_order_lines WHERE order_id = :id", id=order_id)
    # A line deleted from the store must leave the mart: plant one the store never had.
    # (as the owner of the marts: the API's role only reads them)
    with psycopg.connect(libpq_url(world.stores.urls.commerce)) as owner:
        owner.execute("CREATE TEMP TABLE ghost AS SELECT * FROM analytics.fct_order_lines LIMIT 1")
        owner.execute("UPDATE ghost SET order_line_id = 'oli_ghost'")
        owner.execute("INSERT INTO analytics.fct_order_lines SELECT * FROM ghost")
    assert world.sql("SELECT 1 AS planted FROM analytics.fct_order_lines WHERE order_line_id = 'oli_ghost'")

    assert build_incremental(world).success
    lines = world.sql("SELECT order_line_id, order_date FROM analytics.fct_order_lines WHERE order_id = :id",
                      id=order_id)
    stored = world.sql("SELECT count(*) AS n FROM commerce.order_line_items l JOIN commerce.vendor_orders vo "
                       "ON vo.id = l.vendor_order_id WHERE vo.order_id = :id", id=order_id)[0]["n"]
    assert stored and len(lines) == stored and all(line["order_date"] == old_day for line in lines)
    assert world.sql("SELECT count(*) AS n FROM analytics.fct_vendor_orders WHERE order_id = :id",
                     id=order_id)[0]["n"] >= 1
    assert not world.sql("SELECT 1 FROM analytics.fct_order_lines WHERE order_line_id = 'oli_ghost'")
