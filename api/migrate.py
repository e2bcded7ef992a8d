"""Alembic migrations of both stores, run from the CLI, the demo and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from api.db import DatabaseUrls, Domain

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(domain: Domain, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / domain.value))
    config.attributes["url"] = url
    return config


def upgrade(urls: DatabaseUrls, revision: str = "heads") -> None:
    for domain in Domain:
        command.upgrade(alembic_config(domain, getattr(urls, domain.value)), revision)


def downgrade(urls: DatabaseUrls, revision: str = "base") -> None:
    for domain in reversed(list(Domain)):
        command.downgrade(alembic_config(domain, getattr(urls, domain.value)), revision)


def revision(urls: DatabaseUrls, domain: Domain, message: str) -> None:
    """Autogenerate a revision for one store from the difference between its models and its database."""
    command.revision(alembic_config(domain, getattr(urls, domain.value)), message=message, autogenerate=True)
