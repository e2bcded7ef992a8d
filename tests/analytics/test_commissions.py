"""Commission runs and payout batches, materialised with Dagster against the session's PostgreSQL.

Order matters in this module: the last test approves every run and pays it out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from dagster import AssetCheckKey, AssetKey, materialize
from fastapi.testclient import TestClient

from api.auth.models import Role
from api.commission_runs import service as runs_service
from api.db import Domain
from api.payouts import balance as balances
from assets.commissions.definitions import payout_batch
from tests.analytics.conftest import World
from tests.conftest import assert_problem

RUN = AssetKey(["commissions", "commission_run"])


def _expected_sale_commissions(world: World) -> dict[tuple[str, str, str], int]:
    """From the raw rows, in Python: per (UTC day, vendor, currency) the commission of every order line under
    the rule in force at order time (category > vendor > platform > the vendor's own rate)."""
    rules = world.sql("SELECT * FROM commerce.commission_rules")
    categories: dict[str, set[str]] = defaultdict(set)
    for row in world.sql("SELECT product_id, category_id FROM commerce.product_categories"):
        categories[row["product_id"]].add(row["category_id"])

    def in_force(rule: dict[str, Any], at: Any) -> bool:
        return bool(rule["valid_from"] <= at and (rule["valid_to"] is None or rule["valid_to"] > at))

    expected: dict[tuple[str, str, str], int] = defaultdict(int)
    for line in world.sql("""
        SELECT l.subtotal, l.product_id, vo.vendor_id, o.currency_code, o.created_at, v.commission_rate
        FROM commerce.order_line_items l JOIN commerce.vendor_orders vo ON vo.id = l.vendor_order_id
        JOIN commerce.orders o ON o.id = vo.order_id JOIN commerce.vendors v ON v.id = vo.vendor_id
    """):
        at = line["created_at"]
        by_category = sorted(
            (r for r in rules if r["scope"] == "category" and r["category_id"] in categories[line["product_id"]]
             and in_force(r, at)),
            key=lambda r: (-r["priority"], r["id"]),
        )
        by_vendor = [
            r for r in rules if r["scope"] == "vendor" and r["vendor_id"] == line["vendor_id"] and in_force(r, at)
        ]
        platform = [r for r in rules if r["scope"] == "platform" and in_force(r, at)]
        candidates: list[dict[str, Any] | None] = [*by_category, *by_vendor, *platform, None]
        chosen = candidates[0]
        rate = chosen["rate"] if chosen else line["commission_rate"]
        fee = int((chosen["fixed_fees"] if chosen else {}).get(line["currency_code"], 0))
        base = int(line["subtotal"])
        commission = min(base, int((Decimal(base) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) + fee)
        expected[(at.date().isoformat(), line["vendor_id"], line["currency_code"])] += commission if base > 0 else 0
    return dict(expected)


def test_run_recomputes_every_days_commissions_exactly(world: World) -> None:
    assert world.initial_runs is not None
    runs = world.sql("SELECT * FROM commerce.commission_runs ORDER BY period_start")
    # One range run, but each check is evaluated per daily partition, each against that day's materialization
    # (today, not over, is no partition yet: its run exists, its checks have no partition to show on).
    evaluations = world.initial_runs.get_asset_check_evaluations()
    assert sorted((e.asset_check_key, e.partition, e.passed) for e in evaluations) == sorted(
        (AssetCheckKey(RUN, name), run["period_start"].isoformat(), True)
        for name in ("matches_recorded", "expectations") for run in runs if run["period_start"] < world.today)
    assert all(e.target_materialization_data is not None for e in evaluations)

    computed = {
        (run["period_start"].isoformat(), t["vendor_id"], t["currency_code"]): t["sale_commission_amount"]
        for run in runs for t in run["totals"] if t["lines"]
    }
    expected = _expected_sale_commissions(world)
    assert expected and computed == expected

    # The recorded ledger agrees, so no run has a finding; each run's totals are the ledger's sums for its day.
    assert [r["period_start"] for r in runs] == [
        world.first_day.fromordinal(world.first_day.toordinal() + i) for i in range(len(runs))
    ]
    assert runs[-1]["period_start"] == world.today
    assert all(r["finding_count"] == 0 and r["status"] == "draft" for r in runs)
    recorded_sales = {
        (r["day"], r["vendor_id"], r["currency_code"]): (int(r["c"]), int(r["v"]))
        for r in world.sql("""
            SELECT (o.created_at AT TIME ZONE 'UTC')::date::text AS day, cl.vendor_id, cl.currency_code,
                   sum(cl.commission_amount) c, sum(cl.vendor_amount) v
            FROM commerce.commission_lines cl JOIN commerce.orders o ON o.id = cl.order_id
            WHERE cl.type = 'sale' GROUP BY 1, 2, 3""")
    }
    assert {k: v[0] for k, v in recorded_sales.items()} == expected
    # Reversals (refunds, cancellations) are made "now" by the seed: they land in today's run.
    reversals = world.sql("""SELECT sum(commission_amount) c, sum(gross_amount) g FROM commerce.commission_lines
                             WHERE type <> 'sale'""")[0]
    today = runs[-1]["totals"]
    assert sum(t["commission_amount"] - t["sale_commission_amount"] for t in today) == reversals["c"]
    assert sum(t["reversal_lines"] for t in today) > 0 and reversals["g"] < 0


def test_a_planted_wrong_commission_line_is_found(
    world: World, client: TestClient, make_user: Callable[..., dict[str, Any]], login: Callable[..., dict[str, str]]
) -> None:
    line = world.sql("""
        SELECT cl.id, cl.order_line_item_id, cl.commission_amount FROM commerce.commission_lines cl
        JOIN commerce.orders o ON o.id = cl.order_id
        WHERE cl.type = 'sale' AND (o.created_at AT TIME ZONE 'UTC')::date = :d ORDER BY cl.id LIMIT 1
    """, d=world.plant_day)[0]
    plant = """UPDATE commerce.commission_lines SET commission_amount = commission_amount + :delta,
               vendor_amount = vendor_amount - :delta WHERE id = :id"""
    world.sql(plant + " RETURNING id", delta=7, id=line["id"])
    try:
        # A range run over the planted day and the next: only the planted day fails, each check on its own
        # partition, and the blocking checks fail the step.
        after = world.plant_day + timedelta(days=1)
        result = world.run_commissions(world.plant_day, after)
        assert not result.success
        checks = {(c.check_name, c.partition): c.passed for c in result.get_asset_check_evaluations()}
        assert checks == {(name, day.isoformat()): day != world.plant_day
                          for name in ("matches_recorded", "expectations")
                          for day in (world.plant_day, after)}
        run = world.sql("SELECT * FROM commerce.commission_runs WHERE period_start = :d", d=world.plant_day)[0]
        assert run["status"] == "draft" and run["finding_count"] == 2
        assert {(f["kind"], f["field"], f["order_line_id"], f["expected"], f["recorded"]) for f in run["findings"]} == {
            ("amount_mismatch", "commission_amount", line["order_line_item_id"], line["commission_amount"],
             line["commission_amount"] + 7),
            ("amount_mismatch", "vendor_amount", line["order_line_item_id"],
             next(f["expected"] for f in run["findings"] if f["field"] == "vendor_amount"),
             next(f["expected"] for f in run["findings"] if f["field"] == "vendor_amount") - 7),
        }
        # Listed in the run's output too, and finance cannot approve a run with findings.
        materialization = result.get_asset_materialization_events()[0].materialization
        assert materialization.metadata["findings"].value == 2
        finance = login(make_user(Role.finance))
        detail = client.get(f"/admin/commissions/runs/{run['id']}", headers=finance)
        assert detail.status_code == 200 and len(detail.json()["findings"]) == 2
        assert_problem(client.post(f"/admin/commissions/runs/{run['id']}/approve", headers=finance), 409, "conflict")
    finally:
        world.sql(plant + " RETURNING id", delta=-7, id=line["id"])
    again = world.run_commissions(world.plant_day, world.plant_day)
    assert again.success
    assert world.sql("SELECT finding_count FROM commerce.commission_runs WHERE period_start = :d",
                     d=world.plant_day)[0]["finding_count"] == 0


def test_a_run_failing_its_expectations_again_is_left_out_of_the_payout_batch(world: World) -> None:
    run_id = world.sql("SELECT id FROM commerce.commission_runs WHERE period_start = :d", d=world.plant_day)[0]["id"]
    with world.database.transaction(Domain.commerce) as session:
        runs_service.approve_run(session, run_id, None)
    # Tamper with the recorded ledger after approval: a line's commission no longer equals rate x base, and
    # the run's totals no longer equal the sum of the period's ledger lines.
    line_id = world.sql("""
        SELECT min(cl.id) AS id FROM commerce.commission_lines cl JOIN commerce.orders o ON o.id = cl.order_id
        WHERE cl.type = 'sale' AND (o.created_at AT TIME ZONE 'UTC')::date = :d""", d=world.plant_day)[0]["id"]
    tamper = """UPDATE commerce.commission_lines SET commission_amount = commission_amount + :d,
                vendor_amount = vendor_amount - :d WHERE id = :id"""
    world.sql(tamper + " RETURNING id", d=40, id=line_id)
    try:
        # The batch does not abort: the run is left out with the reason, and nothing is paid from it.
        result = materialize([payout_batch], resources={"stores": world.stores}, raise_on_error=False)
        assert result.success
        [check] = result.get_asset_check_evaluations()
        assert not check.passed
        skipped = check.metadata["skipped_runs"].value
        assert isinstance(skipped, list) and [s["run_id"] for s in skipped] == [run_id]
        assert "commission = rate x base" in skipped[0]["reason"]
        assert "run totals equal the sum of lines" in skipped[0]["reason"]
        assert world.sql("SELECT count(*) n FROM commerce.payout_batches")[0]["n"] == 0
        assert world.sql("SELECT count(*) n FROM commerce.payouts")[0]["n"] == 0
        run = world.sql("SELECT status, payout_batch_id FROM commerce.commission_runs WHERE id = :r", r=run_id)[0]
        assert (run["status"], run["payout_batch_id"]) == ("approved", None)
    finally:
        world.sql(tamper + " RETURNING id", d=-40, id=line_id)


def test_runs_are_approved_once_batched_once_and_paid_once(
    world: World, client: TestClient, make_user: Callable[..., dict[str, Any]], login: Callable[..., dict[str, str]]
) -> None:
    finance = login(make_user(Role.finance))
    listed = client.get("/admin/commissions/runs", params={"status": "draft", "limit": 200}, headers=finance)
    assert listed.status_code == 200, listed.text
    drafts = listed.json()["items"]
    assert drafts and all(r["finding_count"] == 0 and r["checks_passed"] for r in drafts)
    # Today is not over: its run cannot be approved (a later sale today would never reach it).
    [today] = [r for r in drafts if r["period_end"] == world.today.isoformat()]
    assert_problem(client.post(f"/admin/commissions/runs/{today['id']}/approve", headers=finance), 409, "conflict")
    drafts = [r for r in drafts if r["id"] != today["id"]]
    for run in drafts:
        approved = client.post(f"/admin/commissions/runs/{run['id']}/approve", headers=finance)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert_problem(client.post(f"/admin/commissions/runs/{drafts[0]['id']}/approve", headers=finance), 409,
                   "invalid-state-transition")
    vendor = login({"email": "nordic-oak@example.com", "password": "demo-password-123"})
    assert client.post(f"/admin/commissions/runs/{drafts[0]['id']}/approve", headers=vendor).status_code == 403

    run_config = {"ops": {"commissions__payout_batch": {"config": {"minimum_amount": 1}}}}
    built = materialize([payout_batch], resources={"stores": world.stores}, run_config=run_config)
    assert built.success
    batches = client.get("/admin/payout-batches", headers=finance).json()["items"]
    assert len(batches) == 1
    batch = batches[0]
    assert batch["status"] == "proposed" and batch["payouts"]
    assert all(p["status"] == "requested" for p in batch["payouts"])
    # Only money captured counts: what the vendors' captured vendor orders hold, net of refunds (the seeded
    # orders' days are all approved, and no vendor holds money back).
    earned = {
        (r["vendor_id"], r["currency_code"]): int(r["v"])
        for r in world.sql("""
            SELECT cl.vendor_id, cl.currency_code, sum(cl.vendor_amount) v FROM commerce.commission_lines cl
            JOIN commerce.vendor_orders vo ON vo.id = cl.vendor_order_id WHERE vo.captured_total > 0 GROUP BY 1, 2""")
    }
    assert {(i["vendor_id"], i["currency_code"]): i["amount"] for i in batch["items"] if i["payout_id"]} == {
        k: v for k, v in earned.items() if v >= 1
    }
    assert all(i["reason"] for i in batch["items"] if not i["payout_id"])
    runs = world.sql("SELECT id, status, payout_batch_id FROM commerce.commission_runs")
    assert {r["id"] for r in runs if r["payout_batch_id"] == batch["id"]} == set(batch["run_ids"])
    assert all(r["status"] == "approved" for r in runs if r["payout_batch_id"])  # locked once paid

    # Built again: nothing is waiting, nothing is paid twice.
    assert materialize([payout_batch], resources={"stores": world.stores}, run_config=run_config).success
    assert world.sql("SELECT count(*) n FROM commerce.payout_batches")[0]["n"] == 1
    assert_problem(client.post(f"/admin/commissions/runs/{drafts[0]['id']}/approve", headers=finance), 409,
                   "invalid-state-transition")

    paid = client.post(f"/admin/payout-batches/{batch['id']}/approve", headers=finance)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and all(p["status"] == "paid" for p in paid.json()["payouts"])
    assert_problem(client.post(f"/admin/payout-batches/{batch['id']}/approve", headers=finance), 409,
                   "invalid-state-transition")

    runs = world.sql("SELECT status FROM commerce.commission_runs WHERE payout_batch_id = :b", b=batch["id"])
    assert runs and all(r["status"] == "locked" for r in runs)
    assert_problem(client.post(f"/admin/commissions/runs/{drafts[0]['id']}/reopen", json={"reason": "late refund"},
                               headers=finance), 409, "invalid-state-transition")

    # After payment nothing is left available to any vendor that was paid; all it earned is paid.
    with world.database.transaction(Domain.commerce) as session:
        found = {(b.vendor_id, b.currency_code): b for b in balances.balances(session)}
    for item in batch["items"]:
        if item["payout_id"]:
            entry = found[(item["vendor_id"], item["currency_code"])]
            assert (entry.available, entry.pending, entry.paid) == (0, 0, item["amount"])
    # The statements of the runs (locked ones, and today's draft with today's refunds) hold every ledger line,
    # captured or not.
    assert world.dbt_build().success
    statements = client.get("/admin/commissions/statements", params={"limit": 200}, headers=finance)
    assert statements.status_code == 200
    assert {s["run_status"] for s in statements.json()} <= {"locked", "draft"}
    assert sum(s["earnings"] for s in statements.json()) == sum(b.captured_net + b.uncaptured for b in found.values())
