"""Resources for every system outside Dagster: the two stores and dbt."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from pydantic import PrivateAttr

from api.config import PROJECT_ROOT, get_settings
from api.db import Database, DatabaseUrls, Domain, content_in_own_database, libpq_params, resolve_urls
from api.logs import set_run_id

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


# Where the content tables are copied when the content store has a database of its own
# (`assets/analytics/content_replica.py`): dbt reads them there.
CONTENT_REPLICA_SCHEMA = "content_replica"


def dbt_content_schema(urls: DatabaseUrls) -> str:
    """The schema of the commerce database in which dbt finds the content tables."""
    return Domain.content.value if urls.shared else CONTENT_REPLICA_SCHEMA


def content_replicated() -> bool:
    """Whether this deployment's settings put content in a database of its own, so that dbt reads the copy
    (decides which assets the code location holds)."""
    return content_in_own_database(get_settings())


def dbt_env(commerce_url: str, content_schema: str = Domain.content.value) -> dict[str, str]:
    """The variables `dbt_project/profiles.yml` and the content sources read. dbt builds the analytics schemas
    in the commerce database, where it reads the commerce schema and the content tables (`content_schema`)."""
    env = {f"MARKETPLACE_DBT_{name.upper()}": value for name, value in libpq_params(commerce_url).items()}
    return {**env, "MARKETPLACE_DBT_CONTENT_SCHEMA": content_schema}


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")


class StoresResource(ConfigurableResource):
    """The commerce and content stores, reached exactly as the API reaches them. Empty URLs mean
    "use the settings" (DATABASE_URL, COMMERCE_/CONTENT_DATABASE_URL, or the embedded server)."""

    commerce_url: str = ""
    content_url: str = ""
    _database: Database | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # Every run touches the stores: from here on, this process's log lines carry the Dagster run id.
        set_run_id(context.run_id)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        set_run_id(None)

    @property
    def urls(self) -> DatabaseUrls:
        if self.commerce_url and self.content_url:
            return DatabaseUrls(commerce=self.commerce_url, content=self.content_url)
        return resolve_urls(get_settings())

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = Database(self.urls, get_settings())
        return self._database


def build_dbt_resource(stores: StoresResource) -> DbtCliResource:
    urls = stores.urls
    os.environ.update(dbt_env(urls.commerce, dbt_content_schema(urls)))  # dbt runs as a subprocess and inherits these
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
