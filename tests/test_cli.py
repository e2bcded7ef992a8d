from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

import api.seed
from api.auth.models import ApiKey, Role, User
from api.cli import _history_and_first_build
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain
from api.seed import seed, seed_foundation

CLI = str(Path(sys.executable).parent / "marketplace")


def _run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_migrate_and_create_admin_print_what_they_did(urls: DatabaseUrls, database: Database) -> None:
    migrated = _run(urls.commerce, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "Migrated the commerce and content stores to head." in migrated.stdout

    created = _run(urls.commerce, "create-admin", "--email", "Root@Example.com", "--password", "a-long-password")
    assert created.returncode == 0, created.stderr
    assert "Created admin root@example.com" in created.stdout
    with database.transaction(Domain.commerce) as session:
        user = session.scalar(select(User).where(User.email == "root@example.com"))
    assert user is not None and user.role == Role.admin

    again = _run(urls.commerce, "create-admin", "--email", "root@example.com", "--password", "a-long-password")
    assert again.returncode == 1
    assert "already exists" in again.stdout

    short = _run(urls.commerce, "create-admin", "--email", "x@example.com", "--password", "short")
    assert short.returncode != 0


def test_seed_is_idempotent_and_saves_the_demo_credentials(database: Database, settings: Settings) -> None:
    first = seed(database, settings)
    second = seed(database, settings)
    assert first.publishable_key == second.publishable_key
    saved = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    assert saved["publishable_key"] == first.publishable_key
    with database.transaction(Domain.commerce) as session:
        staff = session.scalar(select(func.count()).select_from(User).where(User.role.in_(["admin", "finance"])))
        keys = session.scalar(select(func.count()).select_from(ApiKey))
        products = session.scalar(text("SELECT count(*) FROM commerce.products"))
        approved = session.scalar(text("SELECT count(*) FROM commerce.vendors WHERE status = 'approved'"))
        subscriptions = session.scalar(text("SELECT count(*) FROM commerce.webhook_subscriptions"))
        tenant_links = session.scalar(text("SELECT count(*) FROM commerce.content_links WHERE entity_type = 'tenant'"))
    assert staff == 2
    assert keys == 1
    assert subscriptions == 2
    with database.transaction(Domain.content) as session:
        contents = session.scalar(text("SELECT count(*) FROM content.product_contents WHERE sync_status = 'synced'"))
        active = session.scalar(text("SELECT count(*) FROM content.tenants WHERE status = 'active'"))
        tenants = session.scalar(text("SELECT count(*) FROM content.tenants"))
        orders = session.scalar(text("SELECT count(*) FROM content.order_records"))
    assert products and contents == products
    assert approved and active == approved
    assert tenant_links == tenants
    assert orders and orders > 50


def test_the_demo_history_stops_quietly_between_batches_once_the_demo_stops(
    database: Database, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_foundation(database, settings)
    stop = threading.Event()
    stop.set()
    _history_and_first_build(settings, database, build=True, dagster_up=True, stop=stop)
    assert capsys.readouterr().out.splitlines()[-1] == "[demo] stopped before the order history finished."
    with database.transaction(Domain.commerce) as session:
        orders = session.scalar(text("SELECT count(*) FROM commerce.orders"))
    assert orders == 50  # the first batch, not the whole history


def test_a_database_error_of_the_demo_history_is_reported_unless_the_demo_is_stopping(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def shut_down(*_: object) -> None:
        raise OperationalError("INSERT ...", {}, psycopg.errors.AdminShutdown("terminating connection"))

    monkeypatch.setattr(api.seed, "seed_history", shut_down)
    stop = threading.Event()
    with pytest.raises(OperationalError):
        _history_and_first_build(settings, database, build=False, dagster_up=False, stop=stop)
    stop.set()
    _history_and_first_build(settings, database, build=False, dagster_up=False, stop=stop)
    assert capsys.readouterr().out == "[demo] stopped before the order history finished.\n"
