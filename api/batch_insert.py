"""New rows in one statement: what a flush of many new objects writes, without its statement per table.

A checkout creates an order, its vendor orders, lines, payment, reservations and commission lines: the unit of
work writes them as one INSERT per table, a round trip each, and spends more of the request's time sorting
and bookkeeping than PostgreSQL spends writing. `insert_pending` writes all of a session's new objects in one
statement instead: one multi-row INSERT per table, each a data-modifying `WITH` clause of the first table's
INSERT. PostgreSQL checks foreign keys at the end of the statement, so the order of the clauses does not
matter.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Table, inspect
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE, ONETOMANY
from sqlalchemy.orm.state import InstanceState

_PREPARER = psycopg_dialect().identifier_preparer


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
                    raise ValueError(f"{child!r} is not new: insert_pending writes new rows only")
                for parent_column, child_column in relationship.synchronize_pairs:
                    setattr(child, relationship.mapper.get_property_by_column(child_column).key,
                            getattr(state.obj(), mapper.get_property_by_column(parent_column).key))
        elif relationship.direction is MANYTOONE:
            for target_column, own_column in relationship.synchronize_pairs:
                setattr(state.obj(), mapper.get_property_by_column(own_column).key,
                        getattr(value, relationship.mapper.get_property_by_column(target_column).key))


def _columns(state: InstanceState[Any]) -> list[tuple[str, Column[Any]]]:
    return [(prop.key, prop.columns[0]) for prop in state.mapper.column_attrs
            if isinstance(prop.columns[0], Column) and prop.columns[0].table is state.mapper.local_table]


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
            raise NotImplementedError(f"{column}: a SQL expression default; set the value or use server_default")
        elif column.identity is None and column.server_default is None:
            state.dict[key] = None


@lru_cache(maxsize=64)
def _statement(shapes: tuple[tuple[Table, tuple[str, ...]], ...], returning: tuple[str, ...]) -> str:
    """The statement for rows of these tables and columns, whatever their number: each table's rows are one JSON
    parameter (`rows_<n>`, in the order of `shapes`), turned into rows of the table's type by PostgreSQL, so the
    text is the same for any checkout of this shape and the driver prepares it once."""
    quote = _PREPARER.quote

    def insert_sql(n: int, table: Table, names: tuple[str, ...]) -> str:
        columns = ", ".join(quote(name) for name in names)
        table_name = _PREPARER.format_table(table)
        return (f"INSERT INTO {table_name} ({columns}) SELECT {columns} "
                f"FROM jsonb_populate_recordset(NULL::{table_name}, %(rows_{n})s::jsonb)")

    (table, names), *others = shapes
    ctes = [f"insert_{n} AS ({insert_sql(n, t, c)})" for n, (t, c) in enumerate(others, start=1)]
    sql = ("WITH " + ", ".join(ctes) + " " if ctes else "") + insert_sql(0, table, names)
    if returning:
        sql += " RETURNING " + ", ".join(quote(name) for name in returning)
    return sql


def insert_pending(session: Session) -> None:
    """Write the session's new objects in one statement and make them persistent, as `session.flush()` would for
    them. The first object's table is the statement's own INSERT: the values the server made for its rows
    (identity, server defaults) come back with it; the other objects' server-made values load when read.
    Objects whose primary key the server makes are written but left out of the session."""
    objects = list(session.new)  # held here: once expunged, nothing else may hold them
    pending = [inspect(obj) for obj in objects]
    if not pending:
        return
    pending_set = set(pending)
    for state in pending:
        _fill(state)
    for state in pending:
        _link(state, pending_set)
    groups: dict[tuple[Table, tuple[str, ...]], list[tuple[InstanceState[Any], dict[str, Any]]]] = {}
    server_columns: dict[tuple[Table, tuple[str, ...]], list[Column[Any]]] = {}
    for state in pending:
        values = {column.name: state.dict[key] for key, column in _columns(state) if key in state.dict}
        from_server = [column for key, column in _columns(state) if key not in state.dict]
        key = (state.mapper.local_table, tuple(values))
        groups.setdefault(key, []).append((state, values))
        server_columns.setdefault(key, from_server)
    (first, *others) = groups
    table = first[0]
    primary_key = list(table.primary_key.columns)
    # What the server made comes back only for rows this session keeps: those whose key it already knows.
    returned = server_columns[first] if all(c.name in first[1] for c in primary_key) else []
    shapes = tuple((key[0], key[1]) for key in (first, *others))
    sql = _statement(shapes, tuple(c.name for c in (*primary_key, *returned)) if returned else ())
    parameters = {
        f"rows_{n}": json.dumps([values for _, values in groups[key]], default=str)
        for n, key in enumerate((first, *others))
    }
    result = session.connection().exec_driver_sql(sql, parameters)
    made = {tuple(row[: len(primary_key)]): row[len(primary_key):] for row in result} if returned else {}

    for state in pending:
        if state.obj() in session:  # expunging an object expunges the objects it cascades to
            session.expunge(state.obj())
    kept = [state for state in pending if None not in state.mapper.identity_key_from_instance(state.obj())[1]]
    for state in kept:
        make_transient_to_detached(state.obj())
    for state in kept:
        session.add(state.obj())
    for state, values in groups[first] if returned else []:
        row = made[tuple(values[c.name] for c in primary_key)]
        for column, value in zip(returned, row, strict=True):
            set_committed_value(state.obj(), state.mapper.get_property_by_column(column).key, value)
