"""Vendors as owners of products and receivers of vendor orders."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.actor import Actor
from api.auth.models import Role, User
from api.errors import Conflict, NotFound
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent
from api.search import LIKE_ESCAPE, contains_pattern
from api.vendors.models import VENDOR_STATUS, Vendor, VendorStatus
from api.vendors.schemas import VendorIn, VendorOut, VendorProfileUpdate, VendorRegisterIn, VendorSelfUpdate


def flush_unique(session: Session, detail: str) -> None:
    """Flush pending changes; a unique-constraint violation becomes a 409 and leaves the transaction usable."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(detail) from exc


def _emit(session: Session, topic: str, vendor: Vendor) -> None:
    session.flush()
    session.refresh(vendor)
    payload = VendorOut.model_validate(vendor).model_dump(mode="json")
    outbox.record(session, CommerceOutboxEvent, topic, "vendor", vendor.id, payload)


def get_vendor(session: Session, vendor_id: str, *, for_update: bool = False) -> Vendor:
    statement = select(Vendor).where(Vendor.id == vendor_id)
    if for_update:
        statement = statement.with_for_update()
    vendor = session.scalar(statement)
    if vendor is None:
        raise NotFound("No such vendor.")
    return vendor


def vendor_names(session: Session, vendor_ids: list[str]) -> dict[str, str]:
    """Display names of these vendors, by id (for pages listing an order's vendor parts)."""
    if not vendor_ids:
        return {}
    return dict(session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(set(vendor_ids)))).tuples().all())


def list_vendors(
    session: Session, *, status: VendorStatus | None, limit: int, offset: int, search: str | None = None
) -> tuple[list[Vendor], int]:
    statement = select(Vendor)
    if status is not None:
        statement = statement.where(Vendor.status == status)
    if search:
        pattern = contains_pattern(search)
        statement = statement.where(
            Vendor.name.ilike(pattern, escape=LIKE_ESCAPE) | Vendor.slug.ilike(pattern, escape=LIKE_ESCAPE)
            | Vendor.email.ilike(pattern, escape=LIKE_ESCAPE)
        )
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Vendor.created_at.desc(), Vendor.id).limit(limit).offset(offset))
    return list(rows), total


def create_vendor(session: Session, body: VendorIn, status: VendorStatus = VendorStatus.pending) -> Vendor:
    vendor = Vendor(**body.model_dump(), status=status, version=1)
    session.add(vendor)
    flush_unique(session, f"A vendor with slug '{body.slug}' already exists.")
    _emit(session, "vendor.created", vendor)
    return vendor


def update_vendor(session: Session, vendor_id: str, body: VendorProfileUpdate) -> Vendor:
    vendor = get_vendor(session, vendor_id, for_update=True)
    for field, value in body.model_dump(exclude_unset=True, exclude={"current_password"}).items():
        if value is None:
            continue
        setattr(vendor, field, value)
    vendor.version += 1
    flush_unique(session, f"A vendor with slug '{getattr(body, 'slug', None)}' already exists.")
    _emit(session, "vendor.updated", vendor)
    return vendor


# Written when a vendor's payout destination changes, for notification (not a `vendor.*` topic: the sync
# does not carry it).
PAYOUT_ACCOUNT_CHANGED = "payout_account.changed"


def _masked(account: str | None) -> str | None:
    return None if account is None else account[:5] + "..." + account[-4:]


def update_own_profile(session: Session, actor: Actor, vendor_id: str, body: VendorSelfUpdate) -> tuple[Vendor, bool]:
    """A vendor changing itself. A new payout account needs the current password and an active (not suspended)
    vendor, and writes a `payout_account.changed` event. Returns the vendor and whether the account changed."""
    vendor = get_vendor(session, vendor_id, for_update=True)
    previous = vendor.stripe_account_id
    new = body.stripe_account_id
    account_changes = new is not None and new != previous
    if account_changes:
        if vendor.status == VendorStatus.suspended:
            raise Conflict("A suspended vendor cannot change its payout account.", vendor_status=vendor.status)
        auth_service.reauthenticate(session, actor, body.current_password)
    vendor = update_vendor(session, vendor_id, body)
    if account_changes:
        outbox.record(
            session, CommerceOutboxEvent, PAYOUT_ACCOUNT_CHANGED, "vendor", vendor.id,
            {"vendor_id": vendor.id, "version": vendor.version, "email": vendor.email, "previous": _masked(previous),
             "current": _masked(new), "changed_by": actor.id},
        )
    return vendor, account_changes


def ensure_may_request_payout(vendor: Vendor) -> None:
    """Only an approved vendor may ask to be paid (a suspended one may not)."""
    if vendor.status != VendorStatus.approved:
        raise Conflict(f"A {vendor.status} vendor cannot request payouts.", vendor_status=vendor.status)


# The event each status change writes: the content side creates the tenant on `vendor.created` and
# activates or deactivates it on these.
STATUS_TOPICS = {
    VendorStatus.approved: "vendor.approved",
    VendorStatus.rejected: "vendor.rejected",
    VendorStatus.suspended: "vendor.suspended",
    VendorStatus.pending: "vendor.updated",
}


def change_status(session: Session, vendor_id: str, target: VendorStatus, reason: str | None = None) -> Vendor:
    vendor = get_vendor(session, vendor_id, for_update=True)
    vendor.status = VENDOR_STATUS.transition(vendor.status, target)
    vendor.status_reason = reason if target in (VendorStatus.rejected, VendorStatus.suspended) else None
    vendor.version += 1
    _emit(session, STATUS_TOPICS[target], vendor)
    return vendor


def count_by_status(session: Session) -> dict[str, int]:
    """How many vendors are in each status (every status present, zero when none)."""
    counts = dict(session.execute(select(Vendor.status, func.count()).group_by(Vendor.status)).tuples().all())
    return {status.value: int(counts.get(status.value, 0)) for status in VendorStatus}


def register(session: Session, body: VendorRegisterIn, commission_rate: Decimal) -> tuple[Vendor, User]:
    """Self-service onboarding: a `pending` vendor and its first vendor user, who can log in at once (and
    use the vendor portal) while an admin reviews the application."""
    vendor = create_vendor(
        session,
        VendorIn(
            name=body.name, slug=body.slug, email=body.email, commission_rate=commission_rate,
            default_currency=body.default_currency,
        ),
    )
    user = auth_service.create_user(
        session, email=body.email, password=body.password, role=Role.vendor, full_name=body.full_name,
        vendor_id=vendor.id,
    )
    return vendor, user
