from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import Timestamps
from api.db import ContentBase
from api.ids import new_id


class Media(Timestamps, ContentBase):
    """An uploaded image or document. `sizes` maps a size name (`original`, `thumbnail`, `card`, `hero`)
    to {key, mimeType, width, height, filesize, etag} of the stored file."""

    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("med"))
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    filesize: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    alt: Mapped[str | None] = mapped_column(String(500))
    sizes: Mapped[dict[str, Any]] = mapped_column(JSONB)
