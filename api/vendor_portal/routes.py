"""The vendor portal API (`/vendor/...`): vendor users only, always scoped to their own vendor through
`api.vendor_portal.scope`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response
from pydantic import AwareDatetime
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.catalog import service as catalog
from api.catalog.models import Product, ProductStatus
from api.catalog.schemas import ProductFields, ProductIn, ProductOut, ProductUpdate
from api.commissions.models import CommissionLine, LineType
from api.commissions.schemas import CommissionLineOut
from api.deps import AppSettings, CommerceSession, require
from api.errors import NotFound
from api.money import CurrencyCode
from api.orders import service as orders
from api.orders.models import Order, OrderStatus, PaymentStatus, VendorOrder, VendorOrderStatus
from api.orders.schemas import FulfillIn, VendorOrderOut
from api.pagination import Limit, Offset, Page
from api.payments import service as payments
from api.payouts import balance as balances
from api.payouts import service as payouts
from api.payouts.models import Payout, PayoutStatus
from api.payouts.schemas import BalanceOut, PayoutOut, PayoutRequestIn
from api.quotes import service as quotes
from api.quotes.models import QuoteStatus
from api.quotes.schemas import QuoteOut, QuoteResponseIn
from api.routing import Router
from api.vendor_portal import scope, service
from api.vendor_portal.schemas import PortalVendorOrderOut, TimelineEntryOut
from api.vendors import service as vendors
from api.vendors.schemas import VendorOut, VendorSelfUpdate
from api.volume_pricing import service as volume_pricing
from api.volume_pricing.schemas import TierIn, TierOut, TierUpdate

router = Router(prefix="/vendor", tags=["vendor portal"])

VendorReader = Annotated[Actor, Depends(require(Scope.vendor_read))]
VendorWriter = Annotated[Actor, Depends(require(Scope.vendor_write))]
ProductId = Annotated[str, Path(pattern=r"^prod_[a-z0-9]{1,35}$")]
VendorOrderId = Annotated[str, Path(pattern=r"^vo_[a-z0-9]{1,37}$")]
QuoteId = Annotated[str, Path(pattern=r"^quote_[a-z0-9]{1,34}$")]
TierId = Annotated[str, Path(pattern=r"^vtier_[a-z0-9]{1,34}$")]


def _count(session: Session, statement: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


# ---- the vendor ----------------------------------------------------------------------------------------


@router.get("/me", response_model=VendorOut, summary="Your vendor profile and status")
def me(session: CommerceSession, actor: VendorReader) -> VendorOut:
    return VendorOut.model_validate(vendors.get_vendor(session, scope.vendor_id_of(actor)))


@router.patch(
    "/me",
    response_model=VendorOut,
    summary="Change your name, email, currency or payout account",
    description="A new `stripe_account_id` needs `current_password`, is refused while the vendor is suspended, "
    "and is audited and notified.",
)
def update_me(body: VendorSelfUpdate, session: CommerceSession, actor: VendorWriter) -> VendorOut:
    vendor, account_changed = vendors.update_own_profile(session, actor, scope.vendor_id_of(actor), body)
    changes = body.model_dump(mode="json", exclude_unset=True, exclude={"current_password"})
    audit.record(session, actor, "vendor.updated", "vendor", vendor.id, changes)
    if account_changed:
        audit.record(session, actor, "vendor.payout_account_changed", "vendor", vendor.id,
                     {"stripe_account_id": vendor.stripe_account_id})
    return VendorOut.model_validate(vendor)


# ---- products ------------------------------------------------------------------------------------------


def _own_product(session: Session, actor: Actor, product_id: str) -> Product:
    if session.scalar(scope.readable_products(actor).where(Product.id == product_id).with_only_columns(Product.id)):
        return catalog.get_product(session, product_id)
    raise NotFound("No such product.")


@router.get("/products", response_model=Page[ProductOut], summary="Your products, drafts included")
def list_products(
    session: CommerceSession,
    actor: VendorReader,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    status: ProductStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProductOut]:
    rows, total = catalog.search_products(
        session, scope.readable_products(actor), q=q, status=status, limit=limit, offset=offset
    )
    return Page(items=[catalog.admin_view(p) for p in rows], total=total, limit=limit, offset=offset)


@router.post("/products", response_model=ProductOut, status_code=201, summary="Add a product with variants")
def create_product(body: ProductFields, session: CommerceSession, actor: VendorWriter) -> ProductOut:
    product = catalog.create_product(
        session, ProductIn.model_validate({**body.model_dump(), "vendor_id": scope.vendor_id_of(actor)}),
        categories_approved=False,
    )
    audit.record(session, actor, "product.created", "product", product.id, {"handle": product.handle})
    return catalog.admin_view(product)


@router.get("/products/{product_id}", response_model=ProductOut, summary="One of your products")
def get_product(product_id: ProductId, session: CommerceSession, actor: VendorReader) -> ProductOut:
    return catalog.admin_view(_own_product(session, actor, product_id))


@router.patch("/products/{product_id}", response_model=ProductOut, summary="Change a product (nested lists replace)")
def update_product(
    product_id: ProductId, body: ProductUpdate, session: CommerceSession, actor: VendorWriter
) -> ProductOut:
    _own_product(session, actor, product_id)
    product = catalog.update_product(session, product_id, body, categories_approved=False)
    audit.record(session, actor, "product.updated", "product", product.id, {"fields": sorted(body.model_fields_set)})
    return catalog.admin_view(product)


@router.delete("/products/{product_id}", status_code=204, summary="Delete a product")
def delete_product(product_id: ProductId, session: CommerceSession, actor: VendorWriter) -> Response:
    _own_product(session, actor, product_id)
    catalog.delete_product(session, product_id)
    audit.record(session, actor, "product.deleted", "product", product_id)
    return Response(status_code=204)


# ---- orders --------------------------------------------------------------------------------------------


def _order_view(vendor_order: VendorOrder, order: Order) -> PortalVendorOrderOut:
    return PortalVendorOrderOut(
        **VendorOrderOut.model_validate(vendor_order).model_dump(),
        order_id=order.id,
        display_id=order.display_id,
        currency_code=order.currency_code,
        email=order.email,
        shipping_address=order.shipping_address,
        order_status=OrderStatus(order.status),
        payment_status=PaymentStatus(order.payment_status),
        created_at=order.created_at,
    )


def _own_vendor_order(session: Session, actor: Actor, vendor_order_id: str) -> VendorOrder:
    return service.get_order(session, actor, vendor_order_id)[0]


@router.get("/orders", response_model=Page[PortalVendorOrderOut], summary="Your vendor orders")
def list_orders(
    session: CommerceSession,
    actor: VendorReader,
    status: VendorOrderStatus | None = None,
    date_from: Annotated[date | None, Query(alias="from", description="First UTC day the order was placed")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last UTC day, inclusive")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PortalVendorOrderOut]:
    rows, total = service.list_orders(
        session, actor, status=status, date_from=date_from, date_to=date_to, limit=limit, offset=offset
    )
    return Page(items=[_order_view(vo, order) for vo, order in rows], total=total, limit=limit, offset=offset)


@router.get("/orders/{vendor_order_id}", response_model=PortalVendorOrderOut, summary="One of your vendor orders")
def get_order(vendor_order_id: VendorOrderId, session: CommerceSession, actor: VendorReader) -> PortalVendorOrderOut:
    vendor_order, order = service.get_order(session, actor, vendor_order_id)
    return _order_view(vendor_order, order)


@router.get(
    "/orders/{vendor_order_id}/timeline", response_model=list[TimelineEntryOut], summary="What happened to your part"
)
def order_timeline(
    vendor_order_id: VendorOrderId, session: CommerceSession, actor: VendorReader
) -> list[TimelineEntryOut]:
    vendor_order, _ = service.get_order(session, actor, vendor_order_id)
    return [TimelineEntryOut(at=e.at, event=e.event, detail=e.detail) for e in service.timeline(session, vendor_order)]


@router.post(
    "/orders/{vendor_order_id}/fulfill", response_model=PortalVendorOrderOut, summary="Ship it: carrier and tracking"
)
def fulfill(
    vendor_order_id: VendorOrderId, body: FulfillIn, session: CommerceSession, settings: AppSettings,
    actor: VendorWriter,
) -> PortalVendorOrderOut:
    vendor_order = _own_vendor_order(session, actor, vendor_order_id)
    order = orders.fulfill(
        session, payments.provider_for(settings), vendor_order.order_id, vendor_order.id, body.carrier,
        body.tracking_number,
    )
    audit.record(session, actor, "vendor_order.fulfilled", "vendor_order", vendor_order.id, body.model_dump())
    return _order_view(vendor_order, order)


# ---- money ---------------------------------------------------------------------------------------------


@router.get("/commissions", response_model=Page[CommissionLineOut], summary="Your commission ledger")
def list_commissions(
    session: CommerceSession,
    actor: VendorReader,
    order_id: Annotated[str | None, Query(max_length=40)] = None,
    type: LineType | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CommissionLineOut]:
    statement = scope.readable_commission_lines(actor)
    if order_id is not None:
        statement = statement.where(CommissionLine.order_id == order_id)
    if type is not None:
        statement = statement.where(CommissionLine.type == type)
    if since is not None:
        statement = statement.where(CommissionLine.created_at >= since)
    if until is not None:
        statement = statement.where(CommissionLine.created_at < until)
    total = _count(session, statement)
    rows = session.scalars(
        statement.order_by(CommissionLine.created_at.desc(), CommissionLine.id).limit(limit).offset(offset)
    )
    return Page(items=[CommissionLineOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/payouts", response_model=Page[PayoutOut], summary="Your payouts")
def list_payouts(
    session: CommerceSession, actor: VendorReader, status: PayoutStatus | None = None, limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PayoutOut]:
    statement = scope.readable_payouts(actor)
    if status is not None:
        statement = statement.where(Payout.status == status)
    total = _count(session, statement)
    rows = session.scalars(statement.order_by(Payout.created_at.desc(), Payout.id).limit(limit).offset(offset))
    return Page(items=[PayoutOut.model_validate(p) for p in rows], total=total, limit=limit, offset=offset)


@router.get("/payouts/balance", response_model=BalanceOut, summary="What you can request: pending, available, "
            "in payout, paid")
def balance(
    session: CommerceSession, settings: AppSettings, actor: VendorReader, currency_code: CurrencyCode | None = None
) -> BalanceOut:
    vendor = vendors.get_vendor(session, scope.vendor_id_of(actor))
    parts = balances.balance(session, vendor.id, currency_code or vendor.default_currency)
    return BalanceOut(**parts.as_dict(), minimum_payout=settings.payout_minimum_amount)


@router.post("/payouts/request", response_model=PayoutOut, status_code=201, summary="Request a payout")
def request_payout(
    session: CommerceSession,
    settings: AppSettings,
    actor: VendorWriter,
    body: PayoutRequestIn,
) -> PayoutOut:
    vendor = vendors.get_vendor(session, scope.vendor_id_of(actor))
    vendors.ensure_may_request_payout(vendor)
    payout = payouts.create_payout(
        session, vendor.id, body.amount, body.currency_code or vendor.default_currency, requested_by=actor.id,
        note=body.note, minimum_amount=settings.payout_minimum_amount,
    )
    audit.record(session, actor, "payout.requested", "payout", payout.id, {"amount": payout.amount})
    return PayoutOut.model_validate(payout)


# ---- quotes --------------------------------------------------------------------------------------------


@router.get("/quotes", response_model=Page[QuoteOut], summary="Quotes holding only your items")
def list_quotes(
    session: CommerceSession, actor: VendorReader, status: QuoteStatus | None = None, limit: Limit = 50,
    offset: Offset = 0,
) -> Page[QuoteOut]:
    rows, total = quotes.list_quotes(session, scope.readable_quotes(actor), status=status, limit=limit, offset=offset)
    return Page(items=[quotes.view(q) for q in rows], total=total, limit=limit, offset=offset)


@router.get("/quotes/{quote_id}", response_model=QuoteOut, summary="One quote holding only your items")
def get_quote(quote_id: QuoteId, session: CommerceSession, actor: VendorReader) -> QuoteOut:
    return quotes.view(quotes.get_quote(session, scope.readable_quotes(actor), quote_id))


@router.post("/quotes/{quote_id}/respond", response_model=QuoteOut, summary="Answer with unit prices and an expiry")
def respond_quote(quote_id: QuoteId, body: QuoteResponseIn, session: CommerceSession, actor: VendorWriter) -> QuoteOut:
    quote = quotes.respond(session, quotes.get_quote(session, scope.readable_quotes(actor), quote_id), body, actor.id)
    audit.record(session, actor, "quote.responded", "quote", quote.id, body.model_dump(mode="json"))
    return quotes.view(quote)


# ---- volume pricing ------------------------------------------------------------------------------------


@router.get("/volume-pricing", response_model=Page[TierOut], summary="Volume tiers of your variants")
def list_tiers(
    session: CommerceSession, actor: VendorReader, variant_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page[TierOut]:
    rows, total = volume_pricing.list_tiers(
        session, scope.readable_tiers(actor), variant_id=variant_id, limit=limit, offset=offset
    )
    return Page(items=[TierOut.model_validate(t) for t in rows], total=total, limit=limit, offset=offset)


@router.post("/volume-pricing", response_model=TierOut, status_code=201, summary="Add a tier to one of your variants")
def create_tier(body: TierIn, session: CommerceSession, actor: VendorWriter) -> TierOut:
    tier = volume_pricing.create_tier(session, body, scope.readable_variants(actor))
    audit.record(session, actor, "volume_tier.created", "volume_tier", tier.id, body.model_dump(mode="json"))
    return TierOut.model_validate(tier)


@router.get("/volume-pricing/{tier_id}", response_model=TierOut, summary="One of your tiers")
def get_tier(tier_id: TierId, session: CommerceSession, actor: VendorReader) -> TierOut:
    return TierOut.model_validate(volume_pricing.get_tier(session, scope.readable_tiers(actor), tier_id))


@router.patch("/volume-pricing/{tier_id}", response_model=TierOut, summary="Change one of your tiers")
def update_tier(tier_id: TierId, body: TierUpdate, session: CommerceSession, actor: VendorWriter) -> TierOut:
    tier = volume_pricing.update_tier(session, volume_pricing.get_tier(session, scope.readable_tiers(actor), tier_id),
                                      body)
    audit.record(session, actor, "volume_tier.updated", "volume_tier", tier.id,
                 body.model_dump(mode="json", exclude_unset=True))
    return TierOut.model_validate(tier)


@router.delete("/volume-pricing/{tier_id}", status_code=204, summary="Delete one of your tiers")
def delete_tier(tier_id: TierId, session: CommerceSession, actor: VendorWriter) -> Response:
    volume_pricing.delete_tier(session, volume_pricing.get_tier(session, scope.readable_tiers(actor), tier_id))
    audit.record(session, actor, "volume_tier.deleted", "volume_tier", tier_id)
    return Response(status_code=204)
