from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import OperationalError

import api.cli
import api.seed
from api.auth.models import ApiKey, Role, User
from api.cli import _cancel_dagster_runs, _history_and_first_build, _start, _supervise, _write_dagster_instance
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain
from api.seed import seed, seed_foundation
from tests.conftest import free_port

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
    settings: Settings, urls: DatabaseUrls, capsys: pytest.CaptureFixture[str]
) -> None:
    # A database that is not there (as the embedded one is not, once the demo stopped it): every statement fails.
    gone = make_url(urls.commerce).set(database="marketplace_test_no_such_database").render_as_string(
        hide_password=False)
    database = Database(DatabaseUrls(commerce=gone, content=gone), settings)
    try:
        stop = threading.Event()
        with pytest.raises(OperationalError):
            _history_and_first_build(settings, database, build=False, dagster_up=False, stop=stop)
        capsys.readouterr()
        stop.set()
        _history_and_first_build(settings, database, build=False, dagster_up=False, stop=stop)
        assert capsys.readouterr().out == "[demo] stopped before the order history finished.\n"
    finally:
        database.dispose()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """`_supervise` takes over SIGINT and SIGTERM, as the demo's main process does: give them back."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_ctrl_c_stops_the_demo_children_with_what_they_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signal_handlers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # A child that starts a grandchild deaf to SIGTERM (as Dagster's webserver starts its code server), and one
    # that just waits; the stop reaches the grandchild through the child's process group, SIGKILL at last.
    monkeypatch.setattr(api.cli, "STOP_GRACE_SECONDS", 0.5)
    monkeypatch.setattr(api.cli, "INTERRUPT_GRACE_SECONDS", 0.5)
    pid_file = tmp_path / "grandchild.pid"
    grandchild = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    parent = (
        "import pathlib, subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    env = dict(os.environ)
    default_sigint = signal.getsignal(signal.SIGINT)

    def press_ctrl_c() -> None:  # once the grandchild runs and `_supervise` has taken SIGINT (30 s at most)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            pid_file.exists() and pid_file.read_text() and signal.getsignal(signal.SIGINT) != default_sigint
        ):
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    processes = [_start([sys.executable, "-c", command], env) for command in (parent, "import time; time.sleep(600)")]
    try:
        threading.Thread(target=press_ctrl_c, daemon=True).start()
        stop = threading.Event()
        _supervise(processes, stop)  # returns once every group is gone; no `typer.Exit`: it was asked to stop
        assert stop.is_set()
        assert all(p.returncode is not None and _gone(p.pid) for p in processes)
        assert _gone(int(pid_file.read_text()))
        assert capsys.readouterr().out == "[demo] stopping ...\n"
    finally:
        for process in processes:  # only when the test failed half-way
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_demo_stop_cancels_the_dagster_runs_not_yet_ended(
    settings: Settings, urls: DatabaseUrls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
    from dagster._core.remote_origin import GrpcServerCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin

    # A queued run names the code location it is to run in (here one that never answers: it is not launched).
    location = GrpcServerCodeLocationOrigin(host="127.0.0.1", port=free_port(), location_name="marketplace")
    origin = RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), "sync_job")
    demo_settings = settings.model_copy(update={"data_dir": tmp_path})
    _write_dagster_instance(demo_settings, urls)  # the demo's instance: runs kept in PostgreSQL
    with DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        queued = instance.add_run(
            DagsterRun(job_name="sync_job", status=DagsterRunStatus.QUEUED, remote_job_origin=origin)
        )
        done = instance.add_run(DagsterRun(job_name="sync_job", status=DagsterRunStatus.SUCCESS))
        try:
            _cancel_dagster_runs(demo_settings)
            assert capsys.readouterr().out == "[demo] canceling 1 Dagster run(s) ...\n"
            assert instance.get_run_by_id(queued.run_id).status == DagsterRunStatus.CANCELED  # type: ignore[union-attr]
            assert instance.get_run_by_id(done.run_id).status == DagsterRunStatus.SUCCESS  # type: ignore[union-attr]
            _cancel_dagster_runs(demo_settings)  # nothing left: nothing said
            assert capsys.readouterr().out == ""
        finally:
            for run in (queued, done):
                instance.delete_run(run.run_id)


def test_an_empty_database_url_means_none_the_embedded_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    # `DATABASE_URL= marketplace demo` used to fail on parsing "" as a URL.
    for name in ("DATABASE_URL", "COMMERCE_DATABASE_URL", "CONTENT_DATABASE_URL"):
        monkeypatch.setenv(name, "")
    settings = Settings(_env_file=None)
    assert (settings.database_url, settings.commerce_database_url, settings.content_database_url) == (None,) * 3
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/marketplace")
    assert Settings(_env_file=None).database_url == "postgresql://db.example/marketplace"
