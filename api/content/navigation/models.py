from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import Timestamps, Translated
from api.db import ContentBase
from api.ids import new_id


class NavigationMenu(Timestamps, Translated, ContentBase):
    """One menu per location (`main`, `footer`) per tenant, or platform-wide when `tenant_id` is empty."""

    __tablename__ = "navigation_menus"
    __table_args__ = (
        Index("uq_navigation_menus_tenant_location", "tenant_id", "location", unique=True,
              postgresql_where=text("tenant_id IS NOT NULL")),
        Index("uq_navigation_menus_platform_location", "location", unique=True,
              postgresql_where=text("tenant_id IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("nav"))
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    location: Mapped[str] = mapped_column(String(20))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
