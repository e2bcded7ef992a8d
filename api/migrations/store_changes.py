"""The `notify_store_change` triggers of a schema, called only while a store they name is not yet noted.

Each such trigger (0007/0005 cache notify, 0012/0008 cache publish, 0014 page notify, 0015 access notify) calls
`<schema>.notify_store_change(<stores>...)`, which notifies its table's schema and every store given as an
argument and notes them in the transaction-local setting `app.changed_stores`. Once a transaction has noted them,
another call changes nothing (PostgreSQL folds a transaction's identical notifications into one), yet each call
entered PL/pgSQL: a checkout writes eight such tables. A `WHEN` condition, evaluated without entering PL/pgSQL,
skips the call when every store the trigger names is noted. A table given the trigger later takes the same
condition (`when_not_noted`)."""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

TRIGGER = "notify_store_change"


def when_not_noted(stores: list[str]) -> str:
    """The trigger's condition: not every one of `stores` is in `app.changed_stores` yet."""
    names = ", ".join(f"'{store}'" for store in stores)
    return (f"NOT coalesce(string_to_array(current_setting('app.changed_stores', true), ',') "
            f"@> ARRAY[{names}]::text[], false)")


def _triggers(schema: str) -> list[tuple[str, str, list[str]]]:
    """Each trigger of the schema: its table, its definition and the stores it names (the schema, its arguments)."""
    rows = op.get_bind().execute(text(
        "SELECT c.relname, pg_get_triggerdef(t.oid), t.tgargs FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE t.tgname = :name AND n.nspname = :schema ORDER BY c.relname"
    ), {"name": TRIGGER, "schema": schema}).tuples()
    triggers: list[tuple[str, str, list[str]]] = []
    for table, definition, args in rows:  # tgargs: each argument ends with a zero byte
        triggers.append((table, definition, [schema, *(a.decode() for a in bytes(args).split(b"\0")[:-1])]))
    return triggers


def _recreate(schema: str, skip_noted: bool) -> None:
    for table, definition, stores in _triggers(schema):
        events, _, rest = definition.partition(" FOR EACH STATEMENT ")
        call = rest[rest.index("EXECUTE FUNCTION"):]
        when = f"WHEN ({when_not_noted(stores)}) " if skip_noted else ""
        op.execute(f'DROP TRIGGER {TRIGGER} ON {schema}."{table}"')
        op.execute(f"{events} FOR EACH STATEMENT {when}{call}")


def skip_noted_stores(schema: str) -> None:
    _recreate(schema, skip_noted=True)


def always_call(schema: str) -> None:
    _recreate(schema, skip_noted=False)
