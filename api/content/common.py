"""Pieces every content collection shares: input base classes, validated scalar types, timestamps,
uniqueness conflicts and reference checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from sqlalchemy import BigInteger, DateTime, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.content.richtext import validate_link_url
from api.errors import Conflict, FieldError, ValidationFailed

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=SLUG_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
RefId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$")]
SafeUrl = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(validate_link_url)]


class Input(BaseModel):
    """Request bodies: camelCase keys (as Payload), unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)


class PatchInput(Input):
    """A partial update: absent keys stay as they are; `null` clears a field unless it is listed in
    `required_fields` (columns that may not be empty)."""

    required_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> PatchInput:
        for name in self.model_fields_set & self.required_fields:
            if getattr(self, name) is None:
                raise ValueError(f"'{to_camel(name)}' cannot be null")
        return self


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Translated:
    """The values of a document's localised fields in the locales other than its tenant's default,
    `{"de": {"title": "...", "blocks": [...]}}` (see `api.content.locales`)."""

    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class SyncColumns:
    """The sync fields (docs/ARCHITECTURE.md §4), on every record another store feeds."""

    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending", index=True)
    sync_error: Mapped[str | None] = mapped_column(String(2000))
    # The version of the source record last applied: an older event never overwrites a newer state.
    source_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


M = TypeVar("M", bound=BaseModel)


def parse(schema: type[M], body: Any) -> M:
    """Validate a JSON body against `schema`; a mismatch is a 422 problem listing every field."""
    try:
        return schema.model_validate(body)
    except ValidationError as exc:
        errors = [
            FieldError(field=".".join(str(p) for p in e["loc"]) or "body", message=e["msg"]) for e in exc.errors()
        ]
        raise ValidationFailed("The document is not valid; see `errors`.", errors=errors) from None


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def flush_unique(session: Session, message: str) -> None:
    """Flush pending changes; a unique violation becomes a 409 and leaves the transaction usable."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc


def ensure_exist(
    session: Session, model: Any, ids: Iterable[str], label: str, *, tenant_id: str | None = None,
    tenant_scoped: bool = False,
) -> None:
    """Every id refers to a row of `model` (of the same tenant, or a platform-wide one, if `tenant_scoped`)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return
    statement = select(model.id).where(model.id.in_(wanted))
    if tenant_scoped:
        platform = model.tenant_id.is_(None)
        statement = statement.where(platform if tenant_id is None else platform | (model.tenant_id == tenant_id))
    missing = sorted(wanted - set(session.scalars(statement)))
    if missing:
        raise ValidationFailed(f"Unknown {label}: {', '.join(missing)}.", missing=missing)


def camel_keys(data: dict[str, Any]) -> dict[str, Any]:
    return {to_camel(key): value for key, value in data.items()}


def is_slug(value: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, value) is not None
