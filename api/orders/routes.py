from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.deps import AppSettings, CommerceSession, require
from api.orders import service
from api.orders.models import OrderStatus
from api.orders.schemas import FulfillIn, OrderOut, RefundIn
from api.pagination import Limit, Offset, Page
from api.payments import service as payments
from api.routing import Router

store = Router(prefix="/store/orders", tags=["orders"])
admin = Router(prefix="/admin/orders", tags=["orders"])

Customer = Annotated[Actor, Depends(require(Scope.customer))]
AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]
OrderId = Annotated[str, Path(pattern=r"^order_[a-z0-9]{1,34}$")]
VendorOrderId = Annotated[str, Path(pattern=r"^vo_[a-z0-9]{1,37}$")]


def _page(rows: list[object], total: int, limit: int, offset: int) -> Page[OrderOut]:
    return Page(items=[OrderOut.model_validate(o) for o in rows], total=total, limit=limit, offset=offset)


@store.get("", response_model=Page[OrderOut], summary="The logged-in customer's orders")
def my_orders(session: CommerceSession, actor: Customer, limit: Limit = 20, offset: Offset = 0) -> Page[OrderOut]:
    rows, total = service.list_orders(session, customer_id=actor.id, limit=limit, offset=offset)
    return _page(list(rows), total, limit, offset)


@store.get("/{order_id}", response_model=OrderOut, summary="One of the customer's orders")
def my_order(order_id: OrderId, session: CommerceSession, actor: Customer) -> OrderOut:
    assert actor.id is not None
    return service.view(service.get_order(session, order_id, customer_id=actor.id))


@admin.get("", response_model=Page[OrderOut], summary="List orders")
def list_orders(
    session: CommerceSession,
    _: AdminReader,
    status: OrderStatus | None = None,
    vendor_id: str | None = None,
    customer_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrderOut]:
    rows, total = service.list_orders(
        session, customer_id=customer_id, vendor_id=vendor_id, status=status, limit=limit, offset=offset
    )
    return _page(list(rows), total, limit, offset)


@admin.get("/{order_id}", response_model=OrderOut, summary="Get an order")
def get_order(order_id: OrderId, session: CommerceSession, _: AdminReader) -> OrderOut:
    return service.view(service.get_order(session, order_id))


@admin.post("/{order_id}/capture", response_model=OrderOut, summary="Capture the authorised payment")
def capture(order_id: OrderId, session: CommerceSession, settings: AppSettings, actor: AdminWriter) -> OrderOut:
    order = service.capture(session, payments.provider_for(settings), order_id)
    captured = order.payment.captured_amount if order.payment else 0
    audit.record(session, actor, "order.captured", "order", order.id, {"amount": captured})
    return service.view(order)


@admin.post("/{order_id}/cancel", response_model=OrderOut, summary="Cancel an order that has not shipped")
def cancel(order_id: OrderId, session: CommerceSession, settings: AppSettings, actor: AdminWriter) -> OrderOut:
    order = service.cancel(session, payments.provider_for(settings), order_id)
    audit.record(session, actor, "order.canceled", "order", order.id)
    return service.view(order)


@admin.post(
    "/{order_id}/vendor-orders/{vendor_order_id}/fulfill",
    response_model=OrderOut,
    summary="Mark a vendor order shipped, with carrier and tracking number",
)
def fulfill(
    order_id: OrderId,
    vendor_order_id: VendorOrderId,
    body: FulfillIn,
    session: CommerceSession,
    settings: AppSettings,
    actor: AdminWriter,
) -> OrderOut:
    order = service.fulfill(
        session, payments.provider_for(settings), order_id, vendor_order_id, body.carrier, body.tracking_number
    )
    audit.record(session, actor, "vendor_order.fulfilled", "vendor_order", vendor_order_id, body.model_dump())
    return service.view(order)


@admin.post(
    "/{order_id}/vendor-orders/{vendor_order_id}/cancel",
    response_model=OrderOut,
    summary="Cancel one vendor order: its stock is released and its share refunded or not captured",
)
def cancel_vendor_order(
    order_id: OrderId,
    vendor_order_id: VendorOrderId,
    session: CommerceSession,
    settings: AppSettings,
    actor: AdminWriter,
) -> OrderOut:
    order = service.cancel_vendor_order(session, payments.provider_for(settings), order_id, vendor_order_id)
    audit.record(session, actor, "vendor_order.canceled", "vendor_order", vendor_order_id)
    return service.view(order)


@admin.post("/{order_id}/refunds", response_model=OrderOut, summary="Refund part or all of what was captured")
def refund(
    order_id: OrderId, body: RefundIn, session: CommerceSession, settings: AppSettings, actor: AdminWriter
) -> OrderOut:
    order, record = service.refund(session, payments.provider_for(settings), order_id, body)
    audit.record(session, actor, "order.refunded", "refund", record.id, {"order_id": order.id, **body.model_dump()})
    return service.view(order)
