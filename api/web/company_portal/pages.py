"""Company portal pages: registration and its pending page, the dashboard (stat cards and spend over time from
the `company_spend` mart), employees, the approval queue, quotes, and the checkout of a company cart. Every
rule is the companies', quotes' and carts' services'; these handlers only read forms and render."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import money
from api.analytics import readiness
from api.analytics import service as analytics
from api.auth import service as auth_service
from api.auth.actor import Actor
from api.carts import service as carts
from api.carts.models import Cart
from api.carts.schemas import CartUpdate
from api.catalog import service as catalog
from api.clock import utcnow
from api.companies import service as companies
from api.companies.models import ApprovalStatus, Company, CompanyApproval, CompanyRole, CompanyStatus
from api.companies.schemas import CompanyRegisterIn, EmployeeIn, EmployeeUpdate
from api.config import Settings
from api.customers import service as customers
from api.customers.schemas import CustomerIn
from api.db import Domain
from api.deps import AppSettings, CommerceSession
from api.errors import AppError, Conflict, NotFound, ServiceUnavailable
from api.orders.models import Order
from api.payments import service as payments
from api.quotes import service as quotes
from api.quotes.models import Quote, QuoteStatus
from api.quotes.schemas import QuoteIn
from api.regions.models import Region
from api.web import components as charts
from api.web.auth import Form, PageActor, set_session_cookie
from api.web.company_portal.common import (
    ROOT,
    STATUS_TEXT,
    Customer,
    active_company,
    company_of,
    page,
    router,
)
from api.web.forms import FieldErrors, app_error_fields, fields, validate
from api.web.reads import DASHBOARD_MAX_AGE_SECONDS, kept_page
from api.web.render import format_money, redirect, render

ADDRESS_FIELDS = ("first_name", "last_name", "address_1", "city", "postal_code", "country_code")
CURRENCIES = [(c, c) for c in ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN")]
ROLES = [(r.value, r.value.capitalize()) for r in CompanyRole]


def _minor(text: str, currency: str) -> int | str | None:
    """A typed amount ('250.00') in minor units; None when empty; the text itself when it is not a number."""
    if not text:
        return None
    try:
        return money.from_decimal(Decimal(text.replace(",", "")), currency)
    except (InvalidOperation, ValueError):
        return text


# ---- registration --------------------------------------------------------------------------------------


@router.get(f"{ROOT}/register")
def register_page(request: Request, actor: PageActor) -> Response:
    if actor.authenticated and actor.company_id:
        return redirect(request, ROOT)
    return render(request, "company_portal/register.html", {"values": {"currency_code": "EUR"}, "errors": {},
                                                             "currencies": CURRENCIES, "needs_account": not
                                                             actor.authenticated})


@router.post(f"{ROOT}/register")
def register(request: Request, form: Form, actor: PageActor, session: CommerceSession,
             settings: AppSettings) -> Response:
    values = fields(form, "email", "password", "first_name", "last_name", "name", "tax_id", "currency_code",
                    *(f"billing.{f}" for f in ADDRESS_FIELDS))
    address = {f: values[f"billing.{f}"] for f in ADDRESS_FIELDS}
    address["country_code"] = address["country_code"].upper()
    company_body, errors = validate(CompanyRegisterIn, {
        "name": values["name"], "tax_id": values["tax_id"], "currency_code": values["currency_code"],
        "billing_address": address})
    errors = {k.replace("billing_address.", "billing."): v for k, v in errors.items()}
    customer_body = None
    if not actor.authenticated:
        customer_body, account_errors = validate(CustomerIn, {k: values[k] for k in ("email", "password",
                                                                                    "first_name", "last_name")})
        errors.update(account_errors)
    elif actor.company_id is not None:
        raise Conflict("You already belong to a company.")
    raw_token = None
    if company_body is not None and not errors:
        try:
            with session.begin_nested():
                acting = actor
                if customer_body is not None:
                    customers.register(session, customer_body)
                    raw_token, _token, user = auth_service.login(session, customer_body.email,
                                                                 customer_body.password, settings.token_ttl_seconds)
                    acting = auth_service.actor_for_user(user)
                companies.register(session, acting, company_body)
        except AppError as exc:
            errors = app_error_fields(exc, {"email", "name", "tax_id"})
            if "_form" in errors and "email" in errors["_form"].lower():
                errors = {"email": errors["_form"]}
    if company_body is None or errors:
        values.pop("password", None)
        return render(request, "company_portal/register.html", {
            "values": values, "errors": errors, "currencies": CURRENCIES, "needs_account": not actor.authenticated,
        }, status_code=400)
    response = redirect(request, ROOT, "Your company is registered and waits for review.")
    if raw_token is not None:
        set_session_cookie(request, response, raw_token, settings.token_ttl_seconds)
    return response


# ---- dashboard -----------------------------------------------------------------------------------------


def _spend(session: Session, company_id: str, currency: str) -> dict[str, Any] | None:
    today = utcnow().date()
    first = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    try:
        rows = analytics.company_spend(session, company_id, first, today)
    except ServiceUnavailable:
        return None
    months: list[date] = []
    cursor = first
    while cursor <= today:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    mine = {r["month"]: r for r in rows if r["currency_code"] == currency}
    values = [int(mine[m]["net_spend"]) if m in mine else 0 for m in months]
    chart = charts.line_chart("Net spend per month", [m.strftime("%b %y") for m in months],
                              [charts.Series("Net spend", values, "chart-s1")], lambda v: format_money(v, currency))
    return {"chart": chart, "rows": [r for r in rows if r["orders"] or r["refunds"]]}


@router.get(ROOT)
async def dashboard(request: Request, actor: Customer, session: CommerceSession, settings: AppSettings) -> Response:
    if actor.company_id is None:
        return redirect(request, f"{ROOT}/register", "Register your company to use the company portal.", "info")

    def answer(view: tuple[str, Company, dict[str, Any]]) -> Response:
        template, company, context = view
        return page(request, template, company, actor, "dashboard", context)

    return await kept_page(request, f"company-dashboard:{actor.id}:{actor.company_id}:{utcnow().date()}",
                           (Domain.commerce,), lambda: _dashboard_view(session, actor, settings), answer,
                           max_age=DASHBOARD_MAX_AGE_SECONDS)


def _dashboard_view(session: Session, actor: Actor, settings: Settings) -> tuple[str, Company, dict[str, Any]]:
    """The dashboard's template, the company, and every figure it shows (kept between requests)."""
    company = company_of(session, actor)
    if company.status != CompanyStatus.approved:
        return "status.html", company, {"status_text": STATUS_TEXT[CompanyStatus(company.status)]}
    used = companies.credit_used(session, company.id)
    orders = companies.company_orders(actor)
    order_count = session.scalar(select(func.count()).select_from(orders.subquery())) or 0
    recent = list(session.scalars(orders.order_by(Order.created_at.desc(), Order.id).limit(10)))
    open_quotes = quotes.store_quotes(actor).where(Quote.company_id == company.id,
                                                   Quote.status.in_([QuoteStatus.requested, QuoteStatus.responded]))
    pending_approvals = companies.company_approvals(actor).where(CompanyApproval.status == ApprovalStatus.pending)
    return "dashboard.html", company, {
        "order_count": order_count, "recent": recent,
        "quote_count": session.scalar(select(func.count()).select_from(open_quotes.subquery())) or 0,
        "team_count": len(companies.list_employees(session, actor)),
        "approval_count": session.scalar(select(func.count()).select_from(pending_approvals.subquery())) or 0,
        "credit_used": used, "credit_available": company.credit_limit - used,
        "spend": _spend(session, company.id, company.currency_code),
        "marts": readiness.marts_ready(session, settings.data_dir),
    }


# ---- employees -----------------------------------------------------------------------------------------


def _employees_page(request: Request, session: Session, actor: Actor, errors: FieldErrors | None = None,
                    values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    company = company_of(session, actor)
    companies.require_role(actor, CompanyRole.admin)
    return page(request, "employees.html", company, actor, "employees", {
        "employees": companies.list_employees(session, actor), "errors": errors or {}, "values": values or {},
        "roles": ROLES, "me": actor.id,
    }, status_code=status_code)


@router.get(f"{ROOT}/employees")
def employees(request: Request, actor: Customer, session: CommerceSession) -> Response:
    return _employees_page(request, session, actor)


@router.post(f"{ROOT}/employees")
def invite(request: Request, form: Form, actor: Customer, session: CommerceSession) -> Response:
    company = company_of(session, actor)
    values = fields(form, "email", "password", "full_name", "role", "spending_limit")
    body, errors = validate(EmployeeIn, {
        "email": values["email"], "password": values["password"], "full_name": values["full_name"] or None,
        "role": values["role"], "spending_limit": _minor(values["spending_limit"], company.currency_code)})
    if body is not None:
        try:
            with session.begin_nested():
                companies.add_employee(session, actor, body)
        except AppError as exc:
            errors = app_error_fields(exc, set(values))
            if "_form" in errors and "email" in errors["_form"].lower():
                errors = {"email": errors["_form"]}
    if body is None or errors:
        values.pop("password")
        return _employees_page(request, session, actor, errors, values, status_code=400)
    return redirect(request, f"{ROOT}/employees", f"{body.email} can now sign in as a company {body.role.value}.")


@router.post(f"{ROOT}/employees/{{user_id}}")
def change_employee(request: Request, user_id: str, form: Form, actor: Customer, session: CommerceSession) -> Response:
    company = company_of(session, actor)
    values = fields(form, f"{user_id}.role", f"{user_id}.spending_limit")
    body, errors = validate(EmployeeUpdate, {
        "role": values[f"{user_id}.role"],
        "spending_limit": _minor(values[f"{user_id}.spending_limit"], company.currency_code)})
    if body is not None:
        try:
            with session.begin_nested():
                companies.update_employee(session, actor, user_id, body)
        except Conflict as exc:
            errors = {"_form": exc.detail or "This change is not possible."}
    if body is None or errors:
        return _employees_page(request, session, actor, {f"{user_id}.{k}": v for k, v in errors.items()}
                               if "_form" not in errors else errors, status_code=400 if body is None else 409)
    return redirect(request, f"{ROOT}/employees", "Employee updated.")


@router.post(f"{ROOT}/employees/{{user_id}}/remove")
def remove_employee(request: Request, user_id: str, actor: Customer, session: CommerceSession) -> Response:
    try:
        with session.begin_nested():
            companies.remove_employee(session, actor, user_id)
    except Conflict as exc:
        return _employees_page(request, session, actor, {"_form": exc.detail or "Not possible."}, status_code=409)
    if user_id == actor.id:
        return redirect(request, "/account", "You left the company.")
    return redirect(request, f"{ROOT}/employees", "Employee removed from the company.")


# ---- approvals -----------------------------------------------------------------------------------------


@router.get(f"{ROOT}/approvals")
def approvals(request: Request, actor: Customer, session: CommerceSession,
              status: Annotated[str, Query(max_length=20)] = "pending") -> Response:
    company = company_of(session, actor)
    statement = companies.company_approvals(actor)
    if status in {s.value for s in ApprovalStatus}:
        statement = statement.where(CompanyApproval.status == status)
    rows = list(session.scalars(statement.order_by(CompanyApproval.created_at.desc(), CompanyApproval.id).limit(50)))
    cart_views = {}
    for approval in rows:
        cart = session.get(Cart, approval.cart_id)
        if cart is not None:
            cart_views[approval.id] = carts.view(session, cart)
    return page(request, "approvals.html", company, actor, "approvals", {
        "approvals": rows, "carts": cart_views, "status": status,
        "statuses": [("pending", "Waiting"), ("approved", "Approved"), ("rejected", "Rejected"), ("", "All")],
    })


@router.post(f"{ROOT}/approvals/{{approval_id}}/{{decision}}")
def decide(request: Request, approval_id: str, decision: str, form: Form, actor: Customer, session: CommerceSession,
           settings: AppSettings) -> Response:
    active_company(session, actor)
    note = fields(form, "note")["note"][:500] or None
    if decision == "approve":
        carts.complete_approved(session, payments.provider_for(settings), actor, approval_id, note)
        message = "Approved: the order is placed."
    elif decision == "reject":
        companies.decide(session, actor, approval_id, ApprovalStatus.rejected, note)
        message = "Rejected: the buyer sees your note."
    else:
        raise NotFound("No such action.")
    return redirect(request, f"{ROOT}/approvals", message)


# ---- quotes --------------------------------------------------------------------------------------------


@router.get(f"{ROOT}/quotes")
def quote_list(request: Request, actor: Customer, session: CommerceSession) -> Response:
    company = company_of(session, actor)
    rows, _ = quotes.list_quotes(session, quotes.store_quotes(actor), status=None, limit=50, offset=0)
    return page(request, "quotes.html", company, actor, "quotes", {"quotes": [quotes.view(q) for q in rows]})


def _quote_form(request: Request, session: Session, actor: Actor, items: list[dict[str, Any]], message: str = "",
                region_id: str = "", errors: FieldErrors | None = None, status_code: int = 200) -> Response:
    company = company_of(session, actor)
    regions = [(r.id, f"{r.name} ({r.currency_code})") for r in session.scalars(select(Region).order_by(Region.name))]
    if not region_id:
        region_id = next((r.id for r in session.scalars(select(Region).where(
            Region.currency_code == company.currency_code))), "")
    return page(request, "quote_new.html", company, actor, "quotes", {
        "items": [*items, {"variant_id": "", "quantity": ""}], "message": message, "regions": regions,
        "region_id": region_id, "errors": errors or {},
    }, status_code=status_code)


@router.get(f"{ROOT}/quotes/new")
def new_quote(request: Request, actor: Customer, session: CommerceSession,
              variant_id: Annotated[str, Query(max_length=40)] = "",
              cart_id: Annotated[str, Query(max_length=40)] = "") -> Response:
    items: list[dict[str, Any]] = []
    if variant_id:
        items.append({"variant_id": variant_id, "quantity": 1})
    if cart_id:
        cart = carts.get_cart(session, cart_id, actor)
        items.extend({"variant_id": i.variant_id, "quantity": i.quantity} for i in cart.items)
    return _quote_form(request, session, actor, items)


@router.post(f"{ROOT}/quotes/new")
def request_quote(request: Request, form: Form, actor: Customer, session: CommerceSession) -> Response:
    company_of(session, actor)
    rows = sorted({int(k.split(".")[1]) for k in form if k.startswith("items.") and k.split(".")[1].isdigit()})
    items = []
    for i in rows:
        variant = str(form.get(f"items.{i}.variant_id") or "").strip()
        quantity = str(form.get(f"items.{i}.quantity") or "").strip()
        if variant or quantity:
            items.append({"variant_id": variant, "quantity": int(quantity) if quantity.isdigit() else quantity})
    values = fields(form, "region_id", "message")
    body, errors = validate(QuoteIn, {"region_id": values["region_id"], "items": items,
                                      "message": values["message"] or None})
    if body is not None:
        try:
            with session.begin_nested():
                quote = quotes.request_quote(session, actor, body)
        except AppError as exc:
            errors = app_error_fields(exc)
    if body is None or errors:
        return _quote_form(request, session, actor, items, values["message"], values["region_id"], errors,
                           status_code=400)
    return redirect(request, f"{ROOT}/quotes/{quote.id}", "Quote requested: the vendor answers with prices.")


@router.get(f"{ROOT}/quotes/{{quote_id}}")
def quote_detail(request: Request, quote_id: str, actor: Customer, session: CommerceSession) -> Response:
    company = company_of(session, actor)
    quote = quotes.get_quote(session, quotes.store_quotes(actor), quote_id)
    variants = catalog.get_variants(session, [i.variant_id for i in quote.items])
    return page(request, "quote.html", company, actor, "quotes", {
        "quote": quotes.view(quote), "variants": {k: f"{v.product.title} · {v.title} ({v.sku})"
                                                  for k, v in variants.items()},
    })


@router.post(f"{ROOT}/quotes/{{quote_id}}/accept")
def accept_quote(request: Request, quote_id: str, actor: Customer, session: CommerceSession) -> Response:
    _quote, cart = quotes.accept(session, quotes.get_quote(session, quotes.store_quotes(actor), quote_id), actor)
    return redirect(request, f"{ROOT}/checkout/{cart.id}", "Quote accepted: its prices are in this cart.")


@router.post(f"{ROOT}/quotes/{{quote_id}}/decline")
def decline_quote(request: Request, quote_id: str, actor: Customer, session: CommerceSession) -> Response:
    quotes.reject(session, quotes.get_quote(session, quotes.store_quotes(actor), quote_id))
    return redirect(request, f"{ROOT}/quotes/{quote_id}", "Quote declined.")


# ---- checkout of a company cart ------------------------------------------------------------------------


def _checkout_page(request: Request, session: Session, actor: Actor, cart_id: str,
                   errors: FieldErrors | None = None, status_code: int = 200) -> Response:
    company = active_company(session, actor)
    cart = carts.get_cart(session, cart_id, actor)
    address = company.shipping_address or company.billing_address or {}
    options = carts.options_for_cart(session, cart)
    by_vendor: dict[str, list[Any]] = {}
    for option in options:
        label = f"{option.name} ({format_money(option.amount, option.currency_code)})"
        by_vendor.setdefault(option.vendor_id, []).append((option.id, label))
    return page(request, "checkout.html", company, actor, "quotes", {
        "cart": carts.view(session, cart), "address": address, "options": by_vendor, "errors": errors or {},
        "limit": companies.spending_limit(session, actor.id) if actor.id else None,
    }, status_code=status_code)


@router.get(f"{ROOT}/checkout/{{cart_id}}")
def checkout(request: Request, cart_id: str, actor: Customer, session: CommerceSession) -> Response:
    return _checkout_page(request, session, actor, cart_id)


@router.post(f"{ROOT}/checkout/{{cart_id}}")
def place_order(request: Request, cart_id: str, form: Form, actor: Customer, session: CommerceSession,
                settings: AppSettings) -> Response:
    company = active_company(session, actor)
    address = {**(company.shipping_address or company.billing_address or {})}
    result: Any = None
    try:
        with session.begin_nested():
            carts.update_cart(session, cart_id, CartUpdate.model_validate(
                {"email": actor.email, "shipping_address": address}), actor)
            for key in form:
                if key.startswith("shipping."):
                    option_id = str(form.get(key) or "")
                    if option_id:
                        carts.add_shipping_method(session, cart_id, option_id, actor)
            result = carts.complete(session, payments.provider_for(settings), cart_id, actor, None)
    except AppError as exc:
        return _checkout_page(request, session, actor, cart_id, app_error_fields(exc), status_code=400)
    if isinstance(result, CompanyApproval):
        return redirect(request, f"{ROOT}/approvals", "Your order needs an approver: "
                        + " ".join(result.reasons), "warning")
    return redirect(request, ROOT, f"Order #{result.display_id} placed on {company.name}'s account.")

