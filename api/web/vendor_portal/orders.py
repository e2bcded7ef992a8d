"""Orders and fulfilment: the vendor's orders filtered by status and placing day, one order with its items,
address, payment state, timeline and sync state, and "mark fulfilled" with carrier and tracking number."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from api.deps import AppSettings, CommerceSession
from api.errors import AppError
from api.orders import service as orders
from api.orders.models import VendorOrderStatus
from api.orders.schemas import FulfillIn
from api.payments import service as payments
from api.sync import service as sync
from api.vendor_portal import service as portal
from api.web.auth import Form
from api.web.components import Pager
from api.web.forms import app_error_fields, fields, validate
from api.web.render import redirect
from api.web.stores import PageContentSession
from api.web.vendor_portal.common import (
    ROOT,
    VendorEditor,
    VendorUser,
    page,
    parse_day,
    router,
    vendor_of,
    writable_vendor,
)

PER_PAGE = 20
STATUSES = [("", "Any"), *((s.value, s.value.capitalize()) for s in VendorOrderStatus)]


@router.get(f"{ROOT}/orders")
def order_list(
    request: Request, actor: VendorUser, session: CommerceSession,
    status: Annotated[str, Query(max_length=20)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    vendor = vendor_of(session, actor)
    chosen = VendorOrderStatus(status) if status in VendorOrderStatus.__members__ else None
    start, end = parse_day(date_from), parse_day(date_to)
    rows, total = portal.list_orders(session, actor, status=chosen, date_from=start, date_to=end, limit=PER_PAGE,
                                     offset=(page_number - 1) * PER_PAGE)
    pager = Pager.of(page_number, PER_PAGE, total, f"{ROOT}/orders",
                     {"status": status, "from": date_from, "to": date_to})
    return page(request, "orders.html", vendor, "orders", {
        "rows": rows, "pager": pager, "statuses": STATUSES, "status": chosen.value if chosen else "",
        "date_from": start.isoformat() if start else "", "date_to": end.isoformat() if end else "", "total": total,
    })


def _order_page(request: Request, actor: VendorUser, session: CommerceSession, content: PageContentSession,
                vendor_order_id: str, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    vendor = vendor_of(session, actor)
    vendor_order, order = portal.get_order(session, actor, vendor_order_id)
    _, synced = sync.records_sync(content, [], [order.id])
    return page(request, "order.html", vendor, "orders", {
        "vo": vendor_order, "order": order, "timeline": portal.timeline(session, vendor_order),
        "sync": synced.get(order.id), "errors": errors or {}, "values": values or {},
    }, status_code=status_code)


@router.get(f"{ROOT}/orders/{{vendor_order_id}}")
def order_detail(request: Request, vendor_order_id: str, actor: VendorUser, session: CommerceSession,
                 content: PageContentSession) -> Response:
    return _order_page(request, actor, session, content, vendor_order_id)


@router.post(f"{ROOT}/orders/{{vendor_order_id}}/fulfill")
def fulfill(request: Request, vendor_order_id: str, form: Form, actor: VendorEditor, session: CommerceSession,
            content: PageContentSession, settings: AppSettings) -> Response:
    writable_vendor(session, actor)
    vendor_order, _ = portal.get_order(session, actor, vendor_order_id)
    values = fields(form, "carrier", "tracking_number")
    body, errors = validate(FulfillIn, values)
    if body is not None:
        try:
            with session.begin_nested():
                orders.fulfill(session, payments.provider_for(settings), vendor_order.order_id, vendor_order.id,
                               body.carrier, body.tracking_number)
        except AppError as exc:
            errors = app_error_fields(exc, set(values))
    if body is None or errors:
        return _order_page(request, actor, session, content, vendor_order_id, errors, values, status_code=400)
    return redirect(request, f"{ROOT}/orders/{vendor_order_id}", "Marked as fulfilled; the buyer is told.")
