"""`api.db.plain_rows`: a hot path's statements on the session's connection, without SQLAlchemy's result machinery,
and still in its transaction, its tenant scope, its listeners and its errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String, bindparam, event, literal, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from api.commissions.models import RuleScope
from api.db import Database, Domain, PlainStatement, plain_rows

PAIR = PlainStatement(select(bindparam("word", type_=String).label("word"), literal(RuleScope.vendor).label("scope")))


def test_a_plain_statement_runs_in_the_sessions_transaction_and_its_listeners_see_it(
    database: Database, owner_database: Database
) -> None:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(database.commerce_engine, "before_cursor_execute", note)
    try:
        with database.transaction(Domain.commerce) as session:
            (row,) = plain_rows(session, PAIR, {"word": "hello"})
            assert (row.word, row.scope) == ("hello", "vendor")  # the statement's own value goes with it
            backend = session.scalar(text("SELECT pg_backend_pid()"))
            (same,) = plain_rows(session, "SELECT pg_backend_pid() AS pid, current_setting('app.vendor_id') AS v", {})
            assert same.pid == backend and same.v == "*"  # the session's connection, in its tenant scope
        assert PAIR.compiled[0] in seen
    finally:
        event.remove(database.commerce_engine, "before_cursor_execute", note)
    with owner_database.transaction(Domain.commerce) as owner:
        owner.execute(text("CREATE TABLE plain_check (x int PRIMARY KEY)"))
    try:
        with owner_database.transaction(Domain.commerce) as session:
            plain_rows(session, "INSERT INTO plain_check VALUES (1)", {})
            session.rollback()  # a plain write is part of the transaction: it goes with it
        with owner_database.transaction(Domain.commerce) as session:
            assert plain_rows(session, "SELECT count(*) AS n FROM plain_check", {})[0].n == 0
    finally:
        with owner_database.transaction(Domain.commerce) as owner:
            owner.execute(text("DROP TABLE plain_check"))


def test_a_driver_error_is_sqlalchemys_and_a_lost_connection_is_invalidated(
    database: Database, owner_database: Database
) -> None:
    with pytest.raises(IntegrityError), database.transaction(Domain.commerce) as session:
        plain_rows(session, "DO $$ BEGIN RAISE unique_violation; END $$", {})
    with pytest.raises(OperationalError) as lost, database.transaction(Domain.commerce) as session:
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        with owner_database.transaction(Domain.commerce) as owner:
            owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        plain_rows(session, PAIR, {"word": "gone"})
    assert lost.value.connection_invalidated
    with database.transaction(Domain.commerce) as session:  # the pool gave the lost connection up
        assert plain_rows(session, PAIR, {"word": "again"})[0].word == "again"
