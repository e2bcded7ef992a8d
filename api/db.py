"""The one way to reach the databases, shared by routes, the CLI and Dagster assets.

Commerce tables live in the `commerce` schema and content tables in the `content` schema. By default
both schemas share one database; `COMMERCE_DATABASE_URL` / `CONTENT_DATABASE_URL` put each domain in
a database of its own. With no URL at all, a private PostgreSQL (pgserver) runs under `.data/`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import psycopg
from psycopg.pq import ConnStatus, DiagnosticField, ExecStatus, TransactionStatus
from psycopg.pq.abc import PGresult
from psycopg.rows import RowFactory, namedtuple_row, tuple_row
from sqlalchemy import ClauseElement, Connection, Engine, MetaData, create_engine, event, make_url, text
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.config import Settings

if TYPE_CHECKING:
    from api.cache_events import ChangePublisher

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Domain(StrEnum):
    commerce = "commerce"
    content = "content"


class Store(StrEnum):
    """What readers keep things for, each with a version of its own (api/cache_events.py): each domain's store,
    and `access`, the tables that say who an API key or a login token stands for (API keys, users, login tokens).
    Their triggers name `access` besides `commerce`, so a kept actor outlives the orders, carts and stock changes
    that move the commerce store's version many times a second."""

    commerce = "commerce"
    content = "content"
    access = "access"


class CommerceBase(DeclarativeBase):
    metadata = MetaData(schema=Domain.commerce.value, naming_convention=NAMING_CONVENTION)


class ContentBase(DeclarativeBase):
    metadata = MetaData(schema=Domain.content.value, naming_convention=NAMING_CONVENTION)


def sqlalchemy_url(url: str) -> str:
    """Any `postgres://` / `postgresql://` URL, as SQLAlchemy's psycopg 3 dialect wants it."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL without a SQLAlchemy driver suffix, for libpq clients (dbt, Dagster storage)."""
    parsed = make_url(sqlalchemy_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def start_embedded_postgres(settings: Settings) -> str:
    """Start (or join) the private PostgreSQL under `data_dir/postgres` and return its URL."""
    import pgserver

    pgdata = settings.data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri: str = server.get_uri()
    log.info("embedded postgres ready", extra={"pgdata": str(pgdata)})
    return uri


# The login role of the API and the webhook dispatcher: it owns nothing, holds only the privileges the
# migrations grant it (no TRUNCATE, no DDL, INSERT/SELECT on the audit log) and is subject to row-level
# security. Migrations, dbt and the Dagster assets connect as the owner (the role of the configured URL).
APP_ROLE = "marketplace_app"


@dataclass(frozen=True)
class TenantScope:
    """Whose rows a transaction may see and write under row-level security: `*` = every tenant (platform
    actors, shoppers, the pipelines), else one vendor's / one company's. The policies read these values
    from `app.vendor_id` / `app.company_id`; a connection that never set them sees no tenant's rows."""

    vendor_id: str = "*"
    company_id: str = "*"


PLATFORM = TenantScope()
# In the driver's own parameter style: a session's transaction and a raw psycopg connection (`scope_connection`)
# are narrowed by the same statement.
_SET_SCOPE = (
    "SELECT set_config('app.vendor_id', %(vendor_id)s, true), set_config('app.company_id', %(company_id)s, true)"
)


# For a transaction whose statements all look rows up by key (`use_generic_plans`): alone, or with the scope.
_GENERIC_PLANS_SETTING = "set_config('plan_cache_mode', 'force_generic_plan', true)"
_SET_SCOPE_GENERIC_PLANS = f"{_SET_SCOPE}, {_GENERIC_PLANS_SETTING}"


def _scope_values(scope: TenantScope) -> dict[str, str]:
    return {"vendor_id": scope.vendor_id, "company_id": scope.company_id}


# The connection of the session's latest transaction, set once it has taken one (never cleared: a stale entry
# only costs a thread hop).
_CONNECTION = "connection"


_GENERIC_PLANS = "generic_plans"


def _apply_tenant_scope(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    session.info[_CONNECTION] = connection
    statement = _SET_SCOPE_GENERIC_PLANS if session.info.get(_GENERIC_PLANS) else _SET_SCOPE
    values = _scope_values(tenant_scope_of(session))
    if not _begin_with(connection, statement, values):
        _run_plain(connection, statement, values, tuple_row)


def _begin_with(connection: Connection, sql: str, values: Mapping[str, Any]) -> bool:
    """Open the driver's transaction and run `sql` (a query that changes nothing) in the same round trip: one
    simple query, `BEGIN; <sql>` with the values quoted by psycopg. Left to itself psycopg sends its `BEGIN` in a
    round trip of its own before a transaction's first statement; once the transaction is open it sends none. Only
    for a transaction with the server's own characteristics (psycopg would otherwise name them in its `BEGIN`);
    False when it did not apply. The engine's `before_cursor_execute` listeners see `sql` as any statement."""
    driver = connection.connection.driver_connection
    if not (
        isinstance(driver, psycopg.Connection)
        and driver.info.transaction_status is TransactionStatus.IDLE
        and not driver.autocommit
        and driver.isolation_level is None
        and driver.read_only is None
        and driver.deferrable is None
    ):
        return False
    _tell_listeners(connection, None, sql, values)
    try:
        query = f"BEGIN; {psycopg.ClientCursor(driver).mogrify(sql, values)}"
        result = driver.pgconn.exec_(query.encode(driver.info.encoding))
        if result.status != ExecStatus.TUPLES_OK:
            raise _result_error(driver, result)
    except psycopg.Error as exc:
        raise _as_sqlalchemy_error(connection, sql, values, exc) from exc
    return True


def _result_error(driver: psycopg.Connection[Any], result: PGresult) -> psycopg.Error:
    """The error of a failed result of a query sent through the driver's libpq connection (`PGconn.exec_`)."""
    message = (result.error_message or driver.pgconn.error_message).decode(driver.info.encoding, "replace")
    if driver.pgconn.status == ConnStatus.BAD:
        return psycopg.OperationalError(message)
    sqlstate = result.error_field(DiagnosticField.SQLSTATE)
    kind = psycopg.errors.lookup(sqlstate.decode()) if sqlstate else psycopg.DatabaseError
    return kind(message)


def use_generic_plans(session: Session) -> None:
    """Plan each statement of the session's transaction once per connection, from now to its end. PostgreSQL plans
    a prepared statement again at every run while it guesses a plan made for the run's values could be cheaper
    (`plan_cache_mode = auto`): for a checkout's joins and writes, which look every row up by key, that re-planning
    took about a fifth of their PostgreSQL time, and came to the same plans. Before the first query it costs
    nothing: it goes with the tenant scope."""
    if session.info.get(_GENERIC_PLANS):
        return
    session.info[_GENERIC_PLANS] = True
    if _CONNECTION in session.info:
        session.connection().exec_driver_sql(f"SELECT {_GENERIC_PLANS_SETTING}")


def tenant_scope_of(session: Session) -> TenantScope:
    """The scope the session's transaction acts in (`set_tenant_scope`)."""
    scope: TenantScope = session.info.get("tenant_scope", PLATFORM)
    return scope


def set_tenant_scope(session: Session, scope: TenantScope) -> None:
    """Narrow (or widen) the rows the session's transaction may touch, from now to its end. Before the first
    query it costs nothing: the scope is applied when the transaction takes its connection."""
    if tenant_scope_of(session) == scope:
        return
    session.info["tenant_scope"] = scope
    if _CONNECTION in session.info:
        session.connection().exec_driver_sql(_SET_SCOPE, _scope_values(scope))


def scope_connection(connection: psycopg.Connection[Any], scope: TenantScope) -> None:
    """Narrow the transaction of a connection opened outside the sessions (a raw psycopg one) to `scope`."""
    connection.execute(_SET_SCOPE, _scope_values(scope))


def lock_key(session: Session, kind: str, key: str) -> None:
    """Serialise the session's transaction with every other one that locks the same `kind` and `key`, until it
    ends. For a row read with `SELECT ... FOR UPDATE` and created when missing: while it does not exist that locks
    nothing, and two writers of the same new row would both insert it (the second failing on its unique key)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"{kind}:{key}"})


class PlainStatement:
    """A Core statement compiled once to psycopg's SQL, for the few statements of a hot path (checkout) that run
    on a session's connection without SQLAlchemy's execution and result machinery (`plain_rows`): for a statement
    of many columns, building the driver's column descriptions and SQLAlchemy's result metadata at each run cost
    as much as the round trip. Values come back as psycopg loads them (an enum column as its string)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement

    @cached_property
    def compiled(self) -> tuple[str, dict[str, Any]]:
        """The SQL and the statement's own values, compiled at the first run (once every model is mapped)."""
        compiled = self.statement.compile(dialect=_PSYCOPG)
        if "POSTCOMPILE" in compiled.string or getattr(compiled, "escaped_bind_names", None):
            raise ValueError("a plain statement takes its values as plain parameters (arrays, not expanding IN)")
        return compiled.string, {name: value for name, value in compiled.params.items() if value is not None}


_PSYCOPG = postgresql_psycopg.dialect()


def plain_rows(session: Session, statement: PlainStatement | str, parameters: Mapping[str, Any]) -> list[Any]:
    """Run `statement` on the session's connection (its transaction, its tenant scope) and return its rows as named
    tuples. The engine's `before_cursor_execute` listeners see it as any statement (the notes of what a
    transaction wrote, statement counts); a driver error is raised as SQLAlchemy's error for it, and a lost
    connection is invalidated, as SQLAlchemy does."""
    if isinstance(statement, str):
        return _run_plain(session.connection(), statement, parameters)
    sql, own = statement.compiled
    return _run_plain(session.connection(), sql, {**own, **parameters})


def _run_plain(
    connection: Connection, sql: str, values: Mapping[str, Any], rows: RowFactory[Any] = namedtuple_row
) -> list[Any]:
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursor = driver.cursor(row_factory=rows)
    _tell_listeners(connection, cursor, sql, values)
    try:
        cursor.execute(sql, values)
        return cursor.fetchall() if cursor.pgresult and cursor.pgresult.status == ExecStatus.TUPLES_OK else []
    except psycopg.Error as exc:
        raise _as_sqlalchemy_error(connection, sql, values, exc) from exc


def _tell_listeners(connection: Connection, cursor: object, sql: str, values: Mapping[str, Any]) -> None:
    """The engine's `before_cursor_execute` listeners see a statement sent past SQLAlchemy as any statement (the
    notes of what a transaction wrote, statement counts)."""
    if connection.dispatch.before_cursor_execute:
        connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)


def _as_sqlalchemy_error(
    connection: Connection, sql: str, values: Mapping[str, Any] | None, exc: psycopg.Error
) -> StatementError:
    """A driver error of a statement sent past SQLAlchemy, as SQLAlchemy would raise it; a lost connection is
    invalidated, so the pool does not hand it out again."""
    lost = connection.dialect.is_disconnect(cast(Any, exc), connection.connection, None)
    if lost:
        connection.invalidate(exc)
    return DBAPIError.instance(sql, values, exc, psycopg.Error, connection_invalidated=lost)


def needs_database_work(session: Session) -> bool:
    """Whether ending this session's transaction talks to the database: it took a connection and has not ended
    (a route may commit in its own thread), or it holds changes a commit would flush. A page answered from the
    read cache does neither."""
    connected = _CONNECTION in session.info and session.in_transaction()
    return bool(connected or session.new or session.dirty or session.deleted)


@dataclass(frozen=True)
class DatabaseUrls:
    commerce: str
    content: str

    @property
    def shared(self) -> bool:
        return self.commerce == self.content


def as_role(url: str, user: str, password: str | None) -> str:
    return make_url(url).set(username=user, password=password).render_as_string(hide_password=False)


def app_urls(urls: DatabaseUrls, settings: Settings) -> DatabaseUrls:
    """The same databases, reached as the app's login role (`APP_ROLE`, password `APP_DATABASE_PASSWORD`)."""
    password = settings.app_database_password
    return DatabaseUrls(
        commerce=as_role(urls.commerce, APP_ROLE, password), content=as_role(urls.content, APP_ROLE, password)
    )


def resolve_urls(settings: Settings) -> DatabaseUrls:
    base = settings.database_url
    if base is None and not (settings.commerce_database_url and settings.content_database_url):
        base = start_embedded_postgres(settings)
    commerce = settings.commerce_database_url or base
    content = settings.content_database_url or base
    assert commerce is not None and content is not None
    return DatabaseUrls(commerce=sqlalchemy_url(commerce), content=sqlalchemy_url(content))


def content_in_own_database(settings: Settings) -> bool:
    """Whether the settings put the content store in another database than commerce (what `resolve_urls`
    would answer with `shared` false), decided without starting the embedded server."""
    commerce = settings.commerce_database_url or settings.database_url
    content = settings.content_database_url or settings.database_url
    if content is None:
        return False
    return commerce is None or sqlalchemy_url(commerce) != sqlalchemy_url(content)


CONNECTIONS_PER_REQUEST = len(Domain)
_WROTE = "store_changes.wrote"
_CHANGED_STORES = "store_changes.stores"


def _note_write(conn: Connection, cursor: object, statement: str, *args: object) -> None:
    if not statement.lstrip()[:6].upper().startswith("SELECT"):
        conn.info[_WROTE] = True


_READ_AND_COMMIT = "SELECT current_setting('app.changed_stores', true); COMMIT"


def _read_changed_stores(conn: Connection) -> None:
    """At the commit of a transaction that wrote: the stores whose readers it changes, as the store-change
    triggers noted them (api/cache_events.py), read in the commit's own round trip (one simple query: the read,
    then `COMMIT`). The transaction is then over, and the driver's commit that follows has nothing left to send.
    A failed `COMMIT` raises here, as SQLAlchemy's error for it (`_as_sqlalchemy_error`)."""
    if not conn.info.pop(_WROTE, False):
        return
    try:
        row = conn.connection.driver_connection.execute(_READ_AND_COMMIT).fetchone()  # type: ignore[union-attr]
    except psycopg.Error as exc:
        raise _as_sqlalchemy_error(conn, _READ_AND_COMMIT, None, exc) from exc
    if row and row[0]:
        conn.info[_CHANGED_STORES] = row[0]


def end_unwritten_with_commit(session: Session) -> None:
    """Before a session that failed rolls back: end its database transaction with COMMIT when it wrote nothing
    (the same outcome; its ORM changes, never flushed, are discarded by the rollback that follows, which then
    has nothing left to end). psycopg forgets every statement it prepared on a connection when a transaction
    rolls back (DDL might have dropped what they name): each failed request (a 404 after a query, a 409) cost
    its pooled connection all its prepared statements, and their next runs were planned again."""
    connection: Connection | None = session.info.get(_CONNECTION)
    if connection is None or connection.closed or connection.invalidated or connection.info.get(_WROTE):
        return
    driver = connection.connection.driver_connection
    if isinstance(driver, psycopg.Connection) and driver.info.transaction_status is TransactionStatus.INTRANS:
        with suppress(psycopg.Error):  # the rollback that follows ends it, and reports a lost connection its way
            driver.commit()


def _forget_changes(conn: Connection) -> None:
    if conn.invalidated:  # a lost connection: its notes go with it, and asking for them would raise
        return
    conn.info.pop(_WROTE, None)
    conn.info.pop(_CHANGED_STORES, None)


class Database:
    """Engines and session factories for both domains."""

    change_publisher: ChangePublisher | None

    def __init__(self, urls: DatabaseUrls, settings: Settings) -> None:
        # Every mapper must be known before the first query (foreign keys name other domains' tables).
        import api.models  # noqa: F401

        self.urls = urls
        # No ping before every checkout (a round trip per request): connections are recycled before a server
        # or proxy would drop them idle, and a connection that died anyway fails its request with a 503.
        # A fixed pool per worker (no overflow): its share of the connections the API may hold (api/config.py).
        self.pool_size = settings.db_pool_size
        pool: dict[str, Any] = {
            "pool_size": self.pool_size,
            "max_overflow": 0,
            "pool_timeout": settings.db_pool_timeout_seconds,
            "pool_pre_ping": False,
            "pool_recycle": settings.db_pool_recycle_seconds,
            "connect_args": {"connect_timeout": settings.db_connect_timeout_seconds},
        }
        self.commerce_engine: Engine = create_engine(urls.commerce, **pool)
        self.content_engine: Engine = (
            self.commerce_engine if urls.shared else create_engine(urls.content, **pool)
        )
        self.commerce_sessions = sessionmaker(self.commerce_engine, expire_on_commit=False)
        self.content_sessions = sessionmaker(self.content_engine, expire_on_commit=False)
        for sessions in (self.commerce_sessions, self.content_sessions):
            event.listen(sessions, "after_begin", _apply_tenant_scope)
        # Who hears of each commit that changed what a store's readers see, once it is done: the app's read
        # cache, and the Redis channel where one is configured (api/cache_events.py).
        self.change_subscribers: list[Callable[[list[Store]], None]] = []
        for engine in {self.commerce_engine, self.content_engine}:
            event.listen(engine, "before_cursor_execute", _note_write)
            event.listen(engine, "commit", _read_changed_stores)
            event.listen(engine, "rollback", _forget_changes)
            event.listen(engine.pool, "checkin", self._changes_committed)
        self.change_publisher = None
        if settings.redis_url:
            from api.cache_events import ChangePublisher, redis_channel

            self.change_publisher = ChangePublisher(settings.redis_url, redis_channel(urls))
            self.change_subscribers.append(self.change_publisher.publish)

    def _changes_committed(self, dbapi_connection: object, record: Any) -> None:
        changed: str | None = record.info.pop(_CHANGED_STORES, None)
        if changed:
            stores = [Store(store) for store in changed.split(",") if store in Store.__members__]
            for subscriber in list(self.change_subscribers):
                subscriber(stores)

    @property
    def max_concurrent_requests(self) -> int:
        """How many requests may hold connections at once without one waiting for the pool while it holds
        another: a request holds at most one connection per store (commerce, then content), and both stores
        draw on one pool when they share a database."""
        return max(1, self.pool_size // CONNECTIONS_PER_REQUEST) if self.urls.shared else self.pool_size

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The databases as the API reaches them: as the app role, under row-level security."""
        return cls(app_urls(resolve_urls(settings), settings), settings)

    def engine(self, domain: Domain) -> Engine:
        return self.commerce_engine if domain is Domain.commerce else self.content_engine

    @contextmanager
    def transaction(self, domain: Domain, scope: TenantScope = PLATFORM) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error, seeing `scope`'s rows."""
        factory = self.commerce_sessions if domain is Domain.commerce else self.content_sessions
        with factory(info={"tenant_scope": scope}) as session, session.begin():
            try:
                yield session
            except BaseException:
                end_unwritten_with_commit(session)
                raise

    @asynccontextmanager
    async def request_transaction(self, domain: Domain, scope: TenantScope = PLATFORM) -> AsyncIterator[Session]:
        """`transaction()` for a request dependency on the event loop: opening it does no I/O (the connection is
        taken on the first query, in the route's thread), and its end goes to a worker thread only when it
        talks to the database, so a request answered from the read cache costs no thread hop for it."""
        factory = self.commerce_sessions if domain is Domain.commerce else self.content_sessions
        session = factory(info={"tenant_scope": scope})
        transaction = session.begin()

        def end(commit: bool) -> None:
            # As `with session.begin()` ends: a transaction a failed flush deactivated (a route that caught the
            # IntegrityError and answered a form error) is rolled back, not committed.
            try:
                if commit and transaction.is_active:
                    session.commit()
                else:
                    end_unwritten_with_commit(session)
                    session.rollback()
            finally:
                session.close()

        async def finish(commit: bool) -> None:
            if needs_database_work(session):
                await run_in_threadpool(end, commit)
            else:
                end(commit)

        try:
            yield session
        except BaseException:
            await finish(False)
            raise
        await finish(True)

    def announce_change(self, domain: Domain) -> None:
        """Tell every reader that `domain` changed where no trigger sees it (dbt rebuilding the marts): the
        notification and `app.changed_stores` a store-change trigger raises, so it reaches LISTEN and Redis
        readers alike once this commits."""
        store = Domain(domain).value
        with self.transaction(domain) as session:
            session.execute(text(
                f"DO $$ BEGIN PERFORM pg_notify('store_changes', '{store}'); "
                f"PERFORM set_config('app.changed_stores', '{store}', true); END $$"
            ))

    def ping(self, domain: Domain) -> None:
        with self.engine(domain).connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        if self.change_publisher is not None:
            self.change_publisher.close()
        self.commerce_engine.dispose()
        if self.content_engine is not self.commerce_engine:
            self.content_engine.dispose()


def libpq_params(url: str) -> dict[str, str]:
    """Host, port, user, password and database of a URL, for tools configured field by field (dbt).
    A Unix-socket URL (`?host=/path`, as the embedded server gives) yields the socket directory as host."""
    parsed = make_url(sqlalchemy_url(url))
    socket_host = parsed.query.get("host")
    host = parsed.host or (socket_host if isinstance(socket_host, str) else "127.0.0.1")
    return {
        "host": host,
        "port": str(parsed.port or 5432),
        "user": parsed.username or "postgres",
        "password": parsed.password or "",
        "dbname": parsed.database or "postgres",
    }
