from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Query

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.commissions import service as commissions
from api.deps import CommerceSession, require
from api.pagination import Limit, Offset, Page
from api.routing import Router
from api.vendors import service
from api.vendors.models import VendorStatus
from api.vendors.schemas import (
    StatusChangeIn,
    VendorIn,
    VendorOut,
    VendorRegisterIn,
    VendorRegistrationOut,
    VendorUpdate,
)

admin = Router(prefix="/admin/vendors", tags=["vendors"])
store = Router(prefix="/store/vendors", tags=["vendors"])

AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]


@store.post(
    "/register",
    response_model=VendorRegistrationOut,
    status_code=201,
    summary="Apply as a vendor (with the storefront's publishable key): a pending vendor and its first user",
)
def register(
    body: VendorRegisterIn, session: CommerceSession, actor: Annotated[Actor, Depends(require(Scope.store_write))]
) -> VendorRegistrationOut:
    vendor, user = service.register(session, body, commissions.platform_rate(session))
    audit.record(session, actor, "vendor.registered", "vendor", vendor.id, {"slug": vendor.slug, "user_id": user.id})
    return VendorRegistrationOut(vendor=VendorOut.model_validate(vendor), user_id=user.id, user_email=user.email)


@admin.get("", response_model=Page[VendorOut], summary="List vendors")
def list_vendors(
    session: CommerceSession,
    _: AdminReader,
    status: VendorStatus | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name, slug or email.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[VendorOut]:
    rows, total = service.list_vendors(session, status=status, search=q, limit=limit, offset=offset)
    return Page(items=[VendorOut.model_validate(v) for v in rows], total=total, limit=limit, offset=offset)


@admin.post("", response_model=VendorOut, status_code=201, summary="Create a vendor (status pending)")
def create_vendor(body: VendorIn, session: CommerceSession, actor: AdminWriter) -> VendorOut:
    vendor = service.create_vendor(session, body)
    audit.record(session, actor, "vendor.created", "vendor", vendor.id, {"slug": vendor.slug})
    return VendorOut.model_validate(vendor)


@admin.get("/{vendor_id}", response_model=VendorOut, summary="Get a vendor")
def get_vendor(vendor_id: str, session: CommerceSession, _: AdminReader) -> VendorOut:
    return VendorOut.model_validate(service.get_vendor(session, vendor_id))


@admin.post("/{vendor_id}", response_model=VendorOut, summary="Update a vendor")
def update_vendor(vendor_id: str, body: VendorUpdate, session: CommerceSession, actor: AdminWriter) -> VendorOut:
    vendor = service.update_vendor(session, vendor_id, body)
    audit.record(
        session, actor, "vendor.updated", "vendor", vendor.id, body.model_dump(mode="json", exclude_unset=True)
    )
    return VendorOut.model_validate(vendor)


def _transition_route(action: str, target: VendorStatus, summary: str) -> None:
    def transition(
        vendor_id: str,
        session: CommerceSession,
        actor: AdminWriter,
        body: Annotated[StatusChangeIn | None, Body()] = None,
    ) -> VendorOut:
        reason = body.reason if body else None
        vendor = service.change_status(session, vendor_id, target, reason)
        details = {"status": vendor.status, "reason": reason}
        audit.record(session, actor, f"vendor.{action}", "vendor", vendor.id, details)
        return VendorOut.model_validate(vendor)

    transition.__name__ = f"{action}_vendor"
    admin.add_api_route(
        f"/{{vendor_id}}/{action}", transition, methods=["POST"], response_model=VendorOut, summary=summary
    )


_transition_route("approve", VendorStatus.approved, "Approve a pending (or reinstate a suspended) vendor")
_transition_route("reject", VendorStatus.rejected, "Reject a pending vendor")
_transition_route("suspend", VendorStatus.suspended, "Suspend an approved vendor: its products leave the store")
