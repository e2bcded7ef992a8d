"""`marketplace ...`: migrate, create an admin, seed demo data, serve, demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
    _echo(f"API on http://{settings.api_host}:{settings.api_port} (docs at /docs)")
    raise typer.Exit(subprocess.call(_uvicorn_command(settings, workers), env=env, cwd=PROJECT_ROOT))


@app.command()
def dispatch(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver outbox events as signed webhooks (run as many workers as you like); also publish the content
    scheduled for now (pages and posts with a `publishAt`), so its events are delivered at that time."""
    import httpx

    from api.content import scheduling
    from api.logs import configure_logging
    from api.webhooks.service import Dispatcher

    settings, urls = _urls()
    configure_logging(settings.log_level, settings.log_json)
    database = Database(app_urls(urls, settings), settings)
    dispatcher = Dispatcher(database, settings, httpx.Client())
    next_schedule_tick = 0.0
    handled = 0
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not once:
        _echo("Webhook dispatcher running (Ctrl-C to stop).")
    last_report = time.monotonic()
    while not stopping:
        if time.monotonic() >= next_schedule_tick:
            published = scheduling.publish_due(database)
            next_schedule_tick = time.monotonic() + scheduling.TICK_SECONDS
            if published.pages or published.posts:
                _echo(f"published on schedule: pages {published.pages}, posts {published.posts}")
        work = dispatcher.run_once()
        handled += work
        if once and work == 0:
            break
        if not once and time.monotonic() - last_report > 60:
            _echo(f"dispatcher: {handled} events and deliveries handled so far")
            last_report = time.monotonic()
        if work == 0:
            time.sleep(settings.dispatcher_poll_seconds)
    _echo(f"Dispatcher stopped after handling {handled} events and deliveries.")


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


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
    ]


def _child_env(settings: Settings, urls: DatabaseUrls) -> dict[str, str]:
    from orchestration.resources import dbt_env

    env = dict(os.environ)
    env.update(
        {
            "COMMERCE_DATABASE_URL": urls.commerce,
            "CONTENT_DATABASE_URL": urls.content,
            "DAGSTER_HOME": str(settings.data_dir / "dagster"),
            **dbt_env(urls.commerce),
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
    )


DEMO_COMMISSION_DAYS = 91  # the demo orders span the last 90 days


def _first_materialisations() -> list[tuple[str, list[str]]]:
    """The demo's first runs: the daily commission runs of the demo's days up to yesterday (one Dagster run
    over the partition range), then every unpartitioned asset (sync, dbt build, payout batch) in one run."""
    from datetime import timedelta

    from api.clock import utcnow
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    partitioned = sorted(k.to_user_string() for k in graph.materializable_asset_keys if graph.get(k).partitions_def)
    rest = sorted(k.to_user_string() for k in graph.materializable_asset_keys if not graph.get(k).partitions_def)
    yesterday = utcnow().date() - timedelta(days=1)
    first = yesterday - timedelta(days=DEMO_COMMISSION_DAYS - 1)
    base = [_bin("dagster"), "asset", "materialize", "-m", "orchestration.definitions"]
    return [
        (f"{', '.join(partitioned)}: daily partitions {first} ... {yesterday}",
         [*base, "--select", ",".join(partitioned), "--partition-range", f"{first}...{yesterday}"]),
        (f"{len(rest)} unpartitioned assets (sync, dbt models, payout batch)", [*base, "--select", ",".join(rest)]),
    ]


@app.command()
def demo(
    skip_pipelines: Annotated[
        bool, typer.Option("--skip-pipelines", help="Do not materialise the data assets at start.")
    ] = False,
) -> None:
    """Bring up the whole platform with demo data: database, migrations, seed, first pipeline run,
    API, Dagster webserver and daemon, webhook dispatcher. Ctrl-C stops everything."""
    from api import migrate as migrations
    from api.seed import seed as run_seed

    # The demo's own sync receivers listen on loopback: let its webhooks reach them (and only them).
    os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    get_settings.cache_clear()
    settings = get_settings()
    embedded = not (settings.database_url or settings.commerce_database_url)
    where = "starting the embedded PostgreSQL under .data/ ..." if embedded else "using DATABASE_URL"
    _echo(f"[1/5] Database: {where}")
    urls = resolve_urls(settings)
    _echo("[2/5] Migrating the commerce and content stores ...")
    migrations.upgrade(urls, app_password=settings.app_database_password)
    _echo("[3/5] Seeding demo data ...")
    credentials = run_seed(Database(urls, settings), settings)
    _write_dagster_instance(settings, urls)
    env = _child_env(settings, urls)
    if not skip_pipelines:
        _echo("[4/5] Materialising every data asset once (dbt build and the pipelines) ...")
        for what, command in _first_materialisations():
            _echo(f"      {what}")
            if subprocess.call(command, env=env, cwd=PROJECT_ROOT) != 0:
                _echo("      that materialisation failed; see the Dagster UI for the run's logs.")
    _echo("[5/5] Starting the API, the Dagster webserver and daemon, and the webhook dispatcher ...")
    processes = [
        subprocess.Popen(_uvicorn_command(settings, 1), env=env, cwd=PROJECT_ROOT),
        subprocess.Popen(
            [_bin("dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(settings.dagster_port)],
            env=env,
            cwd=PROJECT_ROOT,
        ),
        subprocess.Popen([_bin("dagster-daemon"), "run", "-w", "workspace.yaml"], env=env, cwd=PROJECT_ROOT),
        subprocess.Popen([_bin("marketplace"), "dispatch"], env=env, cwd=PROJECT_ROOT),
    ]
    api_url = f"http://{settings.api_host}:{settings.api_port}"
    _echo(
        "\nThe platform is starting:\n"
        f"  API             {api_url}   (OpenAPI docs: {api_url}/docs)\n"
        f"  Dagster UI      http://127.0.0.1:{settings.dagster_port}\n"
        f"  Admin login     {credentials.admin_email} / {credentials.password}\n"
        f"  Finance login   {credentials.finance_email} / {credentials.password}\n"
        f"  Publishable key {credentials.publishable_key}\n"
        "Press Ctrl-C to stop.\n"
    )
    _supervise(processes)


def _supervise(processes: list[subprocess.Popen[bytes]]) -> None:
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    failed = [str(p.args) for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        _echo(f"A process stopped unexpectedly: {failed[0]}")
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
