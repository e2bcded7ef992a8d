"""The company portal (`/company-portal/...`)."""

from __future__ import annotations

from api.web.company_portal import pages  # noqa: F401  (registers its pages)
from api.web.company_portal.common import router

__all__ = ["router"]
