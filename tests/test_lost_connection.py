"""A connection lost in the middle of a transaction fails it with the driver's error, not with a later one."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from api.db import Database, Domain


def test_a_lost_connection_fails_the_transaction_with_its_own_error(
    database: Database, owner_database: Database
) -> None:
    # The driver's error, not a PendingRollbackError raised while the transaction rolls back.
    with (pytest.raises(OperationalError, match="terminating connection"),
          database.transaction(Domain.commerce) as session):
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        with owner_database.transaction(Domain.commerce) as owner:
            owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        session.execute(text("SELECT 1"))
