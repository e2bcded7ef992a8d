"""The web layer every surface shares: browser sign-in with the API's users and tokens, the session cookie,
CSRF on every POST, redirects to /login and the 403/404/500 pages with the request id, static files."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from api.auth.models import Role
from api.web.router import page_router
from tests.web.conftest import LiveServer, sign_in


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def test_customer_signs_in_and_out_in_the_browser(page: Page, shot: Callable[..., Any], make_user: Any,
                                                   http: httpx.Client) -> None:
    user = make_user(Role.customer)
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
    shot(page, "login")
    sign_in(page, user)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {user['email']}")).to_be_visible()
    shot(page, "account")

    cookie = next(c for c in page.context.cookies() if c["name"] == "mp_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain http in the test; `Secure` is set over https
    # The cookie holds the API's own login token: the API accepts it as a bearer token.
    me = http.get("/auth/me", headers={"Authorization": f"Bearer {cookie['value']}"})
    assert me.status_code == 200 and me.json()["email"] == user["email"]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    shot(page, "signed-out")
    assert not [c for c in page.context.cookies() if c["name"] == "mp_session"]
    # Signing out revoked the token itself, not only the cookie.
    assert http.get("/auth/me", headers={"Authorization": f"Bearer {cookie['value']}"}).status_code == 401


def test_wrong_password_shows_an_inline_error(page: Page, shot: Callable[..., Any], make_user: Any) -> None:
    user = make_user(Role.customer)
    page.goto("/login")
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    expect(page.get_by_label("Email")).to_have_value(user["email"])
    shot(page, "wrong-password")
    assert not [c for c in page.context.cookies() if c["name"] == "mp_session"]


@pytest.mark.parametrize(
    ("role", "fields", "home"),
    [
        (Role.customer, {}, "/account"),
        (Role.vendor, {"vendor": True}, "/vendor-portal"),
        (Role.admin, {}, "/console"),
        (Role.finance, {}, "/console/finance"),
    ],
)
def test_every_user_kind_signs_in_with_the_same_form(
    http: httpx.Client, make_user: Any, role: Role, fields: dict[str, Any], home: str, database: Any
) -> None:
    extra: dict[str, Any] = {}
    if fields.get("vendor"):
        from decimal import Decimal

        from api.db import Domain
        from api.vendors import service as vendors
        from api.vendors.schemas import VendorIn

        with database.transaction(Domain.commerce) as session:
            vendor = vendors.create_vendor(session, VendorIn(
                name="Acme", slug="acme", email="acme@example.com", commission_rate=Decimal("0.1"),
                default_currency="EUR"))
            extra["vendor_id"] = vendor.id
    user = make_user(role, **extra)
    form = http.get("/login")
    answer = http.post("/login", data={"email": user["email"], "password": user["password"],
                                       "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 303
    assert answer.headers["location"] == home
    set_cookie = answer.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith("mp_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie and "Path=/" in session_cookie
    # Signed in, /login sends the user home; `next` wins, but only for a path of this site.
    assert http.get("/login").headers["location"] == home
    http.cookies.clear()
    form = http.get("/login")
    answer = http.post("/login", data={"email": user["email"], "password": user["password"], "next": "//evil.example",
                                       "csrf_token": csrf_of(form.text)})
    assert answer.headers["location"] == home


def test_posts_without_the_csrf_token_are_refused(http: httpx.Client, make_user: Any) -> None:
    user = make_user(Role.customer)
    http.get("/login")  # the browser has its CSRF cookie now
    missing = http.post("/login", data={"email": user["email"], "password": user["password"]})
    assert missing.status_code == 403
    assert "text/html" in missing.headers["content-type"]
    assert missing.headers["x-request-id"] in missing.text
    forged = http.post("/login", data={"email": user["email"], "password": user["password"], "csrf_token": "0" * 64})
    assert forged.status_code == 403
    assert "mp_session" not in missing.headers.get("set-cookie", "") + forged.headers.get("set-cookie", "")
    # A token of another browser does not fit this browser's cookie.
    with httpx.Client(base_url=str(http.base_url)) as other:
        token = csrf_of(other.get("/login").text)
    assert http.post("/login", data={"email": user["email"], "password": user["password"],
                                     "csrf_token": token}).status_code == 403


def test_a_page_beyond_the_users_scopes_answers_403(page: Page, shot: Callable[..., Any], make_user: Any) -> None:
    admin = make_user(Role.admin)
    sign_in(page, admin, "/account")
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    shot(page, "forbidden")


def test_error_pages_for_pages_and_problems_for_the_api(
    app: FastAPI, http: httpx.Client, page: Page, shot: Callable[..., Any]
) -> None:
    missing = http.get("/account/orders/order_doesnotexist/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert missing.headers["x-request-id"] in missing.text
    api_missing = http.get("/store/nothing-here")
    assert api_missing.status_code == 404
    assert api_missing.headers["content-type"].startswith("application/problem+json")
    page.goto("/login/nothing-here")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(page, "not-found")


def test_an_unexpected_error_renders_the_500_page_without_a_trace(app: FastAPI, live_server: LiveServer) -> None:
    broken = page_router("/broken-test-surface")

    @broken.get("/broken-test-surface")
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.include_router(broken)
    answer = httpx.get(live_server.url + "/broken-test-surface", headers={"x-request-id": "req-test-500"},
                       timeout=30)
    assert answer.status_code == 500
    assert "text/html" in answer.headers["content-type"]
    assert "req-test-500" in answer.text
    assert "secret internals" not in answer.text and "Traceback" not in answer.text


def test_static_files_are_served_with_cache_headers(http: httpx.Client) -> None:
    from api.web.render import static_url

    url = static_url("app.css")
    answer = http.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert http.get("/static/app.js").headers["cache-control"] == "public, max-age=300"
    assert http.get("/static/nothing.css").status_code == 404
    home = http.get("/login").text
    assert url in home


def test_registration_with_inline_errors_then_success(page: Page, shot: Callable[..., Any], make_user: Any) -> None:
    taken = make_user(Role.customer)
    page.goto("/register")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill(taken["email"])
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#f-password-error")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Ada")
    shot(page, "register-errors")
    page.get_by_label("Password").fill("long-enough-password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#f-email-error")).to_contain_text("already exists")
    page.get_by_label("Email").fill("ada.new@example.com")
    page.get_by_label("Password").fill("long-enough-password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text("No orders yet")).to_be_visible()
    shot(page, "registered")
