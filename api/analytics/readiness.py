"""Whether the dbt marts are there yet, and if not, when they will be.

On a first run (`marketplace demo`) the API answers at once while the first materialisation of the data
assets runs in the background through the Dagster daemon. The demo records that build in
`<data_dir>/marts-build.json` (state, start, expected duration: the last build's, or a default), and every
mart read answers "building, ready in about N s" (a 503 problem with `Retry-After`) until the marts exist.
Pages call `marts_ready()` to say the same, and to say when the marts they show were built ("data as of").
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from api.errors import ServiceUnavailable

STATUS_FILE = "marts-build.json"
# The mart every finance and vendor dashboard reads; dbt builds the marts together.
PROBE_TABLE = "analytics.vendor_stats"
DEFAULT_BUILD_SECONDS = 300
RETRY_FLOOR_SECONDS = 5
BuildState = Literal["building", "ready", "failed"]


@dataclass(frozen=True)
class MartsStatus:
    ready: bool
    building: bool
    ready_in_seconds: int | None
    message: str
    built_at: datetime | None = None  # when dbt last built the marts (the `marts_built` model), once ready


def read_build(data_dir: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads((data_dir / STATUS_FILE).read_text())
        return loaded
    except (OSError, ValueError):
        return {}


def record_build(data_dir: Path, state: BuildState) -> None:
    """Called by the demo around the first build; a finished build's duration becomes the next estimate."""
    previous = read_build(data_dir)
    now = time.time()
    status: dict[str, Any] = {
        "state": state,
        "started_at": previous.get("started_at", now),
        "expected_seconds": previous.get("expected_seconds", DEFAULT_BUILD_SECONDS),
    }
    if state == "building":
        status["started_at"] = now
    else:
        status["finished_at"] = now
        if state == "ready":
            status["expected_seconds"] = max(RETRY_FLOOR_SECONDS, round(now - status["started_at"]))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / STATUS_FILE).write_text(json.dumps(status))


def build_status(data_dir: Path) -> MartsStatus:
    """What to tell a reader while the marts are missing."""
    build = read_build(data_dir)
    if build.get("state") == "building":
        left = float(build["started_at"]) + float(build["expected_seconds"]) - time.time()
        seconds = max(RETRY_FLOOR_SECONDS, round(left))
        return MartsStatus(False, True, seconds, f"The analytics are being built; ready in about {seconds} s.")
    if build.get("state") == "failed":
        return MartsStatus(False, False, None, "The first build of the analytics failed; see its run in the "
                           "Dagster UI, then run the analytics job again.")
    return MartsStatus(False, False, None, "The analytics marts are not built yet; run the analytics job (dbt build).")


def marts_ready(session: Session, data_dir: Path) -> MartsStatus:
    """Ready when the marts exist (one catalog lookup); otherwise whether and when a build will land."""
    if session.scalar(text("SELECT to_regclass(:table) IS NOT NULL"), {"table": PROBE_TABLE}):
        return MartsStatus(True, False, 0, "The analytics are built.", built_at(session))
    return build_status(data_dir)


def built_at(session: Session) -> datetime | None:
    """When dbt last built the marts (the `marts_built` model); None while it has never been built."""
    try:
        with session.begin_nested():
            built: datetime | None = session.scalar(text("SELECT max(built_at) FROM analytics.marts_built"))
            return built
    except ProgrammingError:
        return None


def marts_unavailable(data_dir: Path) -> ServiceUnavailable:
    """The 503 problem a mart read answers while the marts are missing."""
    status = build_status(data_dir)
    seconds = status.ready_in_seconds or 60
    return ServiceUnavailable(
        status.message, headers={"Retry-After": str(seconds)}, building=status.building, ready_in_seconds=seconds
    )
