"""`marketplace ...`: migrate, create an admin, seed demo data, serve, demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import make_url

from api.config import PROJECT_ROOT, Settings, get_settings
from api.db import Database, DatabaseUrls, Domain, app_urls, libpq_url, resolve_urls

app = typer.Typer(help="Marketplace platform command line.", no_args_is_help=True, add_completion=False)


def _echo(message: str) -> None:
    typer.echo(message)


def _urls() -> tuple[Settings, DatabaseUrls]:
    settings = get_settings()
    urls = resolve_urls(settings)
    return settings, urls


@app.command()
def migrate(
    down: Annotated[bool, typer.Option("--down", help="Downgrade both stores to base (drops all tables).")] = False,
) -> None:
    """Upgrade both stores to the latest revision (or downgrade to base)."""
    from api import migrate as migrations

    settings, urls = _urls()
    if down:
        migrations.downgrade(urls)
        _echo("Downgraded the commerce and content stores to base.")
    else:
        migrations.upgrade(urls, app_password=settings.app_database_password)
        _echo("Migrated the commerce and content stores to head.")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    full_name: Annotated[str, typer.Option()] = "Platform Admin",
) -> None:
    """Create a platform admin (the first one, or another)."""
    from api.auth import service
    from api.auth.models import Role
    from api.errors import AppError

    settings, urls = _urls()
    database = Database(urls, settings)
    if len(password) < 10:
        raise typer.BadParameter("use at least 10 characters", param_hint="--password")
    try:
        with database.transaction(Domain.commerce) as session:
            user = service.create_user(session, email=email, password=password, role=Role.admin, full_name=full_name)
    except AppError as exc:
        _echo(f"Not created: {exc.detail}")
        raise typer.Exit(1) from exc
    _echo(f"Created admin {user.email} ({user.id}).")


@app.command()
def seed() -> None:
    """Load the demo data (idempotent)."""
    from api.seed import seed as run_seed

    settings, urls = _urls()
    credentials = run_seed(Database(urls, settings), settings)
    _echo(f"Seeded demo data. Admin: {credentials.admin_email} / {credentials.password}")


@app.command()
def serve(
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the API with uvicorn."""
    settings, urls = _urls()
    env = _child_env(settings, urls)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(_fresh_metrics_dir(settings))
    _echo(f"API on http://{settings.api_host}:{settings.api_port} (docs at /docs)")
    raise typer.Exit(subprocess.call(_uvicorn_command(settings, workers), env=_api_env(env, workers), cwd=PROJECT_ROOT))


@app.command()
def dispatch(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver outbox events as signed webhooks (run as many workers as you like); also publish the content
    scheduled for now (pages and posts with a `publishAt`), so its events are delivered at that time."""
    import httpx

    from api.content import scheduling
    from api.webhooks.service import Dispatcher

    settings, database = _worker_process("marketplace-dispatcher")
    dispatcher = Dispatcher(database, settings, httpx.Client())
    next_schedule_tick = 0.0

    def step() -> int:
        nonlocal next_schedule_tick
        if time.monotonic() >= next_schedule_tick:
            published = scheduling.publish_due(database)
            next_schedule_tick = time.monotonic() + scheduling.TICK_SECONDS
            if published.pages or published.posts:
                _echo(f"published on schedule: pages {published.pages}, posts {published.posts}")
        return dispatcher.run_once()

    if not once:
        _echo("Webhook dispatcher running (Ctrl-C to stop).")
    handled = _work_until_stopped(step, "dispatcher", settings.dispatcher_poll_seconds, once)
    _echo(f"Dispatcher stopped after handling {handled} events and deliveries.")


def _worker_process(service_name: str) -> tuple[Settings, Database]:
    """Settings, logging, the app-role database and tracing of a background worker process."""
    from api.logs import configure_logging
    from api.observability.tracing import install_process_tracing

    settings, urls = _urls()
    configure_logging(settings.log_level, settings.log_json)
    database = Database(app_urls(urls, settings), settings)
    install_process_tracing(database, settings, service_name)
    return settings, database


def _work_until_stopped(step: Callable[[], int], name: str, poll_seconds: float, once: bool) -> int:
    """Run `step` (it answers how many items it handled) until SIGTERM/SIGINT, sleeping when idle; with
    `once`, until nothing is left. Reports progress every minute; answers the total handled."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    handled = 0
    last_report = time.monotonic()
    while not stopping:
        work = step()
        handled += work
        if once and work == 0:
            break
        if not once and time.monotonic() - last_report > 60:
            _echo(f"{name}: {handled} handled so far")
            last_report = time.monotonic()
        if work == 0:
            time.sleep(poll_seconds)
    return handled


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="Only the API rows (no 1M-line, sync or demo rows).")] = False,
    seconds: Annotated[int, typer.Option(help="Duration of each HTTP load.")] = 10,
) -> None:
    """Measure every target of docs/ARCHITECTURE.md §10 in one run and print one table (bench/run.py)."""
    command = [sys.executable, str(PROJECT_ROOT / "bench" / "run.py"), "--seconds", str(seconds)]
    raise typer.Exit(subprocess.call([*command, "--quick"] if quick else command, cwd=PROJECT_ROOT))


@app.command()
def notify(
    once: Annotated[bool, typer.Option("--once", help="Send what is due, then exit.")] = False,
) -> None:
    """Send e-mail notifications for outbox events (through SMTP_URL, else into the local mailbox)."""
    from api.notifications.service import Notifier

    settings, database = _worker_process("marketplace-notifier")
    notifier = Notifier(database, settings)
    _echo(f"Notifier running ({'SMTP' if settings.smtp_url else 'local mailbox'}).")
    handled = _work_until_stopped(notifier.run_once, "notifier", settings.notify_poll_seconds, once)
    _echo(f"Notifier stopped after {handled} events and mails.")


def _fresh_metrics_dir(settings: Settings) -> Path:
    """Where the uvicorn workers share their Prometheus values (PROMETHEUS_MULTIPROC_DIR, emptied at start)."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.data_dir / "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _api_env(env: dict[str, str], workers: int) -> dict[str, str]:
    """The API workers' environment: each sizes its pools to its share of the connections (api/config.py)."""
    return {**env, "WEB_CONCURRENCY": str(workers)}


def _uvicorn_command(settings: Settings, workers: int) -> list[str]:
    return [
        _bin("uvicorn"),
        "api.main:app",
        "--host",
        settings.api_host,
        "--port",
        str(settings.api_port),
        "--workers",
        str(workers),
        "--no-access-log",
        # Under load a worker may take longer than the default 5 s to import and answer its first ping.
        "--timeout-worker-healthcheck",
        "60",
    ]


def _child_env(settings: Settings, urls: DatabaseUrls) -> dict[str, str]:
    from orchestration.resources import dbt_content_schema, dbt_env

    env = dict(os.environ)
    env.update(
        {
            "COMMERCE_DATABASE_URL": urls.commerce,
            "CONTENT_DATABASE_URL": urls.content,
            "DAGSTER_HOME": str(settings.data_dir / "dagster"),
            # Starting a run asks the code server within 60 s by default; a busy machine may need longer.
            "DAGSTER_GRPC_TIMEOUT_SECONDS": os.environ.get("DAGSTER_GRPC_TIMEOUT_SECONDS", "300"),
            **dbt_env(urls.commerce, dbt_content_schema(urls)),
        }
    )
    return env


def dagster_storage_url(url: str) -> str:
    # dagster-postgres binds NOTIFY parameters client-side, which only the psycopg2 driver does.
    return make_url(libpq_url(url)).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def _write_dagster_instance(settings: Settings, urls: DatabaseUrls) -> None:
    """Dagster keeps its runs, events and schedules in PostgreSQL too (schema `dagster`)."""
    home = settings.data_dir / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "storage:\n"
        "  postgres:\n"
        f"    postgres_url: \"{dagster_storage_url(urls.commerce)}\"\n"
        "telemetry:\n"
        "  enabled: false\n"
        # Our modules' log lines also land in each run's event log, next to Dagster's own (with the run id).
        "python_logs:\n"
        "  managed_python_loggers: [api, assets, connectors]\n"
    )


DEMO_COMMISSION_DAYS = 91  # the demo orders span the last 90 days
ASSET_JOB = "__ASSET_JOB"  # Dagster's implicit job of every asset: a run of any selection


def _first_build_runs() -> list[tuple[str, str, list[list[str]] | None, dict[str, str]]]:
    """The demo's first runs: the daily commission runs of the demo's days up to yesterday (one run over
    the partition range), then every other asset but dbt's that the marts do not feed (sync, payout batch) in
    one run, then both dbt assets (views, marts, the partitioned incremental marts) over the same range in one
    run, then the assets that read the marts (the sync's drift repair reads `analytics/reconciliation`)."""
    from datetime import timedelta

    from dagster import AssetKey

    from api.clock import utcnow
    from api.commission_runs.service import COMMISSION_JOB, RANGE_END_TAG, RANGE_START_TAG
    from assets.dbt import DBT_ASSETS
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    dbt_keys = {key for assets_def in DBT_ASSETS for key in assets_def.keys}
    others = {k for k in graph.materializable_asset_keys if k not in dbt_keys and not graph.get(k).partitions_def}
    after_marts: set[AssetKey] = set()
    while True:  # the others downstream of a mart, directly or through another of them
        more = {k for k in others - after_marts if graph.get(k).parent_keys & (dbt_keys | after_marts)}
        if not more:
            break
        after_marts |= more
    before = sorted(list(k.path) for k in others - after_marts)
    after = sorted(list(k.path) for k in after_marts)
    dbt = sorted(list(k.path) for k in dbt_keys)
    yesterday = utcnow().date() - timedelta(days=1)
    first = yesterday - timedelta(days=DEMO_COMMISSION_DAYS - 1)
    tags = {"marketplace/launched_by": "demo"}
    days = {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: yesterday.isoformat()}
    runs = [
        (f"commission runs, daily partitions {first} ... {yesterday}", COMMISSION_JOB, None, {**tags, **days}),
        (f"{len(before)} other assets (sync, payout batch)", ASSET_JOB, before, tags),
        (f"{len(dbt)} dbt models over the same days", ASSET_JOB, dbt, {**tags, **days}),
    ]
    if after:
        runs.append((f"{len(after)} assets reading the marts ({', '.join('/'.join(k) for k in after)})", ASSET_JOB,
                     after, tags))
    return runs


def _wait_for(url: str, deadline_seconds: float, *, graphql: bool = False) -> bool:
    """Poll until `url` answers 200 (for Dagster: until its code location is loaded)."""
    import httpx

    query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            if graphql:
                entries = httpx.post(url, json={"query": query}, timeout=5).json()["data"]["workspaceOrError"][
                    "locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    return True
            elif httpx.get(url, timeout=5).status_code == 200:
                return True
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            pass
        time.sleep(0.25)
    return False


class _Stopped(Exception):
    """The demo is stopping: the order history ends between two of its batches."""


def _history_and_first_build(
    settings: Settings, database: Database, build: bool, dagster_up: bool, stop: threading.Event
) -> None:
    """In the background, once everything answers: the demo's order history, then the first
    materialisation of the data assets as Dagster runs (queued, executed by the daemon, watchable in the
    UI). Mart reads answer "building, ready in about N s" until it lands. Once `stop` is set (the demo is
    stopping) it ends quietly: the history after its current batch (or when the database goes away under
    it), the build without launching or watching more runs (those stop with Dagster)."""
    import psycopg
    from dagster_graphql import DagsterGraphQLClient
    from sqlalchemy.exc import DBAPIError

    from api.analytics.readiness import record_build
    from api.errors import AppError
    from api.seed import seed_history
    from connectors.dagster import launch_job

    def progress(line: str) -> None:  # called between the history's batches
        if stop.is_set():
            raise _Stopped
        _echo(f"      {line}")

    started = time.monotonic()
    try:
        seed_history(database, progress)
    except (_Stopped, DBAPIError, psycopg.Error):
        if not stop.is_set():
            raise
        _echo("[demo] stopped before the order history finished.")
        return
    _echo(f"[demo] order history seeded in {time.monotonic() - started:.1f} s")
    if not build or stop.is_set():
        return
    if not dagster_up:
        _echo("[demo] the Dagster webserver did not answer; the first build was not launched.")
        return
    record_build(settings.data_dir, "building")
    client = DagsterGraphQLClient(settings.dagster_host, port_number=settings.dagster_port, timeout=30)
    for what, job, selection, tags in _first_build_runs():
        try:
            run_id = launch_job(settings, job, asset_selection=selection, tags=tags)
        except AppError as exc:  # Dagster refused or did not answer: the demo keeps serving
            record_build(settings.data_dir, "failed")
            _echo(f"[demo] Dagster did not accept the run ({what}): {exc}")
            return
        _echo(f"[demo] first build: {what} -> run {run_id} (watch it at http://127.0.0.1:{settings.dagster_port}"
              f"/runs/{run_id})")
        status = ""
        while status not in ("SUCCESS", "FAILURE", "CANCELED"):
            if stop.wait(2):
                return
            try:
                status = client.get_run_status(run_id).value
            except Exception:  # the webserver is busy or restarting: ask again
                status = ""
        if status != "SUCCESS":
            record_build(settings.data_dir, "failed")
            _echo(f"[demo] that run ended {status}; see its logs in the Dagster UI.")
            return
    record_build(settings.data_dir, "ready")
    _echo(f"[demo] first build done {time.monotonic() - started:.0f} s after the API answered.")


@app.command()
def demo(
    skip_pipelines: Annotated[
        bool, typer.Option("--skip-pipelines", help="Do not materialise the data assets at start.")
    ] = False,
    workers: Annotated[int, typer.Option(help="API worker processes (default: one per core)")] = 0,
) -> None:
    """Bring up the whole platform with demo data: database, migrations, the store's seed, then at once
    the API, the Dagster webserver and daemon, the webhook dispatcher and the e-mail notifier; the order
    history and the first materialisation of the data assets follow in the background. Ctrl-C stops
    everything."""
    from api import migrate as migrations
    from api.seed import seed_foundation

    began = time.monotonic()
    # Until `_supervise` takes over, SIGTERM stops the demo as Ctrl-C does (KeyboardInterrupt): the children
    # started so far are stopped and the embedded PostgreSQL is stopped at exit.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # The demo's own sync receivers listen on loopback: let its webhooks reach them (and only them).
    os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    get_settings.cache_clear()
    settings = get_settings()
    embedded = not (settings.database_url or settings.commerce_database_url)
    where = "starting the embedded PostgreSQL under .data/ ..." if embedded else "using DATABASE_URL"
    _echo(f"[1/4] Database: {where}")
    urls = resolve_urls(settings)
    _echo("[2/4] Migrating the commerce and content stores ...")
    migrations.upgrade(urls, app_password=settings.app_database_password)
    _echo("[3/4] Seeding the store (users, catalog, content) ...")
    seeded = time.monotonic()
    database = Database(urls, settings)
    credentials = seed_foundation(database, settings, lambda line: _echo(f"      {line}"))
    _echo(f"      seeded in {time.monotonic() - seeded:.1f} s")
    _write_dagster_instance(settings, urls)
    env = _child_env(settings, urls)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(_fresh_metrics_dir(settings))
    workers = workers or os.cpu_count() or 1
    _echo(f"[4/4] Starting the API ({workers} workers), the Dagster webserver and daemon, the dispatcher ...")
    processes: list[subprocess.Popen[bytes]] = []
    stop = threading.Event()
    background: threading.Thread | None = None
    try:
        for command, child_env in [
            (_uvicorn_command(settings, workers), _api_env(env, workers)),
            ([_bin("dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(settings.dagster_port)],
             env),
            ([_bin("dagster-daemon"), "run", "-w", "workspace.yaml"], env),
            ([_bin("marketplace"), "dispatch"], env),
            ([_bin("marketplace"), "notify"], env),
        ]:
            processes.append(_start(command, child_env))
        api_url = f"http://{settings.api_host}:{settings.api_port}"
        dagster_url = f"http://127.0.0.1:{settings.dagster_port}"
        api_up = _wait_for(f"{api_url}/health", 120)
        _echo(f"[demo] API answering {time.monotonic() - began:.1f} s after start" if api_up
              else "[demo] the API did not answer within 120 s")
        dagster_up = _wait_for(f"{dagster_url}/graphql", 180, graphql=True)
        _echo(f"[demo] Dagster UI answering {time.monotonic() - began:.1f} s after start" if dagster_up
              else "[demo] the Dagster UI did not answer within 180 s")
        _echo(
            "\nThe platform is up:\n"
            f"  Storefront      {api_url}/   (stores at {api_url}/shop/<store>, sign in at {api_url}/login)\n"
            f"  API             {api_url}   (OpenAPI docs: {api_url}/docs)\n"
            f"  Dagster UI      {dagster_url}\n"
            f"  Admin login     {credentials.admin_email} / {credentials.password}\n"
            f"  Finance login   {credentials.finance_email} / {credentials.password}\n"
            f"  Publishable key {credentials.publishable_key}\n"
            "The order history and the first build of the analytics follow in the background (dashboards say\n"
            "when they will be ready). Press Ctrl-C to stop.\n"
        )
        background = threading.Thread(
            target=_history_and_first_build, args=(settings, database, not skip_pipelines, dagster_up, stop),
            daemon=True,
        )
        background.start()
        _supervise(processes, stop, before_stop=lambda: _cancel_dagster_runs(settings))
    finally:
        # A second Ctrl-C may not cut the stop short (it is bounded).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.set()
        # Ctrl-C while the children were starting: stop them too (after `_supervise` nothing is left to stop).
        _stop_all(processes)
        # Let the background work end between two of its steps before the process exits (and with it the
        # embedded PostgreSQL, stopped by pgserver's atexit hook): a bounded wait, after which a database error
        # it meets is not reported either.
        if background is not None:
            background.join(timeout=15)


# Stopping: how long the children have to stop what they started their own way, then how long what is left
# of their process groups has after SIGTERM (e.g. a Dagster run reporting its interruption) before SIGKILL.
STOP_GRACE_SECONDS = 15.0
INTERRUPT_GRACE_SECONDS = 10.0


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a child of the demo in a session (and so a process group) of its own, so that it can be stopped
    with everything it starts in turn (Dagster's code servers and run workers, uvicorn's workers). The
    terminal's Ctrl-C then reaches the demo only, which stops them (`_supervise`, `_stop_all`)."""
    return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, start_new_session=True)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> bool:
    """Send `signum` to the process group of `process` (led by it); whether the group still has a process
    this one may signal."""
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _wait_for_groups(processes: list[subprocess.Popen[bytes]], seconds: float) -> list[subprocess.Popen[bytes]]:
    """Wait up to `seconds` until the process groups of `processes` are gone; answer those still there."""
    deadline = time.monotonic() + seconds
    while True:
        for process in processes:
            process.poll()  # reap the leader: its zombie would keep the group in place
        processes = [p for p in processes if _signal_group(p, 0)]
        if not processes or time.monotonic() >= deadline:
            return processes
        time.sleep(0.05)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop `processes` (started by `_start`) and everything they started. First SIGTERM to each, which stops
    what it started its own way (uvicorn its workers, the Dagster webserver and daemon their code servers,
    which end once their runs in progress have); what is left of their process groups after
    `STOP_GRACE_SECONDS` gets SIGTERM, and what is left after `INTERRUPT_GRACE_SECONDS` more, SIGKILL.
    Answers once the groups are gone."""
    for process in processes:
        process.terminate()  # (does nothing to a process that has ended)
    left = _wait_for_groups(processes, STOP_GRACE_SECONDS)
    for signum, seconds in ((signal.SIGTERM, INTERRUPT_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        for process in left:
            _signal_group(process, signum)
        left = _wait_for_groups(left, seconds)


# Dagster's run statuses of a run that has not ended.
OPEN_RUN_STATUSES = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
CANCEL_WAIT_SECONDS = 20.0


def _cancel_dagster_runs(settings: Settings) -> None:
    """Cancel the demo's Dagster runs not yet ended (the first build, a sensor's sync) while the daemon and the
    code servers still answer, and wait (`CANCEL_WAIT_SECONDS` at most) until they have: a cancelled run ends as
    CANCELED, where a run cut short by the stop ends as a failure, with Dagster's stack trace in the terminal."""
    try:
        from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

        open_runs = RunsFilter(statuses=[DagsterRunStatus(status) for status in OPEN_RUN_STATUSES])
        with DagsterInstance.from_config(str(settings.data_dir / "dagster")) as instance:
            runs = [record.dagster_run for record in instance.get_run_records(open_runs)]
            if not runs:
                return
            _echo(f"[demo] canceling {len(runs)} Dagster run(s) ...")
            for run in runs:
                try:
                    instance.run_coordinator.cancel_run(run.run_id)
                except Exception as exc:  # e.g. the run ended meanwhile, its code server is already gone
                    _echo(f"[demo] could not cancel run {run.run_id}: {exc}")
            deadline = time.monotonic() + CANCEL_WAIT_SECONDS
            while instance.get_run_records(open_runs, limit=1) and time.monotonic() < deadline:
                time.sleep(0.5)
    except Exception as exc:  # the stop goes on: what is left of the runs stops with the processes
        _echo(f"[demo] could not cancel the Dagster runs: {exc}")


def _supervise(
    processes: list[subprocess.Popen[bytes]], stop: threading.Event, before_stop: Callable[[], None] | None = None
) -> None:
    """Wait for Ctrl-C / SIGTERM or for one of `processes` (started by `_start`) to end, then set `stop` (the
    background work ends with it, while the processes stop), call `before_stop` while the processes still run,
    and stop the processes, each with whatever it started (`_stop_all`)."""
    stopping = False

    def on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    _echo("[demo] stopping ...")
    stop.set()  # here, not in the signal handler: `Event.set` takes a lock the handler could deadlock on
    failed = [str(p.args) for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]  # before the stop
    if before_stop is not None:
        before_stop()
    _stop_all(processes)
    if failed and not stopping:
        _echo(f"A process stopped unexpectedly: {failed[0]}")
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
