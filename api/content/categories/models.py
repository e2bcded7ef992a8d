from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import Timestamps, Translated
from api.db import ContentBase
from api.ids import new_id


class Category(Timestamps, Translated, ContentBase):
    """A platform-wide category tree; `parent_id` never forms a cycle (checked on every write)."""

    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("cat"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(String(5000))
    image_id: Mapped[str | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
