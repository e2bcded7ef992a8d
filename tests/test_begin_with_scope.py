"""A session's transaction opens with its tenant scope in one round trip (`api.db._begin_with`): psycopg would send
its `BEGIN` alone first. Seen in libpq's own trace of what the client sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.pq import Trace
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from api.db import Database, Domain, TenantScope, set_tenant_scope


@contextmanager
def client_messages(database: Database, tmp_path: Path) -> Iterator[list[str]]:
    """The messages the client sends on connections taken from the pool while the block runs, as libpq traces
    them (each `<kind>\\t<text>`), filled in when the block ends."""
    trace = (tmp_path / "libpq-trace.txt").open("w")
    traced: list[psycopg.Connection[Any]] = []

    def on_checkout(driver: psycopg.Connection[Any], *_: Any) -> None:
        driver.pgconn.trace(trace.fileno())
        driver.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
        traced.append(driver)

    messages: list[str] = []
    event.listen(database.commerce_engine, "checkout", on_checkout)
    try:
        yield messages
    finally:
        event.remove(database.commerce_engine, "checkout", on_checkout)
        for driver in traced:
            driver.pgconn.untrace()
        trace.close()
    for line in (tmp_path / "libpq-trace.txt").read_text().splitlines():
        direction, _length, kind, *rest = line.split("\t")
        if direction == "F":
            messages.append(f"{kind}\t{' '.join(rest).strip()}")


def test_a_transaction_opens_with_its_scope_in_one_round_trip(one_connection: Database, tmp_path: Path) -> None:
    with client_messages(one_connection, tmp_path) as sent, one_connection.transaction(Domain.commerce) as session:
        assert session.scalar(text("SELECT current_setting('app.vendor_id')")) == "*"
    first, *later = sent
    assert first.startswith("Query\t\"BEGIN; SELECT set_config('app.vendor_id', '*', true)"), sent
    assert not [m for m in later if "BEGIN" in m], sent  # no BEGIN of psycopg's own
    assert "current_setting('app.vendor_id')" in later[0], sent  # then the session's statement


def test_a_scope_value_is_quoted_by_the_driver(one_connection: Database) -> None:
    odd = TenantScope(vendor_id="ven_o'brien\\", company_id="com_'); SELECT 1; --")
    with one_connection.transaction(Domain.commerce) as session:
        set_tenant_scope(session, odd)  # before the first query: it goes with the BEGIN
        row = session.execute(text("SELECT current_setting('app.vendor_id'), current_setting('app.company_id')"))
        assert tuple(row.one()) == (odd.vendor_id, odd.company_id)


def test_a_transaction_of_other_characteristics_keeps_psycopgs_begin_and_its_scope(
    one_connection: Database, tmp_path: Path
) -> None:
    with client_messages(one_connection, tmp_path) as sent, one_connection.transaction(Domain.commerce) as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        row = session.execute(text("SELECT current_setting('transaction_isolation'), current_setting('app.vendor_id')"))
        assert tuple(row.one()) == ("repeatable read", "*")
    assert sent[0] == 'Query\t"BEGIN ISOLATION LEVEL REPEATABLE READ"', sent


def test_a_connection_lost_before_the_begin_is_sqlalchemys_error_and_invalidated(
    one_connection: Database, owner_database: Database
) -> None:
    with one_connection.transaction(Domain.commerce) as session:
        backend = session.scalar(text("SELECT pg_backend_pid()"))
    with owner_database.transaction(Domain.commerce) as owner:  # the pooled connection, idle, is cut
        owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with pytest.raises(OperationalError) as lost, one_connection.transaction(Domain.commerce) as session:
        session.scalar(text("SELECT 1"))
    assert lost.value.connection_invalidated
    with one_connection.transaction(Domain.commerce) as session:  # the pool opens a new one
        assert session.scalar(text("SELECT pg_backend_pid()")) != backend
