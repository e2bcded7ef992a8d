"""The admin console (`/console/...`): vendors, companies, quotes, volume pricing, commission rules, sync and
webhooks, API keys, staff users and the audit log.

Every action calls the API's own route function for it (the service call plus its audit entry), so a button
here and its API twin are one piece of code with the same rules, audit entries and 409s. Admins (`admin:write`)
act; finance users (`admin:read`) read these pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from api.analytics import service as analytics
from api.audit import routes as audit_routes
from api.auth import routes as auth_routes
from api.auth import service as auth_service
from api.auth.actor import Actor
from api.auth.schemas import ApiKeyIn, RotateIn, StaffUserIn
from api.auth.scopes import GRANTABLE_SECRET_SCOPES, Scope
from api.catalog import service as catalog
from api.clock import utcnow
from api.commissions import routes as commission_routes
from api.commissions.models import RuleScope
from api.commissions.schemas import RuleIn
from api.companies import routes as company_routes
from api.companies.models import CompanyStatus
from api.companies.schemas import CompanyAdminUpdate
from api.deps import AppSettings, CommerceSession
from api.errors import AppError, NotFound, ServiceUnavailable
from api.orders import service as orders
from api.quotes import routes as quote_routes
from api.quotes.models import QuoteStatus
from api.quotes.schemas import QuoteResponseIn
from api.routing import Router
from api.sync import routes as sync_routes
from api.sync import service as sync_service
from api.vendors import routes as vendor_routes
from api.vendors import service as vendors
from api.vendors.models import VendorStatus
from api.vendors.schemas import StatusChangeIn, VendorUpdate
from api.volume_pricing import routes as tier_routes
from api.volume_pricing.schemas import TierIn
from api.web.auth import Form, require_page_scope
from api.web.components import Pager
from api.web.forms import FieldErrors, app_error_fields, fields, validate
from api.web.reads import BOTH_STORES, DASHBOARD_MAX_AGE_SECONDS, kept_page
from api.web.render import redirect, render
from api.web.router import page_router
from api.web.stores import PageContentSession
from api.webhooks import routes as webhook_routes
from api.webhooks.models import DeliveryStatus
from api.webhooks.schemas import ReplayDeadIn, SubscriptionIn, SubscriptionPatch

router = page_router("/console")

AdminReader = Annotated[Actor, Depends(require_page_scope(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require_page_scope(Scope.admin_write))]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PER_PAGE = 25
SALES_DAYS = 30


def act(session: Session, action: Callable[[], Any]) -> AppError | None:
    """Run an action in a savepoint: on a refused action (409, 422 ...) nothing it wrote stays, and the page
    shows the reason. Not found and forbidden stay errors (the 404 / 403 page)."""
    try:
        with session.begin_nested():
            action()
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return exc
    return None


def endpoint(router: Router, name: str) -> Callable[..., Any]:
    """The function of the API route called `name` (the status transitions are made in a loop there)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.name == name:
            return route.endpoint
    raise NotFound("No such action.")


def done(request: Request, url: str, error: AppError | None, message: str) -> Response:
    """Back to `url` with the outcome as a flash message."""
    if error is not None:
        return redirect(request, url, error.detail or "That could not be done.", "error")
    return redirect(request, url, message)


def parse_datetime(value: str) -> datetime | None:
    """A `datetime-local` or ISO value from a form, read as UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def choices(values: type[StrEnum], any_label: str) -> list[tuple[str, str]]:
    """Options of a status filter: "any", then every value."""
    return [("", any_label), *((v.value, v.value.replace("_", " ").capitalize()) for v in values)]


def dagster_url(settings: AppSettings, run_id: str | None) -> str | None:
    return sync_service.dagster_run_url(settings, run_id) if run_id else None


# ---- home -----------------------------------------------------------------------------------------------


@router.get("/console")
async def home(
    request: Request, actor: AdminReader, session: CommerceSession, content: PageContentSession, settings: AppSettings,
    run: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    def answer(view: dict[str, Any]) -> Response:
        return render(request, "console/home.html", {**view, "run_id": run, "run_url": dagster_url(settings, run)})

    return await kept_page(request, f"console-home:{actor.id}", BOTH_STORES,
                           lambda: _home_view(session, content, actor), answer, max_age=DASHBOARD_MAX_AGE_SECONDS)


def _home_view(session: Session, content: Session, actor: Actor) -> dict[str, Any]:
    """What the console's home shows: the queues waiting for an admin, and the sync's health (kept between
    requests; the sync's ages move with the clock, so at most `DASHBOARD_MAX_AGE_SECONDS`)."""
    return {
        "vendor_counts": vendors.count_by_status(session),
        "applications": vendor_routes.list_vendors(session, actor, status=VendorStatus.pending, q=None, limit=5,
                                                   offset=0),
        "quotes": quote_routes.list_quotes(session, actor, status=QuoteStatus.requested, limit=5, offset=0),
        "companies": company_routes.list_companies(session, actor, status=CompanyStatus.pending_approval, limit=5,
                                                   offset=0),
        "sync": sync_service.status(session, content),
    }


# ---- vendors --------------------------------------------------------------------------------------------


@router.get("/console/vendors")
def vendor_list(
    request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1,
    status: VendorStatus | None = None, q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    result = vendor_routes.list_vendors(session, actor, status=status, q=q or None, limit=PER_PAGE,
                                        offset=(page - 1) * PER_PAGE)
    ids = [v.id for v in result.items]
    today = utcnow().date()
    try:
        sales: dict[str, list[dict[str, Any]]] | None = analytics.vendor_sales(
            session, ids, today - timedelta(days=SALES_DAYS), today
        )
    except ServiceUnavailable:
        sales = None
    pager = Pager.of(page, PER_PAGE, result.total, "/console/vendors", {"status": status, "q": q})
    return render(request, "console/vendors.html", {
        "vendors": result.items, "pager": pager, "status": status.value if status else "", "q": q or "",
        "statuses": choices(VendorStatus, "Any status"), "products": catalog.product_counts(session, ids),
        "sales": sales, "sales_days": SALES_DAYS,
    })


def _vendor_page(
    request: Request, actor: Actor, session: Session, vendor_id: str, errors: FieldErrors | None = None,
    values: dict[str, str] | None = None, status_code: int = 200,
) -> Response:
    vendor = vendor_routes.get_vendor(vendor_id, session, actor)
    recent, total = orders.list_orders(session, vendor_id=vendor_id, limit=10, offset=0)
    return render(request, "console/vendor.html", {
        "vendor": vendor, "orders": [orders.view(o) for o in recent], "order_total": total,
        "products": catalog.product_counts(session, [vendor_id]).get(vendor_id, 0),
        "errors": errors or {}, "values": values or {"commission_rate": f"{vendor.commission_rate:.4f}"},
    }, status_code=status_code)


@router.get("/console/vendors/{vendor_id}")
def vendor_detail(request: Request, vendor_id: str, actor: AdminReader, session: CommerceSession) -> Response:
    return _vendor_page(request, actor, session, vendor_id)


@router.post("/console/vendors/{vendor_id}/status")
def vendor_status(
    request: Request, vendor_id: str, form: Form, actor: AdminWriter, session: CommerceSession
) -> Response:
    values = fields(form, "action", "reason")
    verbs = {"approve": "approved: its store is live", "reject": "rejected", "suspend": "suspended"}
    if values["action"] not in verbs:
        raise NotFound("No such action.")
    transition = endpoint(vendor_routes.admin, f"{values['action']}_vendor")
    body = StatusChangeIn(reason=values["reason"][:1000] or None)
    error = act(session, lambda: transition(vendor_id, session, actor, body))
    verb = verbs[values["action"]]
    return done(request, f"/console/vendors/{vendor_id}", error, f"Vendor {verb}.")


@router.post("/console/vendors/{vendor_id}/commission")
def vendor_commission(
    request: Request, vendor_id: str, form: Form, actor: AdminWriter, session: CommerceSession
) -> Response:
    values = fields(form, "commission_rate")
    body, errors = validate(VendorUpdate, values)
    if body is None:
        return _vendor_page(request, actor, session, vendor_id, errors, values, status_code=400)
    error = act(session, lambda: vendor_routes.update_vendor(vendor_id, body, session, actor))
    return done(request, f"/console/vendors/{vendor_id}", error, "Commission rate saved.")


# ---- companies ------------------------------------------------------------------------------------------


@router.get("/console/companies")
def company_list(
    request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1,
    status: CompanyStatus | None = None,
) -> Response:
    result = company_routes.list_companies(session, actor, status=status, limit=PER_PAGE,
                                           offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, result.total, "/console/companies", {"status": status})
    return render(request, "console/companies.html", {
        "companies": result.items, "pager": pager, "status": status.value if status else "",
        "statuses": choices(CompanyStatus, "Any status"),
    })


@router.get("/console/companies/{company_id}")
def company_detail(request: Request, company_id: str, actor: AdminReader, session: CommerceSession) -> Response:
    company = company_routes.get_company(company_id, session, actor)
    return render(request, "console/company.html", {"company": company, "errors": {}, "values": {}})


@router.post("/console/companies/{company_id}/status")
def company_status(
    request: Request, company_id: str, form: Form, actor: AdminWriter, session: CommerceSession
) -> Response:
    action = fields(form, "action")["action"]
    if action not in ("approve", "reject", "suspend"):
        raise NotFound("No such action.")
    transition = endpoint(company_routes.admin, f"{action}_company")
    error = act(session, lambda: transition(company_id, session, actor))
    return done(request, f"/console/companies/{company_id}", error, f"Company {action}d.")


@router.post("/console/companies/{company_id}/credit")
def company_credit(
    request: Request, company_id: str, form: Form, actor: AdminWriter, session: CommerceSession
) -> Response:
    values = fields(form, "credit_limit")
    body, errors = validate(CompanyAdminUpdate, values)
    if body is None:
        company = company_routes.get_company(company_id, session, actor)
        return render(request, "console/company.html", {"company": company, "errors": errors, "values": values},
                      status_code=400)
    error = act(session, lambda: company_routes.update_company(company_id, body, session, actor))
    return done(request, f"/console/companies/{company_id}", error, "Credit limit saved.")


# ---- quotes ---------------------------------------------------------------------------------------------


@router.get("/console/quotes")
def quote_list(
    request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1,
    status: QuoteStatus | None = None,
) -> Response:
    result = quote_routes.list_quotes(session, actor, status=status, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, result.total, "/console/quotes", {"status": status})
    return render(request, "console/quotes.html", {
        "quotes": result.items, "pager": pager, "status": status.value if status else "",
        "statuses": choices(QuoteStatus, "Any status"),
    })


def _quote_page(request: Request, actor: Actor, session: Session, quote_id: str, errors: FieldErrors,
                values: dict[str, str], status_code: int = 200) -> Response:
    quote = quote_routes.get_quote(quote_id, session, actor)
    default_expiry = (utcnow() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    variants = catalog.get_variants(session, [item.variant_id for item in quote.items])
    return render(request, "console/quote.html", {
        "quote": quote, "errors": errors, "values": {"expires_at": default_expiry, **values}, "variants": variants,
        "vendor_names": vendors.vendor_names(session, [item.vendor_id for item in quote.items]),
    }, status_code=status_code)


@router.get("/console/quotes/{quote_id}")
def quote_detail(request: Request, quote_id: str, actor: AdminReader, session: CommerceSession) -> Response:
    return _quote_page(request, actor, session, quote_id, {}, {})


@router.post("/console/quotes/{quote_id}/respond")
def quote_respond(
    request: Request, quote_id: str, form: Form, actor: AdminWriter, session: CommerceSession
) -> Response:
    quote = quote_routes.get_quote(quote_id, session, actor)
    names = [f"price_{item.id}" for item in quote.items]
    values = fields(form, "expires_at", "message", *names)
    errors: FieldErrors = {}
    try:
        expires_at = parse_datetime(values["expires_at"])
    except ValueError:
        expires_at, errors["expires_at"] = None, "Give a date and time."
    items = [{"item_id": item.id, "unit_price": values[f"price_{item.id}"]} for item in quote.items]
    body, schema_errors = validate(QuoteResponseIn, {"items": items, "expires_at": expires_at,
                                                     "message": values["message"] or None})
    for name, message in schema_errors.items():
        parts = name.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(names):
            errors.setdefault(names[int(parts[1])], message)
        else:
            errors.setdefault(parts[0], message)
    if body is None or errors:
        return _quote_page(request, actor, session, quote_id, errors, values, status_code=400)
    error = act(session, lambda: quote_routes.respond(quote_id, body, session, actor))
    return done(request, f"/console/quotes/{quote_id}", error, "Quote answered: the buyer can accept it now.")


# ---- volume pricing -------------------------------------------------------------------------------------

TIER_FIELDS = ("variant_id", "currency_code", "min_quantity", "max_quantity", "unit_price")


def _tiers_page(request: Request, actor: Actor, session: Session, page: int, variant_id: str | None,
                errors: FieldErrors, values: dict[str, str], status_code: int = 200) -> Response:
    result = tier_routes.list_tiers(session, actor, variant_id=variant_id, limit=PER_PAGE,
                                    offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, result.total, "/console/volume-pricing", {"variant_id": variant_id})
    return render(request, "console/tiers.html", {
        "tiers": result.items, "pager": pager, "variant_id": variant_id or "", "errors": errors, "values": values,
    }, status_code=status_code)


@router.get("/console/volume-pricing")
def tier_list(
    request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1,
    variant_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _tiers_page(request, actor, session, page, variant_id or None, {}, {})


@router.post("/console/volume-pricing")
def tier_create(request: Request, form: Form, actor: AdminWriter, session: CommerceSession) -> Response:
    values = fields(form, *TIER_FIELDS)
    body, errors = validate(TierIn, {k: (v or None) for k, v in values.items()})
    if body is not None:
        error = act(session, lambda: tier_routes.create_tier(body, session, actor))
        if error is None:
            return redirect(request, "/console/volume-pricing", "Tier added.")
        errors = app_error_fields(error, set(TIER_FIELDS))
    return _tiers_page(request, actor, session, 1, None, errors, values, status_code=400)


@router.post("/console/volume-pricing/{tier_id}/delete")
def tier_delete(request: Request, tier_id: str, actor: AdminWriter, session: CommerceSession) -> Response:
    error = act(session, lambda: tier_routes.delete_tier(tier_id, session, actor))
    return done(request, "/console/volume-pricing", error, "Tier deleted.")


# ---- commission rules -----------------------------------------------------------------------------------

RULE_FIELDS = ("name", "scope", "vendor_id", "category_id", "rate", "priority", "valid_from", "valid_to")


def _rules_page(request: Request, actor: Actor, session: Session, page: int, errors: FieldErrors,
                values: dict[str, str], status_code: int = 200) -> Response:
    result = commission_routes.list_rules(session, actor, scope=None, vendor_id=None, limit=PER_PAGE,
                                          offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, result.total, "/console/commission-rules")
    return render(request, "console/rules.html", {
        "rules": result.items, "pager": pager, "errors": errors, "values": values,
        "scopes": [(s.value, s.value.capitalize()) for s in RuleScope],
    }, status_code=status_code)


@router.get("/console/commission-rules")
def rule_list(request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1) -> Response:
    return _rules_page(request, actor, session, page, {}, {"scope": RuleScope.vendor.value, "priority": "0"})


def _rule_body(values: dict[str, str], fees: str) -> tuple[RuleIn | None, FieldErrors]:
    errors: FieldErrors = {}
    data: dict[str, Any] = {k: (v or None) for k, v in values.items()}
    for name in ("valid_from", "valid_to"):
        try:
            data[name] = parse_datetime(values[name])
        except ValueError:
            errors[name] = "Give a date and time."
    fee_list = []
    for part in filter(None, (p.strip() for p in fees.split(","))):
        currency, _, amount = part.partition(":")
        fee_list.append({"currency_code": currency.strip().upper(), "amount": amount.strip()})
    data["fixed_fees"] = fee_list
    if data.get("priority") is None:
        data["priority"] = 0
    body, schema_errors = validate(RuleIn, data)
    for name, message in schema_errors.items():
        errors.setdefault("fixed_fees" if name.startswith("fixed_fees") else name, message)
    return (body if not errors else None), errors


@router.post("/console/commission-rules")
def rule_create(request: Request, form: Form, actor: AdminWriter, session: CommerceSession) -> Response:
    values = fields(form, *RULE_FIELDS, "fixed_fees")
    body, errors = _rule_body({k: values[k] for k in RULE_FIELDS}, values["fixed_fees"])
    if body is not None:
        error = act(session, lambda: commission_routes.create_rule(body, session, actor))
        if error is None:
            return redirect(request, "/console/commission-rules", "Rule created.")
        errors = app_error_fields(error, set(RULE_FIELDS))
        if error.status == 409:
            errors = {"_form": (error.detail or "This rule overlaps another.")
                      + " Rules of the same target may not overlap in time: end the other rule first, or pick "
                        "another validity period."}
    return _rules_page(request, actor, session, 1, errors, values, status_code=400)


# ---- sync and webhooks ----------------------------------------------------------------------------------


@router.get("/console/sync")
def sync_page(
    request: Request, actor: AdminReader, session: CommerceSession, content: PageContentSession, settings: AppSettings,
    run: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    return render(request, "console/sync.html", {
        "sync": sync_service.status(session, content), "drift": sync_service.drift_rows(session, limit=100),
        "run_id": run, "run_url": dagster_url(settings, run),
    })


@router.post("/console/sync/trigger")
def sync_now(request: Request, actor: AdminWriter, session: CommerceSession, settings: AppSettings) -> Response:
    out = sync_routes.trigger_sync(session, settings, actor, None)
    return redirect(request, f"/console/sync?run={out.run_id}", f"Sync started: Dagster run {out.run_id}.")


@router.post("/console/sync/repair")
def sync_repair(request: Request, actor: AdminWriter, session: CommerceSession, settings: AppSettings) -> Response:
    out = sync_routes.repair_drift(session, settings, actor)
    return redirect(request, f"/console/sync?run={out.run_id}", f"Repair started: Dagster run {out.run_id}.")


@router.get("/console/webhooks")
def webhooks_page(
    request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1,
    status: DeliveryStatus | None = None,
    subscription_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _webhooks_page(request, actor, session, page, status, subscription_id or None, {}, {})


def _webhooks_page(request: Request, actor: Actor, session: Session, page: int, status: DeliveryStatus | None,
                   subscription_id: str | None, errors: FieldErrors, values: dict[str, str],
                   secret: str | None = None, status_code: int = 200) -> Response:
    deliveries = webhook_routes.list_deliveries(session, actor, status=status, subscription_id=subscription_id,
                                                limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, deliveries.total, "/console/webhooks",
                     {"status": status, "subscription_id": subscription_id})
    return render(request, "console/webhooks.html", {
        "subscriptions": webhook_routes.list_subscriptions(session, actor), "deliveries": deliveries.items,
        "pager": pager, "status": status.value if status else "", "statuses": choices(DeliveryStatus, "Any status"),
        "subscription_id": subscription_id or "", "errors": errors,
        "values": {"source": "commerce", "topics": "*", **values}, "secret": secret,
    }, status_code=status_code)


@router.post("/console/webhooks")
def webhook_create(request: Request, form: Form, actor: AdminWriter, session: CommerceSession,
                   settings: AppSettings) -> Response:
    values = fields(form, "url", "source", "topics", "description")
    topics = [t.strip() for t in values["topics"].split(",") if t.strip()]
    body, errors = validate(SubscriptionIn, {"url": values["url"], "source": values["source"], "topics": topics,
                                             "description": values["description"] or None})
    errors = {("topics" if k.startswith("topics") else k): v for k, v in errors.items()}
    if body is not None:
        created: list[Any] = []
        error = act(session, lambda: created.append(webhook_routes.create_subscription(body, session, settings,
                                                                                      actor)))
        if error is None:
            return _webhooks_page(request, actor, session, 1, None, None, {}, {}, secret=created[0].secret)
        errors = app_error_fields(error, {"url", "topics", "source"})
    return _webhooks_page(request, actor, session, 1, None, None, errors, values, status_code=400)


@router.post("/console/webhooks/{subscription_id}/active")
def webhook_active(request: Request, subscription_id: str, form: Form, actor: AdminWriter,
                   session: CommerceSession, settings: AppSettings) -> Response:
    active = fields(form, "active")["active"] == "true"
    patch = SubscriptionPatch(is_active=active)
    error = act(session, lambda: webhook_routes.update_subscription(
        subscription_id=subscription_id, body=patch, session=session, settings=settings, actor=actor))
    return done(request, "/console/webhooks", error, "Subscription resumed." if active else "Subscription paused.")


@router.post("/console/webhooks/{subscription_id}/rotate")
def webhook_rotate(request: Request, subscription_id: str, actor: AdminWriter, session: CommerceSession,
                   settings: AppSettings) -> Response:
    rotated = webhook_routes.rotate_secret(subscription_id, session, settings, actor)
    return _webhooks_page(request, actor, session, 1, None, None, {}, {}, secret=rotated.secret)


@router.post("/console/webhooks/deliveries/{delivery_id}/replay")
def delivery_replay(request: Request, delivery_id: str, actor: AdminWriter, session: CommerceSession) -> Response:
    error = act(session, lambda: webhook_routes.replay_delivery(delivery_id, session, actor))
    return done(request, "/console/webhooks", error, "Delivery queued again.")


@router.post("/console/webhooks/deliveries/replay-dead")
def delivery_replay_dead(request: Request, actor: AdminWriter, session: CommerceSession) -> Response:
    out = webhook_routes.replay_dead(session, actor, ReplayDeadIn())
    return redirect(request, "/console/webhooks?status=pending", f"{out.replayed} dead deliveries queued again.")


# ---- platform: API keys, staff, audit ---------------------------------------------------------------------


def _keys_page(request: Request, actor: Actor, session: Session, errors: FieldErrors, values: dict[str, Any],
               secret: str | None = None, status_code: int = 200) -> Response:
    return render(request, "console/keys.html", {
        "keys": auth_routes.list_api_keys(session, actor), "errors": errors,
        "values": {"kind": "secret", "scopes": [], **values}, "secret": secret,
        "grantable": sorted(s.value for s in GRANTABLE_SECRET_SCOPES),
    }, status_code=status_code)


@router.get("/console/api-keys")
def keys_page(request: Request, actor: AdminReader, session: CommerceSession) -> Response:
    return _keys_page(request, actor, session, {}, {})


@router.post("/console/api-keys")
def key_create(request: Request, form: Form, actor: AdminWriter, session: CommerceSession) -> Response:
    values: dict[str, Any] = fields(form, "name", "kind")
    values["scopes"] = [s for s in form.getlist("scopes") if isinstance(s, str)]
    body, errors = validate(ApiKeyIn, {**values, "scopes": values["scopes"] if values["kind"] == "secret" else None})
    if body is not None:
        created: list[Any] = []
        error = act(session, lambda: created.append(auth_routes.create_api_key(body, session, actor)))
        if error is None:
            return _keys_page(request, actor, session, {}, {}, secret=created[0].secret)
        errors = app_error_fields(error, {"name", "kind", "scopes"})
    errors = {("scopes" if k.startswith("scopes") else k): v for k, v in errors.items()}
    return _keys_page(request, actor, session, errors, values, status_code=400)


@router.post("/console/api-keys/{key_id}/rotate")
def key_rotate(request: Request, key_id: str, form: Form, actor: AdminWriter, session: CommerceSession,
               settings: AppSettings) -> Response:
    hours = fields(form, "overlap_hours")["overlap_hours"]
    try:
        body = RotateIn(overlap_seconds=int(float(hours) * 3600)) if hours else None
    except (ValueError, ValidationError):
        return _keys_page(request, actor, session, {"_form": "The overlap is a number of hours (0 to 720)."}, {},
                          status_code=400)
    rotated: list[Any] = []
    error = act(session, lambda: rotated.append(auth_routes.rotate_api_key(key_id, session, settings, actor, body)))
    if error is not None:
        return done(request, "/console/api-keys", error, "")
    return _keys_page(request, actor, session, {}, {}, secret=rotated[0].secret)


@router.post("/console/api-keys/{key_id}/revoke")
def key_revoke(request: Request, key_id: str, actor: AdminWriter, session: CommerceSession) -> Response:
    error = act(session, lambda: auth_routes.revoke_api_key(key_id, session, actor))
    return done(request, "/console/api-keys", error, "Key revoked: it stops working at once.")


def _users_page(request: Request, session: Session, errors: FieldErrors, values: dict[str, str],
                status_code: int = 200) -> Response:
    return render(request, "console/users.html", {
        "users": auth_service.list_staff_users(session), "errors": errors,
        "values": {"role": "finance", **values},
    }, status_code=status_code)


@router.get("/console/users")
def users_page(request: Request, actor: AdminReader, session: CommerceSession) -> Response:
    return _users_page(request, session, {}, {})


@router.post("/console/users")
def user_create(request: Request, form: Form, actor: AdminWriter, session: CommerceSession) -> Response:
    values = fields(form, "email", "password", "full_name", "role")
    body, errors = validate(StaffUserIn, {**values, "full_name": values["full_name"] or None})
    if body is not None:
        error = act(session, lambda: auth_routes.create_staff_user(body, session, actor))
        if error is None:
            return redirect(request, "/console/users", f"{body.email} can sign in now.")
        errors = app_error_fields(error, {"email", "password", "role"})
    return _users_page(request, session, errors, {**values, "password": ""}, status_code=400)


class AuditFilters(BaseModel):
    actor_id: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: date | None = None
    until: date | None = None


@router.get("/console/audit")
def audit_page(
    request: Request, actor: AdminReader, session: CommerceSession, page: PageNo = 1,
    actor_id: Annotated[str | None, Query(max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    filters = {"actor_id": actor_id, "action": action, "entity_type": entity_type, "entity_id": entity_id,
               "since": since, "until": until}
    parsed, errors = validate(AuditFilters, {k: (v or None) for k, v in filters.items()})
    entries: list[Any] = []
    total = 0
    if parsed is not None:
        start = datetime.combine(parsed.since, datetime.min.time(), UTC) if parsed.since else None
        end = datetime.combine(parsed.until + timedelta(days=1), datetime.min.time(), UTC) if parsed.until else None
        result = audit_routes.list_audit_entries(
            session, actor, actor_id=parsed.actor_id, action=parsed.action, entity_type=parsed.entity_type,
            entity_id=parsed.entity_id, since=start, until=end, limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
        )
        entries, total = result.items, result.total
    pager = Pager.of(page, PER_PAGE, total, "/console/audit", filters)
    return render(request, "console/audit.html", {
        "entries": entries, "pager": pager, "values": {k: v or "" for k, v in filters.items()}, "errors": errors,
    }, status_code=400 if errors else 200)
