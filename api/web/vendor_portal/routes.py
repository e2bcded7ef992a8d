"""The vendor portal (`/vendor-portal/...`): one router, its pages grouped by concern in this package."""

from __future__ import annotations

from api.web.vendor_portal import dashboard, money, orders, products, sync_health  # noqa: F401  (they register pages)
from api.web.vendor_portal.common import router

__all__ = ["router"]
