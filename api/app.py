"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api.audit.routes import router as audit_router
from api.auth.routes import admin as auth_admin_router
from api.auth.routes import router as auth_router
from api.carts import routes as carts_routes
from api.catalog import routes as catalog_routes
from api.config import Settings, get_settings
from api.content.media.routes import router as content_media_router
from api.content.pages.routes import router as content_pages_router
from api.content.routes import router as content_router
from api.customers import routes as customers_routes
from api.db import Database
from api.errors import PROBLEM_RESPONSES, install_error_handlers
from api.health.routes import router as health_router
from api.idempotency.middleware import IdempotencyMiddleware
from api.inventory import routes as inventory_routes
from api.middleware import RateLimitMiddleware, RequestContextMiddleware
from api.orders import routes as orders_routes
from api.payments import routes as payments_routes
from api.regions import routes as regions_routes
from api.vendors import routes as vendors_routes
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
    {"name": "webhooks", "description": "Signed outgoing webhooks (Standard Webhooks), deliveries and replay."},
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
    inventory_routes.admin,
    payments_routes.router,
)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = database or Database.from_settings(settings)
    app = FastAPI(
        title="Marketplace API",
        version="0.1.0",
        description="Multi-tenant B2B marketplace: store, vendor, admin and content APIs. "
        "Errors are RFC 9457 problem details.",
        openapi_tags=OPENAPI_TAGS,
        responses=PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    app.state.db = database

    install_error_handlers(app)
    for router in (health_router, auth_router, auth_admin_router, audit_router, webhooks_router):
        app.include_router(router)
    for router in COMMERCE_ROUTERS:
        app.include_router(router)
    for router in (content_pages_router, content_media_router, content_router):
        app.include_router(router)

    # Added last runs first: request id, then rate limit, then idempotency.
    app.add_middleware(IdempotencyMiddleware, database=database, ttl_seconds=settings.idempotency_ttl_seconds)
    app.add_middleware(
        RateLimitMiddleware, limit_per_minute=settings.rate_limit_per_minute, redis_url=settings.redis_url
    )
    app.add_middleware(RequestContextMiddleware)
    return app
