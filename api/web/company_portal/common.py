"""What every company portal page shares: its router and who may open it."""

from __future__ import annotations

from api.web.router import page_router

ROOT = "/company-portal"
router = page_router(ROOT)
