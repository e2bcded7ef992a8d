"""What every vendor portal page shares: its router, who may open it, the vendor of the signed-in user, and
the read-only rule for vendors that are not (or no longer) approved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from api import money
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.errors import Conflict
from api.vendor_portal import scope
from api.vendors import service as vendors
from api.vendors.models import Vendor, VendorStatus
from api.web.auth import require_page_scope
from api.web.render import render
from api.web.router import page_router

ROOT = "/vendor-portal"
router = page_router(ROOT)


VendorUser = Annotated[Actor, Depends(require_page_scope(Scope.vendor_read))]
VendorEditor = Annotated[Actor, Depends(require_page_scope(Scope.vendor_read, Scope.vendor_write))]

STATUS_TEXT = {
    VendorStatus.pending: "Your application is waiting for review by the platform team. You can look around; "
    "selling starts once it is approved.",
    VendorStatus.rejected: "Your application was not accepted by the platform's review, so your store cannot "
    "open. Contact the platform team if you think this is a mistake.",
    VendorStatus.suspended: "Your vendor account is suspended by the platform team: your products are hidden "
    "from the store and you cannot make changes. Contact the platform team to be reinstated.",
}


def vendor_of(session: Any, actor: Actor) -> Vendor:
    return vendors.get_vendor(session, scope.vendor_id_of(actor))


def writable_vendor(session: Any, actor: Actor) -> Vendor:
    """The vendor, if it may change things: pending, rejected and suspended vendors are read-only (409)."""
    vendor = vendor_of(session, actor)
    if vendor.status != VendorStatus.approved:
        raise Conflict(f"Your vendor account is {vendor.status}: the portal is read-only. "
                       + STATUS_TEXT[VendorStatus(vendor.status)])
    return vendor


def page(request: Request, template: str, vendor: Vendor, section: str, context: dict[str, Any] | None = None,
         *, status_code: int = 200) -> HTMLResponse:
    """Render a portal page with the portal's navigation and the vendor's status notice."""
    values: dict[str, Any] = {
        "vendor": vendor, "section": section, "read_only": vendor.status != VendorStatus.approved,
        "status_text": STATUS_TEXT.get(VendorStatus(vendor.status)),
        "major": major,
    }
    values.update(context or {})
    return render(request, f"vendor_portal/{template}", values, status_code=status_code)


def major(amount: int | str | None, currency: str) -> str:
    """An amount for an input field in major units ('19.99'); typed text is shown back as it was."""
    if isinstance(amount, int):
        return str(money.to_decimal(amount, currency))
    return amount or ""


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
