"""`use_generic_plans`: a transaction that asks for them plans each prepared statement once per connection
(`plan_cache_mode = force_generic_plan`), whether it asks before its first query (the setting goes with the tenant
scope) or after; the transactions that did not ask keep the server's own choice. The checkout asks
(tests/commerce/test_checkout_writes.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.db import Database, Domain, TenantScope, set_tenant_scope, use_generic_plans
from tests.conftest import commerce_statements


def _settings(session: Session) -> tuple[str, str]:
    row = session.execute(text("SELECT current_setting('plan_cache_mode'), current_setting('app.vendor_id')")).one()
    return row[0], row[1]


def test_asked_before_the_first_query_it_goes_with_the_tenant_scope(one_connection: Database) -> None:
    with one_connection.transaction(Domain.commerce) as session:
        server_choice, _ = _settings(session)
    assert server_choice != "force_generic_plan"

    with one_connection.transaction(Domain.commerce) as session, commerce_statements(one_connection) as seen:
        set_tenant_scope(session, TenantScope(vendor_id="vend_generic"))
        use_generic_plans(session)
        use_generic_plans(session)  # asking twice costs nothing more
        assert _settings(session) == ("force_generic_plan", "vend_generic")
    assert len(seen) == 2, seen  # the scope with the plan setting, then the query

    with one_connection.transaction(Domain.commerce) as session:  # the same connection, a transaction that did not ask
        assert _settings(session) == (server_choice, "*")


def test_asked_after_the_first_query_it_applies_from_then_on(one_connection: Database) -> None:
    with one_connection.transaction(Domain.commerce) as session:
        before, _ = _settings(session)
        use_generic_plans(session)
        assert _settings(session)[0] == "force_generic_plan"
    assert before != "force_generic_plan"
    with one_connection.transaction(Domain.commerce) as session:
        assert _settings(session)[0] == before

