"""The content tables dbt reads, copied into the analytics (commerce) database when the content store has a
database of its own (`CONTENT_DATABASE_URL` naming another database than commerce).

dbt builds the marts and the sync views (`reconciliation`, `sync_status`) in the commerce database and reads
the content tables there; PostgreSQL cannot query across databases, so `content_replica` copies every table
of dbt's `content` source into the schema `content_replica` and dbt's content source reads that schema
(`MARKETPLACE_DBT_CONTENT_SCHEMA`, set by `build_dbt_resource`). Each table is one asset
`content_replica/<table>` downstream of `content/<table>`, and upstream of the dbt staging models in split mode.

A run copies incrementally, table by table, in one transaction on each side (a repeatable-read snapshot of
the content store; the copy commits at once, so dbt never sees half of it):

- deletes: rows whose key is gone from the store are deleted (the store's keys are copied to compare);
- inserts: rows whose key the copy lacks are copied, whenever they were written;
- updates: rows changed (`updated_at`; the outbox: dispatched or written) since the newest change already
  copied, minus `LOOKBACK` (a transaction stamps `updated_at` when it starts and may commit later).
A table whose columns changed (a migration) is altered to match and copied whole; `full: true` copies every row.
`content_replica_matches` checks that each copy holds as many rows, and the same newest change, as the store.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    multi_asset,
    multi_asset_check,
)
from psycopg import sql

from api.db import Domain, libpq_url
from orchestration.resources import CONTENT_REPLICA_SCHEMA, StoresResource, dbt_project

OWNERS = ["team:data"]
LOOKBACK = timedelta(hours=1)
# What marks a changed row, where it is not `updated_at`: outbox events change once, when dispatched.
CHANGED_AT = {"outbox_events": "coalesce(dispatched_at, occurred_at)"}
CHECK = "row_counts_match"


def dbt_content_tables() -> list[str]:
    """The tables of dbt's `content` source (from the manifest `make install` parses)."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    return sorted(s["name"] for s in manifest["sources"].values() if s["source_name"] == Domain.content.value)


TABLES = dbt_content_tables()


def replica_key(table: str) -> AssetKey:
    return AssetKey([CONTENT_REPLICA_SCHEMA, table])


@dataclass(frozen=True)
class TableShape:
    columns: tuple[tuple[str, str], ...]  # (name, SQL type), in order
    key: str  # the single-column primary key

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def changed_at(self, table: str) -> str | None:
        if table in CHANGED_AT:
            return CHANGED_AT[table]
        return "updated_at" if "updated_at" in self.names else None


def table_shape(conn: psycopg.Connection[Any], schema: str, table: str) -> TableShape | None:
    """Columns and primary key of `schema.table`, or None where it does not exist. Enum columns are copied as
    text (the enum types live in the other database)."""
    rows = conn.execute(
        "SELECT a.attname, CASE WHEN t.typtype = 'e' THEN 'text' ELSE format_type(a.atttypid, a.atttypmod) END, "
        "       coalesce(a.attnum = ANY(i.indkey), false) "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (f"{schema}.{table}",),
    ).fetchall()
    if not rows:
        return None
    keys = [name for name, _, is_key in rows if is_key]
    if len(keys) != 1:
        raise ValueError(f"{schema}.{table} needs a single-column primary key to be replicated, has {keys}")
    return TableShape(columns=tuple((name, kind) for name, kind, _ in rows), key=keys[0])


def _copy(
    source: psycopg.Connection[Any], query: sql.Composable, params: tuple[Any, ...] | None,
    target: psycopg.Connection[Any], into: sql.Composable,
) -> None:
    """Stream the rows of `query` on `source` into the table `into` on `target` (COPY, text format)."""
    with source.cursor().copy(sql.SQL("COPY ({}) TO STDOUT").format(query), params) as rows, \
            target.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(into)) as sink:
        for block in rows:
            sink.write(block)


@dataclass(frozen=True)
class TableCopy:
    table: str
    copied: int  # rows inserted or updated
    deleted: int
    rows: int  # rows in the copy afterwards
    full: bool

    def as_metadata(self) -> dict[str, Any]:
        return {"copied": self.copied, "deleted": self.deleted, "rows": self.rows, "full_copy": self.full}


def _follow_shape(
    target: psycopg.Connection[Any], copy: sql.Identifier, current: TableShape | None, wanted: TableShape
) -> bool:
    """Create the copy, or bring its columns to the store's (after a migration); True where it changed. The
    table is altered, not recreated, so the dbt views over it stay (but for those over a dropped column)."""
    if current is not None and current.key == wanted.key and dict(current.columns) == dict(wanted.columns):
        return False
    if current is None:
        target.execute(sql.SQL("CREATE TABLE {} ({}, PRIMARY KEY ({}))").format(
            copy,
            sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
                               for name, kind in wanted.columns),
            sql.Identifier(wanted.key),
        ))
        return True
    if current.key != wanted.key:
        raise ValueError(f"the primary key of {copy.as_string()} moved from {current.key} to {wanted.key}")
    have, want = dict(current.columns), dict(wanted.columns)
    for name, kind in wanted.columns:
        column = sql.Identifier(name)
        if name not in have:
            target.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(copy, column, sql.SQL(kind)))
        elif have[name] != kind:
            target.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}::{}").format(
                copy, column, sql.SQL(kind), column, sql.SQL(kind)))
    for name in have.keys() - want.keys():
        target.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {} CASCADE").format(copy, sql.Identifier(name)))
    return True


def replicate_table(
    source: psycopg.Connection[Any], target: psycopg.Connection[Any], table: str, full: bool = False
) -> TableCopy:
    """Bring `content_replica.<table>` on `target` up to `content.<table>` on `source` (see the module)."""
    shape = table_shape(source, Domain.content.value, table)
    if shape is None:
        raise ValueError(f"the content store has no table content.{table}")
    origin = sql.Identifier(Domain.content.value, table)
    copy = sql.Identifier(CONTENT_REPLICA_SCHEMA, table)
    key = sql.Identifier(shape.key)
    key_type = dict(shape.columns)[shape.key]
    target.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(CONTENT_REPLICA_SCHEMA)))
    if _follow_shape(target, copy, table_shape(target, CONTENT_REPLICA_SCHEMA, table), shape):
        full = True

    # Deletes: the store's keys, compared with the copy's.
    target.execute(sql.SQL("CREATE TEMP TABLE replica_keys (k {} PRIMARY KEY) ON COMMIT DROP").format(
        sql.SQL(key_type)))
    _copy(source, sql.SQL("SELECT {} FROM {}").format(key, origin), None, target, sql.Identifier("replica_keys"))
    deleted = target.execute(sql.SQL(
        "DELETE FROM {copy} AS c WHERE NOT EXISTS (SELECT 1 FROM replica_keys WHERE k = c.{key})"
    ).format(copy=copy, key=key)).rowcount

    # Inserts and updates: every row (a full copy), else the rows the copy lacks and those changed lately.
    changed_at = shape.changed_at(table)
    newest = None
    if changed_at and not full:
        row = target.execute(sql.SQL("SELECT max({}) FROM {}").format(sql.SQL(changed_at), copy)).fetchone()
        newest = row[0] if row else None
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in shape.names)
    select = sql.SQL("SELECT {} FROM {}").format(columns, origin)
    params: tuple[Any, ...] | None = None
    if changed_at and newest is not None:
        missing = [row[0] for row in target.execute(sql.SQL(
            "SELECT k FROM replica_keys WHERE NOT EXISTS (SELECT 1 FROM {copy} WHERE {key} = k)"
        ).format(copy=copy, key=key))]
        select = sql.SQL("{} WHERE {} >= %s OR {} = ANY(%s)").format(select, sql.SQL(changed_at), key)
        params = (newest - LOOKBACK, missing)
    else:
        full = True
    target.execute(sql.SQL("CREATE TEMP TABLE replica_rows (LIKE {}) ON COMMIT DROP").format(copy))
    _copy(source, select, params, target, sql.SQL("replica_rows ({})").format(columns))
    updates = [name for name in shape.names if name != shape.key]
    copied = target.execute(sql.SQL(
        "INSERT INTO {copy} ({columns}) SELECT {columns} FROM replica_rows ON CONFLICT ({key}) DO {action}"
    ).format(
        copy=copy, columns=columns, key=key,
        action=sql.SQL("UPDATE SET {}").format(sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in updates
        )) if updates else sql.SQL("NOTHING"),
    )).rowcount
    target.execute("DROP TABLE replica_keys, replica_rows")
    rows = target.execute(sql.SQL("SELECT count(*) FROM {}").format(copy)).fetchone()
    return TableCopy(table=table, copied=copied, deleted=deleted, rows=int(rows[0]) if rows else 0, full=full)


def replicate(stores: StoresResource, tables: list[str], full: bool = False) -> list[TableCopy]:
    """Copy `tables` from the content store into the commerce database, all in one transaction on each side."""
    urls = stores.urls
    with psycopg.connect(libpq_url(urls.content)) as source, psycopg.connect(libpq_url(urls.commerce)) as target:
        source.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        source.read_only = True
        with source.transaction(), target.transaction():
            return [replicate_table(source, target, table, full) for table in tables]


class ReplicaConfig(Config):
    full: bool = False
    """Copy every row of every table instead of the rows changed since the last copy."""


@multi_asset(
    name="content_replica",
    specs=[
        AssetSpec(
            replica_key(table),
            deps=[AssetKey([Domain.content.value, table])],
            group_name=CONTENT_REPLICA_SCHEMA,
            owners=OWNERS,
            kinds={"postgres"},
            description=f"Copy of the content store's `content.{table}` in the analytics database "
            f"(`{CONTENT_REPLICA_SCHEMA}.{table}`), which dbt reads when content has a database of its own.",
        )
        for table in TABLES
    ],
    can_subset=True,
    description="Copies the content tables dbt reads into the analytics database: deleted rows removed, "
    "missing and lately changed rows upserted (or every row with `full: true`).",
)
def content_replica(
    context: AssetExecutionContext, config: ReplicaConfig, stores: StoresResource
) -> Iterator[MaterializeResult]:
    selected = [table for table in TABLES if replica_key(table) in context.selected_asset_keys]
    for report in replicate(stores, selected, full=config.full):
        context.log.info(f"{report.table}: copied {report.copied}, deleted {report.deleted}, {report.rows} rows")
        yield MaterializeResult(asset_key=replica_key(report.table), metadata=report.as_metadata())


def _count_and_newest(conn: psycopg.Connection[Any], schema: str, table: str) -> tuple[int, Any] | None:
    shape = table_shape(conn, schema, table)
    if shape is None:
        return None
    changed_at = sql.SQL(shape.changed_at(table) or "NULL")
    row = conn.execute(sql.SQL("SELECT count(*), max({}) FROM {}").format(
        changed_at, sql.Identifier(schema, table))).fetchone()
    assert row is not None
    return int(row[0]), row[1]


@multi_asset_check(
    specs=[
        AssetCheckSpec(CHECK, asset=replica_key(table),
                       description=f"`{CONTENT_REPLICA_SCHEMA}.{table}` holds as many rows as `content.{table}`, "
                       "with the same newest change (writes after the last copy show until the next one).")
        for table in TABLES
    ],
)
def content_replica_matches(stores: StoresResource) -> Iterator[AssetCheckResult]:
    urls = stores.urls
    with psycopg.connect(libpq_url(urls.content)) as source, psycopg.connect(libpq_url(urls.commerce)) as target:
        for table in TABLES:
            store = _count_and_newest(source, Domain.content.value, table)
            copy = _count_and_newest(target, CONTENT_REPLICA_SCHEMA, table)
            yield AssetCheckResult(
                asset_key=replica_key(table),
                check_name=CHECK,
                passed=store is not None and store == copy,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "store_rows": store[0] if store else -1,
                    "replica_rows": copy[0] if copy else -1,
                    "store_newest_change": str(store[1]) if store else "",
                    "replica_newest_change": str(copy[1]) if copy else "",
                },
            )
