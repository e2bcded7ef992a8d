from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import SyncColumns, Timestamps, Translated
from api.db import ContentBase
from api.ids import new_id


class ProductContent(SyncColumns, Timestamps, Translated, ContentBase):
    """Rich content for one commerce product (`product_id`), plus the metadata the sync copies over."""

    __tablename__ = "product_contents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("pc"))
    product_id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    vendor_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # Synced from commerce.
    title: Mapped[str | None] = mapped_column(String(300))
    handle: Mapped[str | None] = mapped_column(String(200), index=True)
    thumbnail: Mapped[str | None] = mapped_column(String(2000))
    price_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft", index=True)
    # Owned by content.
    long_description: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    specifications: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    images: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default=text("'{}'"))
    seo_title: Mapped[str | None] = mapped_column(String(300))
    seo_description: Mapped[str | None] = mapped_column(String(5000))
