"""Traces over OTLP/HTTP to a collector on loopback: one trace holds the outgoing httpx call, the server
span named by route template and the SQL it ran; the request's log line carries the same trace id."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from api.app import create_app
from api.config import Settings
from api.db import Database
from api.logs import JsonFormatter
from api.observability import tracing
from tests.ops.conftest import serve


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.spans: list[dict[str, Any]] = []


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
                    self.server.spans.append({"service": service, "name": span.name, "kind": span.kind,
                                              "trace_id": span.trace_id.hex(), "attributes": attributes})
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_requests_sql_and_outgoing_http_are_traced(
    settings: Settings, database: Database, collector: Collector
) -> None:
    traced = settings.model_copy(
        update={"otel_exporter_otlp_endpoint": f"http://127.0.0.1:{collector.server_address[1]}"}
    )
    access_log = logging.getLogger("api.access")
    lines = _Lines()
    access_log.addHandler(lines)
    old_level = access_log.level
    access_log.setLevel(logging.INFO)
    try:
        with serve(create_app(traced, database)) as base:
            assert httpx.get(f"{base}/ready", headers={"x-request-id": "req_traced"}).status_code == 200
        tracing.flush()
        deadline = time.monotonic() + 10
        while not any(s["kind"] == 2 and s["attributes"].get("http.route") == "/ready" for s in collector.spans):
            assert time.monotonic() < deadline, collector.spans
            time.sleep(0.1)
    finally:
        access_log.removeHandler(lines)
        access_log.setLevel(old_level)
        tracing.shutdown()

    server = next(s for s in collector.spans if s["kind"] == 2 and s["attributes"].get("http.route") == "/ready")
    trace_id = server["trace_id"]
    in_trace = [s for s in collector.spans if s["trace_id"] == trace_id]
    assert server["service"] == "marketplace-api"
    assert any(s["kind"] == 3 for s in in_trace), in_trace  # the httpx client span (kind CLIENT)
    assert any(s["attributes"].get("db.system") == "postgresql" or s["attributes"].get("db.system.name") ==
               "postgresql" for s in in_trace), in_trace
    request_lines = [line for line in lines.lines if line.get("request_id") == "req_traced"]
    assert request_lines and all(line["trace_id"] == trace_id for line in request_lines)
