"""Prometheus metrics at `GET /metrics`.

Counters and histograms live in the process that observes them. With several uvicorn workers, set
`PROMETHEUS_MULTIPROC_DIR` (`marketplace serve` does) so every worker writes its values to files there and
any worker's `/metrics` answers the sum of all. Figures that are facts of the database (outbox backlog,
webhook deliveries by state, commission-run findings) are read from it when scraped, so every instance
reports the same values.

Hooks for other modules: `record_cache_lookup(cache, hit)`, `record_checkout(outcome)`,
`record_notification(state)`."""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import Scope

from api.db import Database, Domain
from api.errors import Unauthorized
from api.routing import Router
from api.webhooks.models import DeliveryStatus

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "marketplace_http_requests_total", "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "marketplace_http_request_duration_seconds", "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_POOL_IN_USE = Gauge(
    "marketplace_db_pool_connections_in_use", "Database connections checked out of the pool, per store.",
    ["store"], multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "marketplace_db_pool_size", "Configured pool size (without overflow), per store, summed over processes.",
    ["store"], multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "marketplace_cache_lookups_total", "Read-cache lookups by cache and result (hit or miss).", ["cache", "result"]
)
CHECKOUTS = Counter(
    "marketplace_checkouts_total", "Cart completions by outcome (completed, approval_required, or the problem code).",
    ["outcome"],
)
NOTIFICATIONS = Counter(
    "marketplace_notifications_total", "E-mail notifications by state (sent, retried, failed, skipped).", ["state"]
)


def record_cache_lookup(cache: str, hit: bool) -> None:
    CACHE_LOOKUPS.labels(cache, "hit" if hit else "miss").inc()


def record_checkout(outcome: str) -> None:
    CHECKOUTS.labels(outcome).inc()


def record_notification(state: str) -> None:
    NOTIFICATIONS.labels(state).inc()


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def observe_request(method: str, scope: Scope, status: int, seconds: float) -> None:
    """Count and time one answered HTTP request by its route template (never the raw path: ids would explode
    it). The request-context middleware calls it once per request, beside its access log line."""
    route = _route_template(scope)
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch_pools(database: Database) -> None:
    """Track checked-out connections of each store's pool (once per engine)."""
    for domain in Domain:
        engine = database.engine(domain)
        if engine in _watched:
            continue
        _watched.add(engine)
        store = "shared" if database.urls.shared else domain.value
        gauge = DB_POOL_IN_USE.labels(store)
        DB_POOL_SIZE.labels(store).inc(engine.pool.size())  # type: ignore[attr-defined]
        event.listen(engine, "checkout", lambda *_, g=gauge: g.inc())
        event.listen(engine, "checkin", lambda *_, g=gauge: g.dec())


class DatabaseCollector(Collector):
    """Facts read from the database at scrape time."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self._collect()
        except SQLAlchemyError:
            log.warning("metrics: the database did not answer; its series are left out")

    def _collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily(
            "marketplace_outbox_backlog_events", "Outbox events not yet dispatched, per store.", labels=["store"]
        )
        oldest = GaugeMetricFamily(
            "marketplace_outbox_oldest_event_age_seconds", "Age of the oldest undispatched outbox event (0 if none).",
            labels=["store"],
        )
        for domain in Domain:
            with self.database.engine(domain).connect() as conn:
                row: Any = conn.execute(
                    text("SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at)), 0) "
                         f"FROM {domain.value}.outbox_events WHERE dispatched_at IS NULL")
                ).one()
            count, age = row
            backlog.add_metric([domain.value], float(count))
            oldest.add_metric([domain.value], float(age))
        yield backlog
        yield oldest

        with self.database.engine(Domain.commerce).connect() as conn:
            deliveries: Sequence[Any] = conn.execute(
                text("SELECT status, count(*) FROM commerce.webhook_deliveries GROUP BY status")
            ).all()
            runs: Sequence[Any] = conn.execute(
                text("SELECT status, count(*), COALESCE(sum(finding_count), 0) "
                     "FROM commerce.commission_runs GROUP BY status")
            ).all()
        by_state = GaugeMetricFamily(
            "marketplace_webhook_deliveries", "Webhook deliveries by state.", labels=["state"]
        )
        counts: dict[str, int] = {str(state): int(count) for state, count in deliveries}
        for state in sorted({s.value for s in DeliveryStatus} | set(counts)):
            by_state.add_metric([state], float(counts.get(state, 0)))
        yield by_state
        run_count = GaugeMetricFamily("marketplace_commission_runs", "Commission runs by status.", labels=["status"])
        findings = GaugeMetricFamily(
            "marketplace_commission_run_findings",
            "Findings (recomputed commission differs from the recorded one) in commission runs, by run status.",
            labels=["status"],
        )
        for status, count, found in runs:
            run_count.add_metric([str(status)], float(count))
            findings.add_metric([str(status)], float(found))
        yield run_count
        yield findings


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(database: Database) -> bytes:
    """The text exposition: this process's (or all workers') series, then the database's."""
    facts = CollectorRegistry(auto_describe=False)
    facts.register(DatabaseCollector(database))
    return generate_latest(_process_registry()) + generate_latest(facts)


router = Router(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics (text exposition format)", response_class=Response)
def metrics(request: Request) -> Response:
    token: str | None = request.app.state.settings.metrics_token
    if token and request.headers.get("authorization") != f"Bearer {token}":
        raise Unauthorized("This endpoint needs 'Authorization: Bearer <METRICS_TOKEN>'.")
    return Response(exposition(request.app.state.db), media_type=CONTENT_TYPE_LATEST)


def _mark_worker_gone() -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())


def install_metrics(app: FastAPI, database: Database) -> None:
    app.include_router(router)
    watch_pools(database)
    app.router.on_shutdown.append(_mark_worker_gone)
