"""Launching Dagster jobs from the API, through the Dagster webserver's GraphQL API.
(Imported lazily: the Dagster client is heavy and the API needs it only when a run is launched.)"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from api.config import Settings
from api.errors import ServiceUnavailable

log = logging.getLogger(__name__)

CODE_LOCATION = "marketplace"


def launch_job(
    settings: Settings,
    job_name: str,
    *,
    asset_selection: Sequence[Sequence[str]] | None = None,
    run_config: Mapping[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
) -> str:
    """Submit a run of `job_name` and return its run id; 503 when Dagster cannot be reached."""
    from dagster_graphql import DagsterGraphQLClient

    try:
        client = DagsterGraphQLClient(settings.dagster_host, port_number=settings.dagster_port, timeout=30)
        run_id: str = client.submit_job_execution(
            job_name,
            repository_location_name=CODE_LOCATION,
            repository_name="__repository__",
            run_config=run_config,
            tags=tags,
            asset_selection=[list(key) for key in asset_selection] if asset_selection else None,
        )
    except Exception as exc:  # DagsterGraphQLClientError, or the webserver not answering at all
        # The client's message can quote the GraphQL query and the server's internals: the log keeps it,
        # the caller learns only that Dagster is unavailable.
        log.warning("dagster launch of %s failed: %s: %s", job_name, exc.__class__.__name__, exc)
        raise ServiceUnavailable("Dagster is not reachable or did not accept the run; try again shortly.") from exc
    return run_id
