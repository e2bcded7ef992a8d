"""Finding 12: security headers on every answer, CORS only for configured origins, no start in production
with demo secrets or defaults, and a password policy (length and a breached-password list)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import InsecureSettings, Settings
from api.db import Database
from tests.conftest import assert_problem


def test_every_answer_carries_the_security_headers(client: TestClient, settings: Settings) -> None:
    for answer in (client.get("/health"), client.get("/auth/me"), client.get("/no/such/page")):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert "strict-transport-security" not in answer.headers  # plain http
    assert settings.content_security_policy.startswith("default-src 'self'; script-src 'self';")


def test_html_answers_get_the_page_csp_from_the_settings(settings: Settings, database: Database) -> None:
    from fastapi.responses import HTMLResponse

    custom = settings.model_copy(update={"content_security_policy": "default-src 'self'; frame-ancestors 'none'"})
    app = create_app(custom, database)

    @app.get("/__page", response_class=HTMLResponse)
    def page() -> str:
        return "<!doctype html><title>x</title>"

    with TestClient(app) as client:
        answer = client.get("/__page")
    assert answer.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert answer.headers["x-frame-options"] == "DENY"


def test_hsts_over_https(settings: Settings, database: Database) -> None:
    with TestClient(create_app(settings, database), base_url="https://testserver") as client:
        answer = client.get("/health")
    assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_cors_is_off_by_default_and_per_origin_when_configured(
    client: TestClient, settings: Settings, database: Database
) -> None:
    preflight = {"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/store/carts", headers=preflight).headers
    assert "access-control-allow-origin" not in client.get("/health", headers={"Origin": "https://x.com"}).headers

    allowed = settings.model_copy(update={"cors_allowed_origins": ["https://shop.example.com"]})
    with TestClient(create_app(allowed, database)) as cors:
        ok = cors.options("/store/carts", headers=preflight)
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://shop.example.com"
        other = cors.options("/store/carts", headers={**preflight, "Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers
        simple = cors.get("/health", headers={"Origin": "https://shop.example.com"})
        assert simple.headers["access-control-allow-origin"] == "https://shop.example.com"


def test_production_refuses_demo_secrets_and_defaults(settings: Settings, database: Database) -> None:
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(InsecureSettings) as refused:
        create_app(production, database)
    message = str(refused.value)
    for what in ("SECRET_ENCRYPTION_KEY", "SYNC_WEBHOOK_SECRET", "PUBLIC_BASE_URL"):
        assert what in message
    demo_secret = production.model_copy(
        update={
            "secret_encryption_key": "a" * 44,
            "sync_webhook_secret": "demo-password-123",
            "public_base_url": "https://market.example.com",
        }
    )
    with pytest.raises(InsecureSettings, match="SYNC_WEBHOOK_SECRET"):
        create_app(demo_secret, database)

    fit = demo_secret.model_copy(update={"sync_webhook_secret": "whsec_" + "b" * 40})
    with TestClient(create_app(fit, database)) as client:
        answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize(
    ("password", "why"),
    [("short-pass1", "at least 12"), ("password1234", "breached"), ("qwertyuiop12", "breached")],
)
def test_the_password_policy(
    client: TestClient, publishable_key: str, admin_headers: dict[str, str], password: str, why: str
) -> None:
    body = {"email": "new@example.com", "password": password, "first_name": "A", "last_name": "B"}
    answer = client.post("/store/customers", json=body, headers={"x-publishable-api-key": publishable_key})
    problem = assert_problem(answer, 422, "validation-failed")
    assert why in (problem.get("detail") or "") + str(problem.get("errors"))
    staff = client.post(
        "/admin/users", json={"email": "s@example.com", "password": password, "role": "finance"}, headers=admin_headers
    )
    assert_problem(staff, 422, "validation-failed")


def test_a_good_password_is_accepted(
    client: TestClient, publishable_key: str, make_user: Callable[..., dict[str, Any]]
) -> None:
    body = {"email": "ok@example.com", "password": "plum-orbit-lantern-77", "first_name": "A", "last_name": "B"}
    answer = client.post("/store/customers", json=body, headers={"x-publishable-api-key": publishable_key})
    assert answer.status_code == 201, answer.text
