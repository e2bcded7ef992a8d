"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api.audit.routes import router as audit_router
from api.auth.routes import admin as auth_admin_router
from api.auth.routes import router as auth_router
from api.config import Settings, get_settings
from api.db import Database
from api.errors import PROBLEM_RESPONSES, install_error_handlers
from api.health.routes import router as health_router
from api.idempotency.middleware import IdempotencyMiddleware
from api.middleware import RateLimitMiddleware, RequestContextMiddleware

OPENAPI_TAGS = [
    {"name": "health", "description": "Liveness and readiness."},
    {"name": "auth", "description": "Login tokens, staff users and API keys."},
    {"name": "audit", "description": "The append-only log of admin, vendor and finance actions."},
]


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
    for router in (health_router, auth_router, auth_admin_router, audit_router):
        app.include_router(router)

    # Added last runs first: request id, then rate limit, then idempotency.
    app.add_middleware(IdempotencyMiddleware, database=database, ttl_seconds=settings.idempotency_ttl_seconds)
    app.add_middleware(
        RateLimitMiddleware, limit_per_minute=settings.rate_limit_per_minute, redis_url=settings.redis_url
    )
    app.add_middleware(RequestContextMiddleware)
    return app
