"""OpenTelemetry traces of requests, SQL and outgoing HTTP, exported over OTLP/HTTP when
`OTEL_EXPORTER_OTLP_ENDPOINT` is set (nothing is traced otherwise). The maintained instrumentations do the
work: FastAPI (server spans named by route template), SQLAlchemy (one span per statement) and httpx
(client spans, with the trace context propagated to the server called). Log lines carry the trace id
(`api/logs.py`)."""

from __future__ import annotations

import threading
import weakref

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy import Engine

from api.config import Settings
from api.db import Database, Domain

_lock = threading.Lock()
_provider: TracerProvider | None = None
_traced: weakref.WeakSet[Engine] = weakref.WeakSet()


def tracer_provider(settings: Settings, service_name: str) -> TracerProvider | None:
    """The process's provider (one per process: the first caller names the service), or None when off."""
    global _provider
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    with _lock:
        if _provider is None:
            provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
            exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
            provider.add_span_processor(BatchSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            HTTPXClientInstrumentor().instrument(tracer_provider=provider)
            _provider = provider
        return _provider


def trace_database(database: Database, provider: TracerProvider) -> None:
    """SQL spans for both stores' engines (once per engine)."""
    engines = {id(database.engine(d)): database.engine(d) for d in Domain}
    fresh = [e for e in engines.values() if e not in _traced]
    _traced.update(fresh)
    if not fresh:
        return
    instrumentor = SQLAlchemyInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        # Engines made since the first call are already traced by the wrapped create_engine; older ones join here.
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

        for engine in fresh:
            EngineTracer(provider.get_tracer(__name__), engine, True)
        return
    # The instrumentation declares SQLAlchemy < 2.1; it works with 2.1 (its test here checks the SQL spans).
    instrumentor.instrument(engines=fresh, tracer_provider=provider, skip_dep_check=True)


def install_tracing(app: FastAPI, database: Database, settings: Settings) -> None:
    provider = tracer_provider(settings, "marketplace-api")
    if provider is None:
        return
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="/health,/metrics")
    trace_database(database, provider)


def install_process_tracing(database: Database, settings: Settings, service_name: str) -> None:
    """For the worker processes (dispatcher, notifier): SQL and outgoing HTTP."""
    provider = tracer_provider(settings, service_name)
    if provider is not None:
        trace_database(database, provider)


def flush() -> None:
    if _provider is not None:
        _provider.force_flush()


def shutdown() -> None:
    """Stop tracing in this process: flush, end the exporter, undo the instrumentations."""
    global _provider
    with _lock:
        if _provider is None:
            return
        HTTPXClientInstrumentor().uninstrument()
        SQLAlchemyInstrumentor().uninstrument()
        _provider.shutdown()
        _provider = None
