"""Alembic migrations of both stores, run from the CLI, the demo and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text

from api.db import APP_ROLE, DatabaseUrls, Domain

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(domain: Domain, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / domain.value))
    config.attributes["url"] = url
    return config


def upgrade(urls: DatabaseUrls, revision: str = "heads", app_password: str | None = None) -> None:
    """Upgrade both stores; with `app_password`, (re)set the password of the app's login role too."""
    for domain in Domain:
        command.upgrade(alembic_config(domain, getattr(urls, domain.value)), revision)
    if app_password:
        for url in {urls.commerce, urls.content}:
            set_app_role_password(url, app_password)


def set_app_role_password(owner_url: str, password: str) -> None:
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        statement: str = conn.execute(
            text("SELECT format('ALTER ROLE %I PASSWORD %L', CAST(:role AS text), CAST(:password AS text))"),
            {"role": APP_ROLE, "password": password},
        ).scalar_one()
        conn.exec_driver_sql(statement)
    engine.dispose()


def downgrade(urls: DatabaseUrls, revision: str = "base") -> None:
    for domain in reversed(list(Domain)):
        command.downgrade(alembic_config(domain, getattr(urls, domain.value)), revision)


def revision(urls: DatabaseUrls, domain: Domain, message: str) -> None:
    """Autogenerate a revision for one store from the difference between its models and its database."""
    command.revision(alembic_config(domain, getattr(urls, domain.value)), message=message, autogenerate=True)
