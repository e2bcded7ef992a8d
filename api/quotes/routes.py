from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.carts import service as carts
from api.carts.schemas import CartOut
from api.deps import CommerceSession, require
from api.pagination import Limit, Offset, Page
from api.quotes import service
from api.quotes.models import QuoteStatus
from api.quotes.schemas import QuoteIn, QuoteOut, QuoteResponseIn
from api.routing import Router

store = Router(prefix="/store/quotes", tags=["quotes"])
admin = Router(prefix="/admin/quotes", tags=["quotes"])

Customer = Annotated[Actor, Depends(require(Scope.customer))]
AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]
QuoteId = Annotated[str, Path(pattern=r"^quote_[a-z0-9]{1,34}$")]


@store.post("", response_model=QuoteOut, status_code=201, summary="Ask for a quote")
def request_quote(body: QuoteIn, session: CommerceSession, actor: Customer) -> QuoteOut:
    return service.view(service.request_quote(session, actor, body))


@store.get("", response_model=Page[QuoteOut], summary="Your (and your company's) quotes")
def my_quotes(
    session: CommerceSession, actor: Customer, status: QuoteStatus | None = None, limit: Limit = 20, offset: Offset = 0
) -> Page[QuoteOut]:
    rows, total = service.list_quotes(session, service.store_quotes(actor), status=status, limit=limit, offset=offset)
    return Page(items=[service.view(q) for q in rows], total=total, limit=limit, offset=offset)


@store.get("/{quote_id}", response_model=QuoteOut, summary="One of your quotes")
def my_quote(quote_id: QuoteId, session: CommerceSession, actor: Customer) -> QuoteOut:
    return service.view(service.get_quote(session, service.store_quotes(actor), quote_id))


@store.post("/{quote_id}/accept", response_model=CartOut, status_code=201, summary="Accept: a cart at quoted prices")
def accept(quote_id: QuoteId, session: CommerceSession, actor: Customer) -> CartOut:
    quote = service.get_quote(session, service.store_quotes(actor), quote_id)
    _, cart = service.accept(session, quote, actor)
    return carts.view(session, cart)


@store.post("/{quote_id}/reject", response_model=QuoteOut, summary="Decline (or withdraw) a quote")
def reject(quote_id: QuoteId, session: CommerceSession, actor: Customer) -> QuoteOut:
    return service.view(service.reject(session, service.get_quote(session, service.store_quotes(actor), quote_id)))


@admin.get("", response_model=Page[QuoteOut], summary="List quotes")
def list_quotes(
    session: CommerceSession, _: AdminReader, status: QuoteStatus | None = None, limit: Limit = 50, offset: Offset = 0
) -> Page[QuoteOut]:
    rows, total = service.list_quotes(session, service.all_quotes(), status=status, limit=limit, offset=offset)
    return Page(items=[service.view(q) for q in rows], total=total, limit=limit, offset=offset)


@admin.get("/{quote_id}", response_model=QuoteOut, summary="Get a quote")
def get_quote(quote_id: QuoteId, session: CommerceSession, _: AdminReader) -> QuoteOut:
    return service.view(service.get_quote(session, service.all_quotes(), quote_id))


@admin.post("/{quote_id}/respond", response_model=QuoteOut, summary="Answer with unit prices and an expiry")
def respond(quote_id: QuoteId, body: QuoteResponseIn, session: CommerceSession, actor: AdminWriter) -> QuoteOut:
    quote = service.respond(session, service.get_quote(session, service.all_quotes(), quote_id), body, actor.id)
    audit.record(session, actor, "quote.responded", "quote", quote.id, body.model_dump(mode="json"))
    return service.view(quote)
