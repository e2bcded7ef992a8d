"""Customers are `User` rows with role customer; this module adds registration and the address book."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.models import Role, User
from api.customers.models import Address
from api.customers.schemas import AddressIn, CustomerIn
from api.errors import NotFound


def register(session: Session, body: CustomerIn) -> User:
    return auth_service.create_user(
        session,
        email=body.email,
        password=body.password,
        role=Role.customer,
        full_name=f"{body.first_name} {body.last_name}",
    )


def get_customer(session: Session, customer_id: str) -> User:
    user = session.get(User, customer_id)
    if user is None or user.role != Role.customer:
        raise NotFound("No such customer.")
    return user


def list_addresses(session: Session, customer_id: str) -> list[Address]:
    return list(
        session.scalars(select(Address).where(Address.customer_id == customer_id).order_by(Address.created_at))
    )


def add_address(session: Session, customer_id: str, body: AddressIn) -> Address:
    address = Address(customer_id=customer_id, **body.model_dump())
    session.add(address)
    session.flush()
    session.refresh(address)
    return address
