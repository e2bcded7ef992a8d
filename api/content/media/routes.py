from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.content.access import ContentAccess
from api.content.media import service
from api.content.media.collection import COLLECTION
from api.content.service import DELETED, created_message, load_writable, readable_row, written
from api.deps import AppSettings, CommerceSession, ContentSession, require
from api.errors import NotFound, problem_responses
from api.routing import Router
from connectors.storage import Storage, StorageNotFound, storage_from_settings

router = Router(tags=["content"])

CACHE_FOREVER = "public, max-age=31536000, immutable"
# Media that only its tenant's editors may read (a draft or suspended tenant's) is kept by no cache.
CACHE_NEVER = "private, no-store"


def get_storage(request: Request) -> Storage:
    """The app's one storage backend, built from its settings on first use."""
    storage: Storage | None = getattr(request.app.state, "storage", None)
    if storage is None:
        storage = storage_from_settings(request.app.state.settings)
        request.app.state.storage = storage
    return storage


AppStorage = Annotated[Storage, Depends(get_storage)]


@router.post(
    "/api/media",
    status_code=201,
    summary="Upload an image (JPEG, PNG, WebP, GIF) or a PDF",
    responses=problem_responses(413, 415),
)
def upload_media(
    session: ContentSession,
    commerce: CommerceSession,
    access: ContentAccess,
    actor: Annotated[Actor, Depends(require(Scope.content_write))],
    storage: AppStorage,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="The file; its type is checked by content.")],
    alt: Annotated[str | None, Form(max_length=500, description="Alt text; required for images.")] = None,
    tenant: Annotated[str | None, Form(max_length=40, description="Tenant id (admins; vendors get theirs).")] = None,
) -> JSONResponse:
    data = file.file.read(settings.media_max_bytes + 1)
    media = service.upload(
        session,
        access,
        storage,
        filename=file.filename or "upload",
        data=data,
        alt=alt,
        tenant_id=tenant,
        max_bytes=settings.media_max_bytes,
        max_pixels=settings.media_max_image_pixels,
    )
    audit.record(commerce, actor, "content.media.created", "media", media.id)
    return JSONResponse(written(service.to_doc(media, True), created_message(COLLECTION)), status_code=201)


@router.delete("/api/media/{doc_id}", name="delete_media",
               summary="Delete one of media (answers it; its files are removed once the deletion commits)")
def delete_media(
    doc_id: str,
    session: ContentSession,
    commerce: CommerceSession,
    access: ContentAccess,
    actor: Annotated[Actor, Depends(require(Scope.content_write))],
    storage: AppStorage,
) -> JSONResponse:
    row = load_writable(session, access, COLLECTION, doc_id)
    doc = service.to_doc(row, True)
    service.delete(session, access, storage, row)
    audit.record(commerce, actor, "content.media.deleted", "media", doc_id)
    return JSONResponse(written(doc, DELETED))


@router.get(
    "/media/{media_id}/{size}",
    summary="A media file: `original`, or an image size (`thumbnail`, `card`, `hero`)",
    response_class=Response,
)
def serve_media(
    media_id: str, size: str, request: Request, session: ContentSession, access: ContentAccess, storage: AppStorage
) -> Response:
    media, _ = readable_row(session, access, COLLECTION, media_id)
    entry = service.file_of(media, size)
    etag = f'"{entry["etag"]}"'
    cache = CACHE_FOREVER if service.is_public(session, media) else CACHE_NEVER
    headers = {"Cache-Control": cache, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    # With object storage, the client fetches the bytes from it through a short-lived presigned URL, issued only
    # after the read check above (media of a hidden tenant stays private).
    direct = storage.download_url(entry["key"])
    if direct is not None:
        return RedirectResponse(direct, status_code=307, headers={"Cache-Control": CACHE_NEVER})
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    try:
        data = storage.get(entry["key"])
    except StorageNotFound:
        raise NotFound("The file of this media is missing from storage.") from None
    return Response(data, media_type=entry["mimeType"], headers=headers)

