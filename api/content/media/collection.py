from __future__ import annotations

from sqlalchemy import true

from api.content.access import tenant_readable, tenant_writable
from api.content.media import service
from api.content.media.models import Media
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation

COLLECTION = Collection(
    slug="media",
    label="Media",
    model=Media,
    description="Uploaded images (with generated sizes) and PDF documents. Upload with multipart POST.",
    fields={
        "id": Field(Media.id),
        "tenant": Field(Media.tenant_id),
        "filename": Field(Media.filename),
        "kind": Field(Media.kind, choices=("image", "document")),
        "mimeType": Field(Media.mime_type),
        "filesize": Field(Media.filesize, Kind.number),
        "width": Field(Media.width, Kind.number),
        "height": Field(Media.height, Kind.number),
        "alt": Field(Media.alt),
        "createdAt": Field(Media.created_at, Kind.datetime),
        "updatedAt": Field(Media.updated_at, Kind.datetime),
    },
    default_sort="-createdAt",
    readable=lambda access: tenant_readable(access, Media.tenant_id, true()),
    writable=lambda access: tenant_writable(access, Media.tenant_id),
    to_doc=service.to_doc,
    relations=(Relation("tenant", "tenants"),),
    update_schema=service.MediaUpdate,
    update=service.update,
    # DELETE /api/media/{id} is in media/routes.py: it needs the storage to remove the files.
)
