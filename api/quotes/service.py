"""Quotes: a buyer asks for prices, an admin or the one vendor whose items it holds answers with unit prices
and an expiry, and the buyer accepts (a new cart at the quoted prices, its lines carrying the quote id) or
rejects. `requested -> responded -> accepted | rejected | expired` (a requested quote may also be
withdrawn: `rejected`). Expiry is checked lazily, on every read and on accept, against `expires_at`."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from api.auth.actor import Actor
from api.carts import service as carts
from api.carts.models import Cart
from api.carts.schemas import CartIn
from api.catalog import service as catalog
from api.clock import utcnow
from api.errors import FieldError, NotFound, ValidationFailed
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent
from api.quotes.models import QUOTE_STATUS, Quote, QuoteItem, QuoteStatus
from api.quotes.schemas import QuoteIn, QuoteOut, QuoteResponseIn
from api.regions.models import Region


def view(quote: Quote) -> QuoteOut:
    priced = all(i.unit_price is not None for i in quote.items)
    total = sum((i.unit_price or 0) * i.quantity for i in quote.items) if priced else None
    return QuoteOut.model_validate(quote).model_copy(update={"total": total})


# ---- scoping -------------------------------------------------------------------------------------------


def store_quotes(actor: Actor) -> Select[Quote]:
    """A customer's own quotes, and their company's."""
    mine = Quote.customer_id == actor.id
    if actor.company_id is not None:
        return select(Quote).where(or_(mine, Quote.company_id == actor.company_id))
    return select(Quote).where(mine)


def vendor_quotes(vendor_id: str) -> Select[Quote]:
    """Quotes whose every item is one of `vendor_id`'s (and that have one: a quote whose items a vendor
    cannot see at all, as under row-level security, is not vacuously its own)."""
    mine = select(QuoteItem.id).where(QuoteItem.quote_id == Quote.id, QuoteItem.vendor_id == vendor_id)
    others = select(QuoteItem.id).where(QuoteItem.quote_id == Quote.id, QuoteItem.vendor_id != vendor_id)
    return select(Quote).where(mine.exists(), ~others.exists())


def all_quotes() -> Select[Quote]:
    return select(Quote)


# ---- reading -------------------------------------------------------------------------------------------


def _expire_if_due(quote: Quote) -> Quote:
    if quote.status == QuoteStatus.responded and quote.expires_at is not None and quote.expires_at <= utcnow():
        quote.status = QUOTE_STATUS.transition(quote.status, QuoteStatus.expired)
        quote.version += 1
    return quote


def get_quote(session: Session, readable: Select[Quote], quote_id: str) -> Quote:
    quote = session.scalar(readable.where(Quote.id == quote_id).with_for_update(of=Quote))
    if quote is None:
        raise NotFound("No such quote.")
    return _expire_if_due(quote)


def list_quotes(
    session: Session, readable: Select[Quote], *, status: QuoteStatus | None, limit: int, offset: int
) -> tuple[list[Quote], int]:
    statement = readable
    if status is not None:
        statement = statement.where(Quote.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = list(session.scalars(statement.order_by(Quote.created_at.desc(), Quote.id).limit(limit).offset(offset)))
    return [_expire_if_due(q) for q in rows], total


# ---- changing ------------------------------------------------------------------------------------------


def request_quote(session: Session, actor: Actor, body: QuoteIn) -> Quote:
    region = session.get(Region, body.region_id)
    if region is None:
        raise ValidationFailed("Unknown region.", errors=[FieldError(field="region_id", message="No such region.")])
    variants = catalog.get_variants(session, [i.variant_id for i in body.items])
    items = []
    for n, item in enumerate(body.items):
        variant = variants.get(item.variant_id)
        if variant is None or not catalog.is_store_visible(variant.product):
            raise ValidationFailed(
                "Unknown variant.", errors=[FieldError(field=f"items.{n}.variant_id", message="No such variant.")]
            )
        items.append(
            QuoteItem(variant_id=variant.id, vendor_id=variant.product.vendor_id, quantity=item.quantity, position=n)
        )
    if len({i.variant_id for i in items}) != len(items):
        raise ValidationFailed("One item per variant.", errors=[FieldError(field="items", message="duplicate")])
    assert actor.id is not None
    quote = Quote(
        customer_id=actor.id, company_id=actor.company_id, region_id=region.id, currency_code=region.currency_code,
        status=QuoteStatus.requested, message=body.message, items=items, version=1,
    )
    session.add(quote)
    session.flush()
    session.refresh(quote)
    _emit(session, "quote.requested", quote)
    return quote


def _emit(session: Session, topic: str, quote: Quote) -> None:
    outbox.record(session, CommerceOutboxEvent, topic, "quote", quote.id, {
        "quote_id": quote.id, "customer_id": quote.customer_id, "status": quote.status,
        "vendor_ids": sorted({item.vendor_id for item in quote.items}), "currency_code": quote.currency_code,
        "expires_at": quote.expires_at.isoformat() if quote.expires_at else None,
    })


def respond(session: Session, quote: Quote, body: QuoteResponseIn, responder: str | None) -> Quote:
    quote.status = QUOTE_STATUS.transition(quote.status, QuoteStatus.responded)
    prices = {p.item_id: p.unit_price for p in body.items}
    if set(prices) != {i.id for i in quote.items} or len(prices) != len(body.items):
        raise ValidationFailed(
            "Price every item of the quote exactly once.",
            errors=[FieldError(field="items", message="one unit_price per quote item id")],
        )
    if body.expires_at <= utcnow():
        raise ValidationFailed("expires_at is in the past.", errors=[FieldError(field="expires_at", message="past")])
    for item in quote.items:
        item.unit_price = prices[item.id]
    quote.expires_at, quote.response_message = body.expires_at, body.message
    quote.responded_by, quote.responded_at = responder, utcnow()
    quote.version += 1
    session.flush()
    _emit(session, "quote.responded", quote)
    return quote


def accept(session: Session, quote: Quote, actor: Actor) -> tuple[Quote, Cart]:
    """Accept a responded, unexpired quote: a new cart holding its items at the quoted prices."""
    quote.status = QUOTE_STATUS.transition(quote.status, QuoteStatus.accepted)
    cart = carts.create_cart(session, CartIn(region_id=quote.region_id), actor)
    lines = []
    for item in quote.items:
        assert item.unit_price is not None
        lines.append((item.variant, item.quantity, item.unit_price))
    carts.add_quoted_lines(session, cart, quote.id, lines)
    quote.cart_id = cart.id
    quote.version += 1
    session.flush()
    return quote, cart


def reject(session: Session, quote: Quote) -> Quote:
    quote.status = QUOTE_STATUS.transition(quote.status, QuoteStatus.rejected)
    quote.version += 1
    session.flush()
    return quote
