"""Log lines written while a Dagster run works carry its run id."""

from __future__ import annotations

import json
import logging
from typing import Any

from dagster import asset, materialize

from api.db import DatabaseUrls, Domain
from api.logs import JsonFormatter
from orchestration.resources import StoresResource


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@asset
def pinged_store(stores: StoresResource) -> None:
    stores.database.ping(Domain.commerce)
    logging.getLogger("api.ops_test").info("store answered")


def test_log_lines_of_a_run_carry_its_run_id(urls: DatabaseUrls) -> None:
    lines = _Lines()
    logger = logging.getLogger("api.ops_test")
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        result = materialize(
            [pinged_store], resources={"stores": StoresResource(commerce_url=urls.commerce, content_url=urls.content)}
        )
        logger.info("after the run")
    finally:
        logger.removeHandler(lines)
    assert result.success
    during, after = lines.lines
    assert during["message"] == "store answered" and during["run_id"] == result.run_id
    assert "run_id" not in after
