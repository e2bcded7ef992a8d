"""Media: uploads checked by content, stored through the storage connector with generated sizes, and
`media.uploaded` in the content outbox."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.config import DEFAULT_MEDIA_MAX_IMAGE_PIXELS
from api.content.access import Access, active_tenants
from api.content.common import PatchInput, ensure_exist, flush_unique, iso
from api.content.media import files, images
from api.content.media.models import Media
from api.content.tenants.models import Tenant
from api.errors import NotFound, PayloadTooLarge, ValidationFailed
from api.ids import new_id
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record
from connectors.storage import Storage

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]+")


class MediaUpdate(PatchInput):
    alt: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


def url(media_id: str, size: str) -> str:
    return f"/media/{media_id}/{size}"


def to_doc(media: Media, editable: bool = False) -> dict[str, Any]:
    sizes = {
        name: {
            "url": url(media.id, name),
            "width": entry.get("width"),
            "height": entry.get("height"),
            "mimeType": entry["mimeType"],
            "filesize": entry["filesize"],
        }
        for name, entry in media.sizes.items()
        if name != "original"
    }
    return {
        "id": media.id,
        "tenant": media.tenant_id,
        "filename": media.filename,
        "kind": media.kind,
        "mimeType": media.mime_type,
        "filesize": media.filesize,
        "width": media.width,
        "height": media.height,
        "alt": media.alt,
        "url": url(media.id, "original"),
        "sizes": sizes,
        "createdAt": iso(media.created_at),
        "updatedAt": iso(media.updated_at),
    }


def is_public(session: Session, media: Media) -> bool:
    """Anyone may read it: platform media, or media of an active tenant."""
    if media.tenant_id is None:
        return True
    return session.scalar(select(active_tenants().where(Tenant.id == media.tenant_id).exists())) is True


def _clean_filename(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    return (_UNSAFE_FILENAME.sub("_", name).strip() or "upload")[-200:]


def _store(session: Session, storage: Storage, media_id: str, name: str, data: bytes, mime: str, extension: str,
           width: int | None, height: int | None) -> dict[str, Any]:
    key = f"{media_id}/{name}.{extension}"
    files.put(session, storage, key, data, mime)
    return {
        "key": key,
        "mimeType": mime,
        "width": width,
        "height": height,
        "filesize": len(data),
        "etag": hashlib.sha256(data).hexdigest()[:32],
    }


def upload(
    session: Session,
    access: Access,
    storage: Storage,
    *,
    filename: str,
    data: bytes,
    alt: str | None,
    tenant_id: str | None,
    max_bytes: int,
    max_pixels: int = DEFAULT_MEDIA_MAX_IMAGE_PIXELS,
) -> Media:
    tenant_id = access.tenant_for_new(tenant_id)
    if tenant_id is not None:
        ensure_exist(session, Tenant, [tenant_id], "tenant")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Uploads may be at most {max_bytes} bytes.", max_bytes=max_bytes)
    if not data:
        raise ValidationFailed("The file is empty.")
    filename = _clean_filename(filename)
    detected = images.detect(data, filename, max_pixels)
    alt = (alt or "").strip() or None
    if detected.kind == "image" and alt is None:
        raise ValidationFailed("Images need alt text (the `alt` form field).")
    media_id = new_id("med")
    extension = detected.extensions[0]
    sizes = {
        "original": _store(session, storage, media_id, "original", data, detected.mime_type, extension,
                           detected.width, detected.height)
    }
    if detected.image_format is not None:
        for name, rendition in images.renditions(data, detected.image_format, max_pixels).items():
            sizes[name] = _store(session, storage, media_id, name, rendition.data, detected.mime_type, extension,
                                 rendition.width, rendition.height)
    media = Media(
        id=media_id,
        tenant_id=tenant_id,
        filename=filename,
        kind=detected.kind,
        mime_type=detected.mime_type,
        filesize=len(data),
        width=detected.width,
        height=detected.height,
        alt=alt,
        sizes=sizes,
    )
    session.add(media)
    session.flush()
    record(session, ContentOutboxEvent, "media.uploaded", "media", media.id, to_doc(media))
    return media


def update(session: Session, access: Access, media: Media, body: MediaUpdate) -> Media:
    if "alt" in body.model_fields_set:
        if media.kind == "image" and not body.alt:
            raise ValidationFailed("Images need alt text.")
        media.alt = body.alt
    session.flush()
    return media


def delete(session: Session, access: Access, storage: Storage, media: Media) -> None:
    """Delete the record; references in tenants and categories are cleared by the database. Its files go once
    the deletion commits (a rollback keeps them)."""
    keys = [entry["key"] for entry in media.sizes.values()]
    session.delete(media)
    flush_unique(session, "This media is still in use.")
    files.delete_after_commit(session, storage, keys)


def file_of(media: Media, size: str) -> dict[str, Any]:
    entry = media.sizes.get(size)
    if entry is None:
        raise NotFound(f"This media has no '{size}' size.", sizes=sorted(media.sizes))
    return dict(entry)
