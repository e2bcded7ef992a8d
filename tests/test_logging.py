from __future__ import annotations

import io
import json
import logging

from fastapi.testclient import TestClient

from api.logs import JsonFormatter


def test_every_request_is_logged_as_json_with_its_request_id(client: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("api.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        response = client.get("/health", headers={"X-Request-ID": "abc-123"})
    finally:
        access.removeHandler(handler)
    assert response.headers["x-request-id"] == "abc-123"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and lines[-1]["request_id"] == "abc-123"
    assert lines[-1]["path"] == "/health" and lines[-1]["status"] == 200
    assert lines[-1]["duration_ms"] >= 0


def test_json_formatter_includes_extra_fields_and_request_id() -> None:
    from api.logs import reset_request_id, set_request_id

    token = set_request_id("req_test")
    try:
        record = logging.LogRecord("api.access", logging.INFO, __file__, 1, "request", None, None)
        record.status = 200
        line = json.loads(JsonFormatter().format(record))
    finally:
        reset_request_id(token)
    assert line["request_id"] == "req_test"
    assert line["status"] == 200
    assert line["message"] == "request"
    assert line["level"] == "info"


def test_a_bogus_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["x-request-id"].startswith("req_")
