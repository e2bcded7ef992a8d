"""A transaction that fails without writing keeps its connection's prepared statements (`end_unwritten_with_commit`):
psycopg forgets them all on a rollback, so every failed request used to cost its pooled connection every plan it
had. One that wrote still rolls back, and its rows are gone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.db import Database, Domain
from api.vendors.models import Vendor


class Failed(Exception):
    pass


def _prepared(session: Session) -> int:
    return int(session.scalar(text("SELECT count(*) FROM pg_prepared_statements")) or 0)


def _warm(database: Database) -> int:
    for _ in range(6):  # psycopg prepares a statement on its fifth run
        with database.transaction(Domain.commerce) as session:
            session.scalars(select(Vendor).where(Vendor.id == "vend_nobody")).all()
    with database.transaction(Domain.commerce) as session:
        return _prepared(session)


def test_a_failed_read_keeps_the_prepared_statements(one_connection: Database) -> None:
    prepared = _warm(one_connection)
    assert prepared >= 1

    with pytest.raises(Failed), one_connection.transaction(Domain.commerce) as session:
        session.scalars(select(Vendor).where(Vendor.id == "vend_nobody")).all()
        raise Failed  # as a route answering 404 after its query

    async def failed_request() -> None:
        async with one_connection.request_transaction(Domain.commerce) as session:
            session.scalars(select(Vendor).where(Vendor.id == "vend_nobody")).all()
            raise Failed

    with pytest.raises(Failed):
        asyncio.run(failed_request())

    with one_connection.transaction(Domain.commerce) as session:
        assert _prepared(session) == prepared


def test_a_failed_write_rolls_back(one_connection: Database) -> None:
    prepared = _warm(one_connection)
    with pytest.raises(Failed), one_connection.transaction(Domain.commerce) as session:
        session.execute(text("CREATE TEMPORARY TABLE probe (id int) ON COMMIT PRESERVE ROWS"))
        raise Failed
    with one_connection.transaction(Domain.commerce) as session:
        # Rolled back: the table never existed (and psycopg dropped its plans, as it must after a rollback).
        assert session.scalar(text("SELECT to_regclass('pg_temp.probe')")) is None
        assert _prepared(session) < prepared


def test_a_failed_read_on_a_lost_connection_fails_as_a_lost_connection(
    database: Database, owner_database: Database
) -> None:
    """The COMMIT meets the dead connection first and steps aside: the rollback reports the loss through SQLAlchemy
    (a 503 in the API), as it did before, not a bare driver error; the pool drops the connection."""
    with pytest.raises(OperationalError, match="connection"), database.transaction(Domain.commerce) as session:
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        with owner_database.transaction(Domain.commerce) as owner:
            owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        raise Failed

    async def failed_request() -> None:
        async with database.request_transaction(Domain.commerce) as session:
            backend = session.scalar(text("SELECT pg_backend_pid()"))
            with owner_database.transaction(Domain.commerce) as owner:
                owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            raise Failed

    with pytest.raises(OperationalError, match="connection"):
        asyncio.run(failed_request())
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(text("SELECT 1")) == 1
