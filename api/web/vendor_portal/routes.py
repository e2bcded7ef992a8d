"""The vendor portal (`/vendor-portal/...`): one router, its pages grouped by concern in this package."""

from __future__ import annotations

from api.web.vendor_portal import (  # noqa: F401  (they register their pages)
    dashboard,
    money,
    orders,
    products,
    storefront,
    sync_health,
)
from api.web.vendor_portal.common import router

__all__ = ["router"]
