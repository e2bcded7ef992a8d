"""Alembic environment of the commerce store. Its version table lives in the `commerce` schema, so the
store can share a database with the other domain or have one of its own."""

from alembic import context
from sqlalchemy import create_engine, pool, text

from api.models import CommerceBase

SCHEMA = "commerce"
target_metadata = CommerceBase.metadata


def run_migrations_online() -> None:
    url = context.config.attributes["url"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=SCHEMA,
            include_schemas=True,
            include_name=lambda name, type_, parent: type_ != "schema" or name == SCHEMA,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
