from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.customers import service
from api.customers.schemas import AddressIn, AddressOut, CustomerIn, CustomerOut
from api.deps import CommerceSession, require
from api.routing import Router

store = Router(prefix="/store/customers", tags=["customers"])

Customer = Annotated[Actor, Depends(require(Scope.customer))]


@store.post("", response_model=CustomerOut, status_code=201, summary="Register a customer; log in at /auth/token")
def register(
    body: CustomerIn, session: CommerceSession, _: Annotated[Actor, Depends(require(Scope.store_write))]
) -> CustomerOut:
    return CustomerOut.model_validate(service.register(session, body))


@store.get("/me", response_model=CustomerOut, summary="The logged-in customer")
def me(session: CommerceSession, actor: Customer) -> CustomerOut:
    assert actor.id is not None
    return CustomerOut.model_validate(service.get_customer(session, actor.id))


@store.get("/me/addresses", response_model=list[AddressOut], summary="The customer's address book")
def list_addresses(session: CommerceSession, actor: Customer) -> list[AddressOut]:
    assert actor.id is not None
    return [AddressOut.model_validate(a) for a in service.list_addresses(session, actor.id)]


@store.post("/me/addresses", response_model=AddressOut, status_code=201, summary="Add an address")
def add_address(body: AddressIn, session: CommerceSession, actor: Customer) -> AddressOut:
    assert actor.id is not None
    return AddressOut.model_validate(service.add_address(session, actor.id, body))
