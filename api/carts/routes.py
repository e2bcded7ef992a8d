from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Path, Query, Response

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.carts import service
from api.carts.schemas import (
    CartIn,
    CartOut,
    CartUpdate,
    CompleteIn,
    LineItemIn,
    LineItemUpdate,
    ShippingMethodIn,
    ShippingOptionIn,
    ShippingOptionOut,
    StoreShippingOptionOut,
)
from api.companies.models import CompanyApproval
from api.companies.schemas import ApprovalOut
from api.deps import AppSettings, CommerceSession, require
from api.errors import AppError
from api.observability.metrics import record_checkout
from api.orders.schemas import OrderOut
from api.payments import service as payments
from api.routing import Router

store = Router(prefix="/store", tags=["carts"])
admin = Router(prefix="/admin/shipping-options", tags=["carts"])

Reader = Annotated[Actor, Depends(require(Scope.store_read))]
Shopper = Annotated[Actor, Depends(require(Scope.store_write))]
CartId = Annotated[str, Path(pattern=r"^cart_[a-z0-9]{1,35}$")]
LineId = Annotated[str, Path(pattern=r"^item_[a-z0-9]{1,35}$")]


@store.post("/carts", response_model=CartOut, status_code=201, summary="Start a cart in a region")
def create_cart(body: CartIn, session: CommerceSession, actor: Shopper) -> CartOut:
    return service.view(session, service.create_cart(session, body, actor))


@store.get("/carts/{cart_id}", response_model=CartOut, summary="A cart with its totals")
def get_cart(cart_id: CartId, session: CommerceSession, actor: Reader) -> CartOut:
    return service.view(session, service.get_cart(session, cart_id, actor))


@store.post("/carts/{cart_id}", response_model=CartOut, summary="Set the cart's email or shipping address")
def update_cart(cart_id: CartId, body: CartUpdate, session: CommerceSession, actor: Shopper) -> CartOut:
    return service.view(session, service.update_cart(session, cart_id, body, actor))


@store.post("/carts/{cart_id}/line-items", response_model=CartOut, summary="Add a variant to the cart")
def add_line_item(cart_id: CartId, body: LineItemIn, session: CommerceSession, actor: Shopper) -> CartOut:
    return service.view(session, service.add_line(session, cart_id, body, actor))


@store.post("/carts/{cart_id}/line-items/{line_id}", response_model=CartOut, summary="Change a line's quantity")
def update_line_item(
    cart_id: CartId, line_id: LineId, body: LineItemUpdate, session: CommerceSession, actor: Shopper
) -> CartOut:
    return service.view(session, service.update_line(session, cart_id, line_id, body.quantity, actor))


@store.delete("/carts/{cart_id}/line-items/{line_id}", response_model=CartOut, summary="Remove a line")
def remove_line_item(cart_id: CartId, line_id: LineId, session: CommerceSession, actor: Shopper) -> CartOut:
    return service.view(session, service.remove_line(session, cart_id, line_id, actor))


@store.get(
    "/shipping-options", response_model=list[StoreShippingOptionOut], summary="Shipping options for a cart's vendors"
)
def shipping_options(
    session: CommerceSession,
    actor: Reader,
    cart_id: Annotated[str, Query(pattern=r"^cart_[a-z0-9]{1,35}$")],
) -> list[StoreShippingOptionOut]:
    return service.options_for_cart(session, service.get_cart(session, cart_id, actor))


@store.post(
    "/carts/{cart_id}/shipping-methods", response_model=CartOut, summary="Choose shipping for one vendor's items"
)
def add_shipping_method(cart_id: CartId, body: ShippingMethodIn, session: CommerceSession, actor: Shopper) -> CartOut:
    return service.view(session, service.add_shipping_method(session, cart_id, body.option_id, actor))


@store.post(
    "/carts/{cart_id}/complete",
    response_model=OrderOut,
    responses={202: {"model": ApprovalOut, "description": "A company order waiting for an approver"}},
    summary="Place the order (idempotent: a completed cart returns its order)",
)
def complete_cart(
    cart_id: CartId,
    session: CommerceSession,
    settings: AppSettings,
    actor: Shopper,
    body: Annotated[CompleteIn | None, Body()] = None,
) -> Any:
    provider = payments.provider_for(settings)
    try:
        result = service.complete(session, provider, cart_id, actor, body.payment_method if body else None)
    except AppError as exc:
        record_checkout(exc.code.value)
        raise
    # Serialised and committed here, in the route's thread: a model returned from a sync route is validated again
    # in a thread of its own, and the session's end would take another (a hop each per checkout). Once this has
    # committed, the session's end has nothing left to do (`api.db.needs_database_work`).
    if isinstance(result, CompanyApproval):
        record_checkout("approval_required")
        answer, status = ApprovalOut.model_validate(result).model_dump_json(), 202
    else:
        record_checkout("completed")
        answer, status = result.model_dump_json(), 200
    session.commit()
    return Response(answer, status_code=status, media_type="application/json")


def _option_out(option: object) -> ShippingOptionOut:
    return ShippingOptionOut.model_validate(option, from_attributes=True)


@admin.get("", response_model=list[ShippingOptionOut], summary="List vendors' shipping options")
def list_shipping_options(
    session: CommerceSession,
    _: Annotated[Actor, Depends(require(Scope.admin_read))],
    vendor_id: str | None = None,
) -> list[ShippingOptionOut]:
    return [_option_out(o) for o in service.list_shipping_options(session, vendor_id)]


@admin.post("", response_model=ShippingOptionOut, status_code=201, summary="Create a flat-rate shipping option")
def create_shipping_option(
    body: ShippingOptionIn,
    session: CommerceSession,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
) -> ShippingOptionOut:
    option = service.create_shipping_option(session, body)
    audit.record(session, actor, "shipping_option.created", "shipping_option", option.id, body.model_dump(mode="json"))
    return _option_out(option)
