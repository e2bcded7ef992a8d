"""Onboarding (register, the pending/rejected/suspended state) and the dashboard: stat cards with the change
against the previous period, and charts of the `vendor_stats` mart over a range the vendor picks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.analytics import readiness
from api.analytics import service as analytics
from api.analytics.schemas import StatsTotals, VendorStatsOut
from api.auth import service as auth_service
from api.auth.actor import Actor
from api.commissions import service as commissions
from api.config import Settings
from api.db import Domain
from api.deps import AppSettings, CommerceSession
from api.errors import Conflict, ServiceUnavailable, ValidationFailed
from api.payouts import balance as balances
from api.vendor_portal import service as portal
from api.vendors import service as vendors
from api.vendors.models import Vendor, VendorStatus
from api.vendors.schemas import VendorRegisterIn
from api.web import components as charts
from api.web.auth import Form, PageActor, home_for, set_session_cookie
from api.web.forms import app_error_fields, fields, validate
from api.web.reads import DASHBOARD_MAX_AGE_SECONDS, kept_page
from api.web.render import format_money, redirect, render
from api.web.vendor_portal.common import ROOT, VendorUser, page, parse_day, router, vendor_of

CURRENCIES = [(c, c) for c in ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN")]


# ---- onboarding ----------------------------------------------------------------------------------------


@router.get(f"{ROOT}/register")
def register_page(request: Request, actor: PageActor) -> Response:
    if actor.authenticated:
        return redirect(request, home_for(actor))
    return render(request, "vendor_portal/register.html", {"values": {"default_currency": "EUR"}, "errors": {},
                                                            "currencies": CURRENCIES})


@router.post(f"{ROOT}/register")
def register(request: Request, form: Form, session: CommerceSession, settings: AppSettings) -> Response:
    values = fields(form, "name", "slug", "email", "password", "full_name", "default_currency")
    data: dict[str, Any] = {k: v for k, v in values.items() if v or k != "full_name"}
    body, errors = validate(VendorRegisterIn, data)
    if body is not None:
        try:
            vendors.register(session, body, commissions.platform_rate(session))
        except (Conflict, ValidationFailed) as exc:
            errors = app_error_fields(exc, set(values))
            if "_form" in errors and "slug" in (errors["_form"] or ""):
                errors = {"slug": errors["_form"]}
            elif "_form" in errors and "email" in (errors["_form"] or "").lower():
                errors = {"email": errors["_form"]}
    if body is None or errors:
        values.pop("password")
        return render(request, "vendor_portal/register.html", {"values": values, "errors": errors,
                                                                "currencies": CURRENCIES}, status_code=400)
    raw, _token, _user = auth_service.login(session, body.email, body.password, settings.token_ttl_seconds)
    response = redirect(request, ROOT, "Thank you! Your application is in; we will review it shortly.")
    set_session_cookie(request, response, raw, settings.token_ttl_seconds)
    return response


# ---- dashboard -----------------------------------------------------------------------------------------


def change(current: int, previous: int) -> tuple[str, str]:
    """'+12.5% vs previous period' and a css class; a display of the marts' figures, not a money rule."""
    if previous == 0:
        return ("new this period" if current else "no change"), ("stat-up" if current else "")
    percent = (current - previous) * 100 / abs(previous)
    sign = "+" if percent >= 0 else "-"
    return f"{sign}{abs(percent):.1f}% vs previous period", "stat-up" if percent >= 0 else "stat-down"


def _totals(stats: VendorStatsOut | None, currency: str) -> StatsTotals | None:
    if stats is None:
        return None
    return next((t for t in stats.totals if t.currency_code == currency), None)


def _stats(session: Session, vendor: Vendor, start: date, end: date) -> VendorStatsOut | None:
    try:
        return analytics.vendor_stats(session, vendor.id, start, end)
    except ServiceUnavailable:
        return None


def _charts(stats: VendorStatsOut, currency: str, start: date, end: date) -> dict[str, Any]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    by_day = {row.date: row for row in stats.series if row.currency_code == currency}
    labels = [d.strftime("%d %b") for d in days]

    def col(name: str) -> list[int]:
        return [int(getattr(by_day[d], name)) if d in by_day else 0 for d in days]

    def money_fmt(v: int) -> str:
        return format_money(v, currency)

    totals = _totals(stats, currency)
    top = [(str(p.get("title") or p.get("product_id")), int(p["gross_sales"]))
           for p in (totals.top_products if totals else [])]
    return {
        "sales": charts.line_chart("Daily sales", labels, [
            charts.Series("Gross sales", col("gross_sales"), "chart-s1"),
            charts.Series("Net sales", col("net_sales"), "chart-s2")], money_fmt),
        "orders": charts.line_chart("Orders per day", labels, [charts.Series("Orders", col("orders"), "chart-s1")],
                                    str),
        "split": charts.line_chart("Commission and earnings per day", labels, [
            charts.Series("Your earnings", col("earnings"), "chart-s2"),
            charts.Series("Commission", col("commission"), "chart-s3")], money_fmt),
        "top": charts.bar_chart("Top products by gross sales", top, money_fmt) if top else None,
        "rows": [(d, by_day.get(d)) for d in days if d in by_day],
    }


@router.get(ROOT)
async def dashboard(request: Request, actor: VendorUser, session: CommerceSession, settings: AppSettings) -> Response:
    errors: dict[str, str] = {}
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    try:
        start, end = analytics.date_range(parse_day(raw_from), parse_day(raw_to))
        if (raw_from and parse_day(raw_from) is None) or (raw_to and parse_day(raw_to) is None):
            raise ValidationFailed("Dates are YYYY-MM-DD.", errors=[])
    except ValidationFailed as exc:
        errors = {"from": exc.detail or "Choose a valid range."}
        start, end = analytics.date_range(None, None)

    def answer(view: tuple[str, Vendor, dict[str, Any]]) -> Response:
        template, vendor, context = view
        return page(request, template, vendor, "dashboard", {**context, "errors": errors})

    return await kept_page(request, f"vendor-dashboard:{actor.id}:{start}:{end}", (Domain.commerce,),
                           lambda: _dashboard_view(session, actor, settings, start, end), answer,
                           max_age=DASHBOARD_MAX_AGE_SECONDS)


def _dashboard_view(session: Session, actor: Actor, settings: Settings, start: date,
                    end: date) -> tuple[str, Vendor, dict[str, Any]]:
    """The dashboard's template, the vendor, and every figure it shows (plain values, kept between requests)."""
    vendor = vendor_of(session, actor)
    if vendor.status != VendorStatus.approved:
        return "status.html", vendor, {}
    length = (end - start).days + 1
    previous_start, previous_end = start - timedelta(days=length), start - timedelta(days=1)
    currency = vendor.default_currency
    stats = _stats(session, vendor, start, end)
    previous = _stats(session, vendor, previous_start, previous_end) if stats is not None else None
    now, before = _totals(stats, currency), _totals(previous, currency)
    counts = portal.live_counts(session, actor, start, end)
    earned = now.earnings if now else 0
    context = {
        "start": start, "end": end, "currency": currency, "stats": stats, "totals": now,
        "other_totals": [t for t in (stats.totals if stats else []) if t.currency_code != currency],
        "sales_change": change(now.gross_sales if now else 0, before.gross_sales if before else 0),
        "orders_change": change(now.orders if now else 0, before.orders if before else 0),
        "counts": counts,
        "available": balances.balance(session, vendor.id, currency).available,
        "earned": earned,
        "marts": readiness.marts_ready(session, settings.data_dir),
        "charts": _charts(stats, currency, start, end) if stats is not None else None,
        "minimum_payout": settings.payout_minimum_amount,
    }
    return "dashboard.html", vendor, context
