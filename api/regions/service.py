from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from api.carts.models import Cart
from api.errors import Conflict, NotFound
from api.orders.models import Order
from api.regions.models import Region
from api.regions.schemas import RegionIn, RegionUpdate


def get_region(session: Session, region_id: str) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise NotFound("No such region.")
    return region


def list_regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).order_by(Region.name, Region.id)))


def create_region(session: Session, body: RegionIn) -> Region:
    region = Region(**body.model_dump())
    session.add(region)
    session.flush()
    return region


def _in_use(session: Session, region_id: str) -> bool:
    return bool(
        session.scalar(select(exists().where(Cart.region_id == region_id)))
        or session.scalar(select(exists().where(Order.region_id == region_id)))
    )


def update_region(session: Session, region_id: str, body: RegionUpdate) -> Region:
    region = get_region(session, region_id)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "currency_code" in changes and changes["currency_code"] != region.currency_code and _in_use(session, region_id):
        raise Conflict("The currency of a region with carts or orders cannot change; create a new region.")
    for field, value in changes.items():
        setattr(region, field, value)
    session.flush()
    return region


def delete_region(session: Session, region_id: str) -> None:
    region = get_region(session, region_id)
    if _in_use(session, region_id):
        raise Conflict("A region with carts or orders cannot be deleted.")
    session.delete(region)
    session.flush()
