"""Stock per variant. Every change is one conditional UPDATE, applied to variants in primary-key order, so
concurrent checkouts serialise on the rows they share, never deadlock, and can never oversell."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Integer, String, bindparam, column, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Update

from api.batch_write import new_row
from api.catalog.models import ProductVariant
from api.db import PlainStatement, plain_rows
from api.errors import Conflict, NotFound
from api.inventory.models import InventoryLevel, Reservation
from api.inventory.schemas import InventoryLevelOut
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent


class OutOfStock(Conflict):
    """Fewer units are available than asked for."""


def view(session: Session, variant_id: str) -> InventoryLevelOut:
    row = session.execute(
        select(InventoryLevel, ProductVariant.sku, ProductVariant.product_id)
        .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
        .where(InventoryLevel.variant_id == variant_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound("No stock record for this variant.")
    level, sku, product_id = row
    return InventoryLevelOut(
        variant_id=level.variant_id,
        sku=sku,
        product_id=product_id,
        stocked_quantity=level.stocked_quantity,
        reserved_quantity=level.reserved_quantity,
        available_quantity=level.available_quantity,
        version=level.version,
        updated_at=level.updated_at,
    )


def change_events(levels: Iterable[InventoryLevelOut]) -> list[dict[str, Any]]:
    """An `inventory.updated` event with each changed stock level, as outbox rows (`api.batch_write.new_row`)."""
    return [outbox.new_event(CommerceOutboxEvent, "inventory.updated", "inventory", level.variant_id,
                             level.model_dump(mode="json")) for level in levels]


def record_changes(session: Session, levels: Iterable[InventoryLevelOut]) -> None:
    """`change_events`, added to the session."""
    session.add_all(CommerceOutboxEvent(**row) for row in change_events(levels))


def _changed(session: Session, variant_id: str) -> InventoryLevelOut:
    level = view(session, variant_id)
    record_changes(session, [level])
    return level


def _apply(session: Session, variant_id: str, condition: object | None, **values: object) -> bool:
    statement = (
        update(InventoryLevel)
        .where(InventoryLevel.variant_id == variant_id)
        .values(version=InventoryLevel.version + 1, updated_at=func.now(), **values)
        .returning(InventoryLevel.variant_id)
        .execution_options(synchronize_session=False)
    )
    if condition is not None:
        statement = statement.where(condition)  # type: ignore[arg-type]
    return session.execute(statement).first() is not None


def set_stocked(session: Session, variant_id: str, stocked: int) -> InventoryLevelOut:
    if not _apply(session, variant_id, InventoryLevel.reserved_quantity <= stocked, stocked_quantity=stocked):
        current = view(session, variant_id)  # 404 if there is no such level
        raise Conflict(
            f"{current.reserved_quantity} units are reserved by open orders; stock cannot go below that."
        )
    return _changed(session, variant_id)


def _reserve_statement() -> Update:
    """`reserve`'s statement, built once (its parameters: the variants and the quantity of each). MATERIALIZED: the
    locking SELECT runs as written (rows locked in its order), never folded into the UPDATE. What it reads of a row
    is the row's latest version, once locked (as a plain SELECT ... FOR UPDATE would)."""
    wanted = (
        func.unnest(bindparam("variant_ids", type_=ARRAY(String)), bindparam("quantities", type_=ARRAY(Integer)))
        .table_valued(column("variant_id", String), column("quantity", Integer))
        .render_derived()
        .alias("wanted")
    )
    locked = (
        select(InventoryLevel.variant_id,
               (InventoryLevel.stocked_quantity - InventoryLevel.reserved_quantity).label("available"))
        .where(InventoryLevel.variant_id.in_(select(wanted.c.variant_id)))
        .order_by(InventoryLevel.variant_id)
        .with_for_update()
        .cte("locked")
        .prefix_with("MATERIALIZED")
    )
    return (
        update(InventoryLevel)
        .where(
            InventoryLevel.variant_id == locked.c.variant_id,
            wanted.c.variant_id == InventoryLevel.variant_id,
            ProductVariant.id == InventoryLevel.variant_id,
            locked.c.available >= wanted.c.quantity,
        )
        .values(
            reserved_quantity=InventoryLevel.reserved_quantity + wanted.c.quantity,
            version=InventoryLevel.version + 1,
            updated_at=func.now(),
        )
        .returning(InventoryLevel.variant_id, InventoryLevel.stocked_quantity, InventoryLevel.reserved_quantity,
                   InventoryLevel.version, InventoryLevel.updated_at, ProductVariant.sku, ProductVariant.product_id)
    )


_RESERVE = PlainStatement(_reserve_statement())


def reserve(
    session: Session, lines: Iterable[tuple[str, str, int]]
) -> tuple[list[InventoryLevelOut], list[dict[str, Any]]]:
    """Hold `quantity` of each `(variant_id, vendor_order_id, quantity)`, all or nothing (the caller's
    transaction, or savepoint, rolls back on `OutOfStock`). One round trip whatever the number of lines: the
    stock rows are locked in primary-key order (so concurrent checkouts queue on the rows they share and never
    deadlock), then those with enough left are updated, in the same statement. Returns the changed stock levels,
    in variant order, and the reservations as rows (`api.batch_write.new_row`), for the caller to write in its
    order's statement: it records the levels too (`change_events`), so that they share one outbox INSERT."""
    lines = sorted(lines)
    wanted: dict[str, int] = defaultdict(int)
    for variant_id, _, quantity in lines:
        wanted[variant_id] += quantity
    # On the session's connection, as Core: the ORM's bulk-update handling (which a plain RETURNING of columns
    # does not need) cost more than the statement.
    updated = {
        row.variant_id: row
        for row in plain_rows(session, _RESERVE, {"variant_ids": list(wanted), "quantities": list(wanted.values())})
    }
    short = next((variant_id for variant_id in wanted if variant_id not in updated), None)
    if short is not None:  # no stock record, or not enough left
        raise OutOfStock("Not enough stock left for an item in the cart.", variant_id=short)
    reservations = [new_row(Reservation, variant_id=variant_id, vendor_order_id=vendor_order_id, quantity=quantity)
                    for variant_id, vendor_order_id, quantity in lines]
    levels = [
        InventoryLevelOut(
            variant_id=row.variant_id,
            sku=row.sku,
            product_id=row.product_id,
            stocked_quantity=row.stocked_quantity,
            reserved_quantity=row.reserved_quantity,
            available_quantity=row.stocked_quantity - row.reserved_quantity,
            version=row.version,
            updated_at=row.updated_at,
        )
        for row in (updated[variant_id] for variant_id in sorted(updated))
    ]
    return levels, reservations


def _settle(session: Session, vendor_order_id: str, *, consume: bool) -> None:
    reservations = session.scalars(
        select(Reservation).where(Reservation.vendor_order_id == vendor_order_id).order_by(Reservation.variant_id)
    ).all()
    for reservation in reservations:
        values: dict[str, object] = {"reserved_quantity": InventoryLevel.reserved_quantity - reservation.quantity}
        if consume:
            values["stocked_quantity"] = InventoryLevel.stocked_quantity - reservation.quantity
        _apply(session, reservation.variant_id, None, **values)
        _changed(session, reservation.variant_id)
    session.execute(delete(Reservation).where(Reservation.vendor_order_id == vendor_order_id))


def release(session: Session, vendor_order_id: str) -> None:
    """A vendor order was canceled: its units are available again."""
    _settle(session, vendor_order_id, consume=False)


def consume(session: Session, vendor_order_id: str) -> None:
    """A vendor order shipped: its units leave the stock."""
    _settle(session, vendor_order_id, consume=True)
