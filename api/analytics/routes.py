"""Dashboards' reads: a vendor's own analytics, and any vendor's for admins. Both read `analytics.vendor_stats`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query

from api.analytics import service
from api.analytics.schemas import VendorStatsOut
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.deps import CommerceSession, require
from api.errors import Forbidden, NotFound
from api.routing import Router

vendor = Router(prefix="/vendor", tags=["analytics"])
admin = Router(prefix="/admin/vendors", tags=["analytics"])

VendorReader = Annotated[Actor, Depends(require(Scope.vendor_read))]
AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
From = Annotated[date | None, Query(alias="from", description="First UTC day (default: 30 days before `to`).")]
To = Annotated[date | None, Query(alias="to", description="Last UTC day, inclusive (default: yesterday).")]
VendorId = Annotated[str, Path(pattern=r"^vend_[a-z0-9]{1,35}$")]


@vendor.get(
    "/analytics",
    response_model=VendorStatsOut,
    response_model_by_alias=True,
    summary="Your sales, refunds, commission and earnings per day and in total (from the vendor_stats mart)",
)
def vendor_analytics(
    session: CommerceSession,
    actor: VendorReader,
    date_from: From = None,
    date_to: To = None,
    vendor_id: Annotated[str | None, Query(description="Your own vendor id (optional).")] = None,
) -> VendorStatsOut:
    if actor.vendor_id is None:
        raise Forbidden("Only a vendor user has vendor analytics.")
    if vendor_id is not None and vendor_id != actor.vendor_id:
        raise NotFound("No such vendor.")
    start, end = service.date_range(date_from, date_to)
    return service.vendor_stats(session, actor.vendor_id, start, end)


@admin.get(
    "/{vendor_id}/stats",
    response_model=VendorStatsOut,
    response_model_by_alias=True,
    summary="A vendor's sales, refunds, commission and earnings per day and in total (from the vendor_stats mart)",
)
def admin_vendor_stats(
    vendor_id: VendorId, session: CommerceSession, _: AdminReader, date_from: From = None, date_to: To = None
) -> VendorStatsOut:
    start, end = service.date_range(date_from, date_to)
    return service.vendor_stats(session, vendor_id, start, end)
