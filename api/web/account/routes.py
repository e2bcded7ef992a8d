"""Sign-in for every user kind (customers, company employees, vendor users, admins, finance) with the same
users and login tokens as `/auth/token`, sign-out, and (for shoppers) registration and the account pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from api.auth import service as auth_service
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.auth.throttle import LoginThrottle, login_throttle, throttled_login
from api.customers import service as customers
from api.customers.schemas import CustomerIn
from api.deps import AppSettings, CommerceSession
from api.errors import Conflict, RateLimited, Unauthorized
from api.middleware import client_ip
from api.orders import service as orders
from api.vendors.service import vendor_names
from api.web.auth import (
    Form,
    PageActor,
    clear_session_cookie,
    home_for,
    require_page_scope,
    safe_next,
    session_token,
    set_session_cookie,
)
from api.web.components import Pager
from api.web.forms import fields, validate
from api.web.render import redirect, render
from api.web.router import page_router

router = page_router("/login", "/logout", "/account", "/register")


@router.get("/login")
def login_page(request: Request, actor: PageActor, next: str | None = None) -> Response:
    if actor.authenticated:
        return redirect(request, safe_next(next, home_for(actor)))
    return render(request, "account/login.html", {"next": safe_next(next, ""), "values": {}, "errors": {}})


@router.post("/login")
async def log_in(
    request: Request,
    form: Form,
    session: CommerceSession,
    settings: AppSettings,
    throttle: Annotated[LoginThrottle, Depends(login_throttle)],
) -> Response:
    values = fields(form, "email", "password", "next")
    try:
        # The same throttle as /auth/token: per account, per IP, and a growing lock-out after failures.
        raw, _token, user = await throttled_login(
            throttle, session, email=values["email"], password=values["password"], ip=client_ip(request.scope),
            ttl_seconds=settings.token_ttl_seconds,
        )
    except (Unauthorized, RateLimited) as exc:
        context = {"next": safe_next(values["next"], ""), "values": {"email": values["email"]},
                   "errors": {"_form": exc.detail or "Wrong email or password."}}
        return render(request, "account/login.html", context, status_code=exc.status, headers=exc.headers or None)
    actor = auth_service.actor_for_user(user)
    response = redirect(request, safe_next(values["next"], home_for(actor)), f"Signed in as {user.email}.")
    set_session_cookie(request, response, raw, settings.token_ttl_seconds)
    return response


@router.post("/logout")
def log_out(request: Request, session: CommerceSession) -> Response:
    raw = session_token(request)
    if raw:
        auth_service.logout(session, raw)
    response = redirect(request, "/", "You are signed out.")
    clear_session_cookie(response)
    return response


# ---- shoppers: registration, account, orders -----------------------------------------------------------

ORDERS_PER_PAGE = 10
Shopper = Annotated[Actor, Depends(require_page_scope(Scope.customer))]


@router.get("/register")
def register_page(request: Request, actor: PageActor, next: str | None = None) -> Response:
    if actor.authenticated:
        return redirect(request, safe_next(next, home_for(actor)))
    return render(request, "account/register.html", {"next": safe_next(next, ""), "values": {}, "errors": {}})


@router.post("/register")
def register(request: Request, form: Form, session: CommerceSession, settings: AppSettings) -> Response:
    values = fields(form, "email", "password", "first_name", "last_name", "next")
    body, errors = validate(CustomerIn, {k: v for k, v in values.items() if k != "next"})
    if body is not None:
        try:
            customers.register(session, body)
        except Conflict as exc:
            errors = {"email": exc.detail or "An account with this email already exists."}
    if body is None or errors:
        context = {"next": safe_next(values["next"], ""), "values": values, "errors": errors}
        return render(request, "account/register.html", context, status_code=400)
    raw, _token, _user = auth_service.login(session, body.email, body.password, settings.token_ttl_seconds)
    response = redirect(request, safe_next(values["next"], "/account"), "Welcome! Your account is ready.")
    set_session_cookie(request, response, raw, settings.token_ttl_seconds)
    return response


@router.get("/account")
def account(
    request: Request, actor: Shopper, session: CommerceSession, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> Response:
    assert actor.id is not None
    customer = customers.get_customer(session, actor.id)
    offset = (page - 1) * ORDERS_PER_PAGE
    rows, total = orders.list_orders(session, customer_id=actor.id, limit=ORDERS_PER_PAGE, offset=offset)
    pager = Pager.of(page, ORDERS_PER_PAGE, total, "/account")
    return render(request, "account/account.html", {
        "customer": customer, "orders": [orders.view(o) for o in rows], "pager": pager,
    })


@router.get("/account/orders/{order_id}")
def order_detail(request: Request, order_id: str, actor: Shopper, session: CommerceSession) -> Response:
    assert actor.id is not None
    order = orders.view(orders.get_order(session, order_id, customer_id=actor.id))
    return render(request, "account/order.html", {
        "order": order, "vendor_names": vendor_names(session, [v.vendor_id for v in order.vendor_orders]),
    })
