"""A flush in one statement: what `session.flush()` writes for new and changed objects, without its statement per
table and per shape of change.

A checkout creates an order, its vendor orders, lines, payment, reservations and commission lines, and closes the
cart: the unit of work writes them as one INSERT per table and an UPDATE, a round trip each, and spends more of
the request's time sorting and bookkeeping than PostgreSQL spends writing. `write_pending` writes them in one
statement instead: a multi-row INSERT per table and an UPDATE per table and set of changed columns, each a
data-modifying `WITH` clause of the first one. Each clause's rows are one JSON parameter, turned into rows of its
table's type by PostgreSQL (`jsonb_populate_recordset`), so the statement's text depends only on the tables and
columns, and the driver prepares it once. PostgreSQL checks foreign keys at the end of the statement, so the
order of the clauses does not matter; a clause does not see the others' rows, so one object is never both new
and changed in one call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import Column, Table, inspect
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import DeclarativeBase, Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE, ONETOMANY
from sqlalchemy.orm.state import InstanceState

from api.db import plain_rows

log = logging.getLogger(__name__)
_DIALECT = psycopg_dialect()
_PREPARER = _DIALECT.identifier_preparer


def _link(state: InstanceState[Any], pending: set[InstanceState[Any]]) -> None:
    """Copy the keys of the related objects `state` holds into the foreign key columns, as a flush would."""
    mapper = state.mapper
    for relationship in mapper.relationships:
        value = state.dict.get(relationship.key)
        if value is None:
            continue
        if relationship.direction is ONETOMANY:
            for child in value if relationship.uselist else [value]:
                if inspect(child) not in pending:
                    raise _NeedsFlush(f"{child!r}: a persistent object added to a new one's collection")
                for parent_column, child_column in relationship.synchronize_pairs:
                    setattr(child, relationship.mapper.get_property_by_column(child_column).key,
                            getattr(state.obj(), mapper.get_property_by_column(parent_column).key))
        elif relationship.direction is MANYTOONE:
            for target_column, own_column in relationship.synchronize_pairs:
                setattr(state.obj(), mapper.get_property_by_column(own_column).key,
                        getattr(value, relationship.mapper.get_property_by_column(target_column).key))


def _json_value(value: object) -> str:
    """The JSON text of the values orjson does not write itself, as PostgreSQL reads them back into their
    columns. (orjson: the standard library's encoder cost a checkout ten times as much.)"""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"write_pending cannot pass a {type(value).__name__} through JSON")


def _columns(state: InstanceState[Any]) -> tuple[tuple[str, Column[Any]], ...]:
    """The object's columns of its own table, with their attribute keys."""
    return _mapper_columns(state.mapper)


@lru_cache(maxsize=256)
def _mapper_columns(mapper: Mapper[Any]) -> tuple[tuple[str, Column[Any]], ...]:
    return tuple((prop.key, prop.columns[0]) for prop in mapper.column_attrs
                 if isinstance(prop.columns[0], Column) and prop.columns[0].table is mapper.local_table)


def _fill(state: InstanceState[Any]) -> None:
    """Give a new object the values a flush would for the columns it did not set: their Python defaults, else
    NULL; the columns the server fills (identity, server defaults) stay unset."""
    for key, column in _columns(state):
        default = column.default
        if key in state.dict:
            continue
        if default is not None and (default.is_scalar or default.is_callable):
            state.dict[key] = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
        elif default is not None:
            raise _NeedsFlush(f"{column}: a SQL expression default")
        elif column.identity is None and column.server_default is None:
            state.dict[key] = None


Shape = tuple[str, Table, tuple[str, ...]]  # ("insert" | "update", table, columns written)


@lru_cache(maxsize=256)
def _onupdate_sql(column: Column[Any]) -> str | None:
    """The SQL of a column's `onupdate` expression (such as `updated_at = now()`); None when it has none."""
    if column.onupdate is None or not column.onupdate.is_clause_element:
        return None
    return str(column.onupdate.arg.compile(dialect=_DIALECT))  # type: ignore[attr-defined]


@lru_cache(maxsize=64)
def _statement(shapes: tuple[Shape, ...], returning: tuple[str, ...]) -> str:
    """The statement for rows of these shapes, whatever their number: the rows of shape n are the JSON parameter
    `rows_<n>`. The first shape is the statement's own; `returning` names the columns it returns."""
    quote = _PREPARER.quote

    def clause(n: int, shape: Shape) -> str:
        kind, table, names = shape
        unknown = set(names) - set(table.columns.keys())
        if unknown:  # jsonb_populate_recordset would drop them without a word
            raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
        table_name = _PREPARER.format_table(table)
        rows = f"jsonb_populate_recordset(NULL::{table_name}, %(rows_{n})s::jsonb)"
        if kind == "insert":
            columns = ", ".join(quote(name) for name in names)
            return f"INSERT INTO {table_name} ({columns}) SELECT {columns} FROM {rows}"
        keys = [c.name for c in table.primary_key.columns]
        sets = [f"{quote(name)} = r.{quote(name)}" for name in names if name not in keys]
        sets += [f"{quote(c.name)} = {sql}" for c in table.columns
                 if c.name not in names and (sql := _onupdate_sql(c)) is not None]
        # The rows are found by key: planned once for any number of rows (generic plans), the join alone was
        # estimated at 100 rows from the function, and a hash join over a scan of the whole table looked cheaper
        # than 100 key lookups up to some ten thousand rows. `= ANY(ARRAY(...))` of the keys uses the key's index.
        match = " AND ".join(f"t.{quote(key)} = r.{quote(key)}" for key in keys)
        by_key = " AND ".join(f"t.{quote(key)} = ANY(ARRAY(SELECT {quote(key)} FROM {rows}))" for key in keys)
        return f"UPDATE {table_name} AS t SET {', '.join(sets)} FROM {rows} AS r WHERE {match} AND {by_key}"

    first, *others = shapes
    ctes = [f"write_{n} AS ({clause(n, shape)})" for n, shape in enumerate(others, start=1)]
    sql = ("WITH " + ", ".join(ctes) + " " if ctes else "") + clause(0, first)
    if returning:
        sql += " RETURNING " + ", ".join(quote(name) for name in returning)
    return sql


def _changes(state: InstanceState[Any]) -> dict[str, Any]:
    """The changed columns of a persistent object (by column name), and its primary key."""
    changed: dict[str, Any] = {}
    for key, column in _columns(state):
        if state.attrs[key].history.has_changes():
            changed[column.name] = state.dict[key]
    for relationship in state.mapper.relationships:
        if state.attrs[relationship.key].history.has_changes():
            raise _NeedsFlush(f"{state.obj()!r}: a changed relationship")
    if changed:
        for key_column in state.mapper.primary_key:
            changed[key_column.name] = state.dict[state.mapper.get_property_by_column(key_column).key]
    return changed


class _NeedsFlush(Exception):
    """Something only the unit of work writes: a delete, a changed relationship of a persistent object, a
    persistent object put in a new one's collection, a column default that is a SQL expression."""


Model = type[DeclarativeBase]
NewRows = Sequence[tuple[Model, Sequence[dict[str, Any]]]]


def new_row(model: Model, **values: Any) -> dict[str, Any]:
    """A new row of `model`'s table as plain values (by column name), for `write_pending`'s `rows`: `values`, and
    for the columns not given, their default set in Python (such as a new id), as a flush would give them. The
    columns the server fills (identity, server defaults) stay out, to be made by the server."""
    row = dict(values)
    for name, default in _python_defaults(model):
        if name not in row:
            row[name] = default.arg(None) if default.is_callable else default.arg
    return row


def _table(model: Model) -> Table:
    return cast(Table, inspect(model).local_table)


@lru_cache(maxsize=64)
def _python_defaults(model: Model) -> tuple[tuple[str, Any], ...]:
    defaults = []
    for column in _table(model).columns:
        default = column.default
        if default is not None and not (default.is_scalar or default.is_callable):
            raise TypeError(f"{column}: a SQL expression default; new_row cannot set it")
        if default is not None:
            defaults.append((column.name, default))
    return tuple(defaults)


def write_pending(
    session: Session, rows: NewRows = (), returning: Sequence[str] = (), changes: NewRows = ()
) -> list[Any]:
    """Write the session's new and changed objects in one statement, as `session.flush()` would, and leave them
    as a flush does: new objects persistent, changes committed. The first new object's table is the statement's
    own INSERT: the values the server made for its rows (identity, server defaults) come back with it; other
    server-made values (defaults of other tables, `onupdate` expressions) load when read. New objects whose
    primary key the server makes are written but left out of the session. When the session holds what only the
    unit of work writes (`_NeedsFlush`), this is `session.flush()`, then the statement for `rows` alone.

    `rows` are new rows given as plain values (`new_row`), per model, inserted in the same statement and never in
    the session: what a write of many objects costs the ORM (building, tracking, sorting them) is left out. With
    `rows`, the statement is the first model's INSERT, and returns its `returning` columns, a row per row given.
    `changes` are existing rows given as plain values too: each its primary key and the columns to set (their
    `onupdate` columns are set as well), updated in the same statement; a row read without an ORM object (the cart
    a checkout closes) is changed this way."""
    try:
        return _write_in_one_statement(session, rows, returning, changes)
    except _NeedsFlush as reason:
        log.debug("write_pending falls back to a flush", extra={"reason": str(reason)})
        session.flush()
        return _write_in_one_statement(session, rows, returning, changes)


def _write_in_one_statement(
    session: Session, rows: NewRows, returning: Sequence[str], changes: NewRows
) -> list[Any]:
    if session.deleted:
        raise _NeedsFlush("a delete")
    objects = list(session.new)  # held here: once expunged, nothing else may hold them
    pending = [inspect(obj) for obj in objects]
    changed = [(state, values) for state in map(inspect, list(session.dirty)) if (values := _changes(state))]
    given = [(_table(model), model_rows) for model, model_rows in rows if model_rows]
    updates = [(_table(model), model_rows) for model, model_rows in changes if model_rows]
    if not pending and not changed and not given and not updates:
        return []
    pending_set = set(pending)
    for state in pending:
        _fill(state)
    for state in pending:
        _link(state, pending_set)
    groups: dict[Shape, list[tuple[InstanceState[Any] | None, dict[str, Any]]]] = {}
    server_columns: dict[Shape, list[Column[Any]]] = {}
    for table, table_rows in given:
        for row in table_rows:
            groups.setdefault(("insert", table, tuple(row)), []).append((None, row))
    for state in pending:
        values = {column.name: state.dict[key] for key, column in _columns(state) if key in state.dict}
        shape: Shape = ("insert", state.mapper.local_table, tuple(values))
        groups.setdefault(shape, []).append((state, values))
        server_columns.setdefault(shape, [column for key, column in _columns(state) if key not in state.dict])
    for state, values in changed:
        groups.setdefault(("update", cast(Table, state.mapper.local_table), tuple(values)), []).append((state, values))
    for table, table_rows in updates:
        for row in table_rows:
            groups.setdefault(("update", table, tuple(row)), []).append((None, row))
    shapes = tuple(groups)
    kind, table, names = shapes[0]
    primary_key = list(table.primary_key.columns)
    # What the server made comes back only for new objects this session keeps (those whose key it already knows),
    # unless plain rows were given: then their first model's `returning` does.
    returned = (server_columns[shapes[0]] if not given and kind == "insert"
                and all(c.name in names for c in primary_key) else [])
    sql = _statement(shapes, tuple(returning) if given else tuple(c.name for c in (*primary_key, *returned)))
    parameters = {f"rows_{n}": orjson.dumps([values for _, values in groups[shape]], default=_json_value).decode()
                  for n, shape in enumerate(shapes)}
    result = plain_rows(session, sql, parameters)
    answer = list(result) if given and returning else []
    made = {tuple(row[: len(primary_key)]): row[len(primary_key):] for row in result} if returned else {}

    # Then as a flush ends (no public API for it): new objects become persistent (rolled back with the transaction,
    # as a flush's are), changes are the committed values, and what the server made is expired, to load when read.
    kept = [state for state in pending if None not in state.mapper.identity_key_from_instance(state.obj())[1]]
    for state in pending:
        if state not in kept:
            session.expunge(state.obj())
    session._register_persistent({*kept, *(state for state, _ in changed)})
    for state, values in groups[shapes[0]] if returned else []:
        assert state is not None
        server_made = made[tuple(values[c.name] for c in primary_key)]
        for column, value in zip(returned, server_made, strict=True):
            set_committed_value(state.obj(), state.mapper.get_property_by_column(column).key, value)
    for state in kept:
        unloaded = [key for key, _ in _columns(state) if key not in state.dict]
        if unloaded:
            session.expire(state.obj(), unloaded)
    for state, _ in changed:
        expired = [key for key, column in _columns(state) if _onupdate_sql(column) is not None]
        if expired:
            session.expire(state.obj(), expired)
    return answer
