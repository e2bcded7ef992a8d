"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.analytics import routes as analytics_routes
from api.audit.routes import router as audit_router
from api.auth.routes import admin as auth_admin_router
from api.auth.routes import router as auth_router
from api.auth.throttle import LoginThrottle
from api.cache import ReadCache, SharedAnswersMiddleware
from api.cache_events import start_listeners
from api.carts import routes as carts_routes
from api.catalog import routes as catalog_routes
from api.commission_runs import routes as commission_runs_routes
from api.commissions import routes as commissions_routes
from api.companies import routes as companies_routes
from api.config import API_CSP, Settings, ensure_fit_for_environment, get_settings
from api.content.media.routes import router as content_media_router
from api.content.pages.routes import router as content_pages_router
from api.content.routes import router as content_router
from api.counters import counters_for
from api.customers import routes as customers_routes
from api.db import Database
from api.docs import install_offline_docs
from api.errors import PROBLEM_RESPONSES, install_error_handlers
from api.health.routes import router as health_router
from api.idempotency.middleware import IdempotencyMiddleware
from api.inventory import routes as inventory_routes
from api.middleware import (
    BodySizeLimitMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from api.notifications import routes as notifications_routes
from api.observability.metrics import install_metrics
from api.observability.tracing import install_tracing
from api.orders import routes as orders_routes
from api.payments import routes as payments_routes
from api.payouts import routes as payouts_routes
from api.quotes import routes as quotes_routes
from api.regions import routes as regions_routes
from api.sync.receivers import router as sync_receivers_router
from api.sync.routes import router as sync_router
from api.vendor_portal import routes as vendor_portal_routes
from api.vendors import routes as vendors_routes
from api.volume_pricing import routes as volume_pricing_routes
from api.web import install as install_web_pages
from api.webhooks.routes import router as webhooks_router

OPENAPI_TAGS = [
    {"name": "health", "description": "Liveness and readiness."},
    {"name": "auth", "description": "Login tokens, staff users and API keys."},
    {"name": "audit", "description": "The append-only log of admin, vendor and finance actions."},
    {"name": "catalog", "description": "Products, options, variants and prices; the store sees published ones."},
    {"name": "regions", "description": "Markets: currency, tax rate and countries."},
    {"name": "customers", "description": "Customer registration and address book."},
    {"name": "carts", "description": "Carts, shipping options and checkout; totals computed on the server."},
    {"name": "orders", "description": "Orders split by vendor: payment, fulfilment, cancellation, refunds."},
    {"name": "vendors", "description": "Vendors: the owners of products and receivers of vendor orders."},
    {"name": "inventory", "description": "Stock per variant; reserved when orders are placed."},
    {"name": "payments", "description": "Payment provider webhooks (Stripe)."},
    {"name": "sync", "description": "Commerce <-> content sync: receivers, status, on-demand runs."},
    {"name": "webhooks", "description": "Signed outgoing webhooks (Standard Webhooks), deliveries and replay."},
    {"name": "vendor portal", "description": "The vendor's own API: profile, products, orders, fulfilment, "
     "commissions, payouts, quotes and volume tiers, always scoped to the caller's vendor."},
    {"name": "companies", "description": "B2B companies: registration, approval, employees, limits, order approvals."},
    {"name": "quotes", "description": "Quote requests, answers with prices and expiry, acceptance into a cart."},
    {"name": "volume pricing", "description": "Quantity tiers per variant and currency, applied by the cart."},
    {"name": "commissions", "description": "Commission rules (category > vendor > platform) and the ledger."},
    {"name": "payouts", "description": "Vendor payout requests, approval by finance, payment through a provider."},
    {"name": "commission runs", "description": "Daily commission runs computed by Dagster (draft -> approved -> "
     "locked), their findings, statements, and the payout batches built from approved runs."},
    {"name": "analytics", "description": "Dashboards' reads of the dbt marts: vendor stats per day and in total."},
    {"name": "notifications", "description": "E-mails sent by the notifier; without SMTP, the local mailbox."},
    {"name": "content", "description": "Payload-style content collections at /api/{collection}: tenants, pages, "
     "blogs, media, navigation, categories, product content, order records."},
]

COMMERCE_ROUTERS = (
    catalog_routes.store,
    catalog_routes.admin,
    regions_routes.store,
    regions_routes.admin,
    customers_routes.store,
    carts_routes.store,
    carts_routes.admin,
    orders_routes.store,
    orders_routes.admin,
    vendors_routes.admin,
    vendors_routes.store,
    vendor_portal_routes.router,
    companies_routes.store,
    companies_routes.admin,
    companies_routes.platform_approvals,
    quotes_routes.store,
    quotes_routes.admin,
    volume_pricing_routes.store,
    volume_pricing_routes.admin,
    commissions_routes.rules,
    commissions_routes.lines,
    payouts_routes.admin,
    commission_runs_routes.runs,
    commission_runs_routes.batches,
    analytics_routes.vendor,
    analytics_routes.admin,
    inventory_routes.admin,
    payments_routes.router,
)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    ensure_fit_for_environment(settings)
    database = database or Database.from_settings(settings)
    read_cache = ReadCache()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Cached answers are served only while these listeners hear every change (api/cache_events.py).
        listeners = start_listeners(database.urls, read_cache.versions, settings.redis_url)
        # This process's own commits move the versions at once (it reads its own writes).
        database.change_subscribers.append(read_cache.versions.moved)
        try:
            yield
        finally:
            database.change_subscribers.remove(read_cache.versions.moved)
            for listener in listeners:
                listener.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Marketplace API",
        version="0.1.0",
        description="Multi-tenant B2B marketplace: store, vendor, admin and content APIs. "
        "Errors are RFC 9457 problem details.",
        openapi_tags=OPENAPI_TAGS,
        responses=PROBLEM_RESPONSES,
        docs_url=None,
        redoc_url=None,
        # Traces come from our own OpenTelemetry set-up (api/observability/tracing.py) when configured;
        # FastAPI's built-in telemetry would only look up an unconfigured provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_offline_docs(app)
    app.state.settings = settings
    app.state.db = database
    app.state.read_cache = read_cache
    app.state.database_slots = {}  # api/deps.py

    install_error_handlers(app)
    app.include_router(health_router)
    # Routes are matched in order, one by one: the pages (their paths never overlap the API's) come before the
    # API routes, whose hot public reads are answered before routing anyway (SharedAnswersMiddleware).
    install_web_pages(app, settings)
    for router in (
        auth_router,
        auth_admin_router,
        audit_router,
        webhooks_router,
        sync_receivers_router,
        sync_router,
        notifications_routes.router,
        notifications_routes.admin,
    ):
        app.include_router(router)
    for router in COMMERCE_ROUTERS:
        app.include_router(router)
    for router in (content_pages_router, content_media_router, content_router):
        app.include_router(router)
    # A repeat public read is answered here, after the rate limit, request id and logs, before routing.
    app.add_middleware(SharedAnswersMiddleware, cache=read_cache)

    # Added last runs first: security headers, request id, CORS (when configured), body size cap, rate
    # limit, then idempotency.
    app.add_middleware(
        IdempotencyMiddleware,
        database=database,
        ttl_seconds=settings.idempotency_ttl_seconds,
        max_per_client=settings.idempotency_max_keys_per_client,
    )
    counters = counters_for(settings.redis_url)
    app.state.login_throttle = LoginThrottle.from_settings(counters, settings)
    app.add_middleware(RateLimitMiddleware, limit_per_minute=settings.rate_limit_per_minute, counters=counters)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        # An upload's multipart envelope (boundaries, alt text, tenant) needs a little more than the file.
        path_limits={"/api/media": settings.media_max_bytes + 64 * 1024},
    )
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["authorization", "content-type", "idempotency-key", "x-publishable-api-key", "x-request-id"],
            expose_headers=["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "location"],
            max_age=600,
        )
    # Every answer is logged, counted (rate-limited ones too) and traced.
    app.add_middleware(RequestContextMiddleware)
    install_metrics(app, database)
    install_tracing(app, database, settings)
    # Outermost, so that every answer carries them (the 500 problem of RequestContextMiddleware included).
    app.add_middleware(
        SecurityHeadersMiddleware,
        page_csp=settings.content_security_policy,
        api_csp=API_CSP,
        hsts_max_age=settings.hsts_max_age_seconds,
        always_https=settings.public_base_url.startswith("https://"),
    )
    return app
