from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import JSONResponse

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.content.access import ContentAccess
from api.content.pages import service
from api.content.pages.collection import COLLECTION
from api.content.service import load_writable
from api.deps import CommerceSession, ContentSession, require
from api.routing import Router

router = Router(prefix="/api/pages", tags=["content"])
Editor = Annotated[Actor, Depends(require(Scope.content_write))]


@router.get("/{page_id}/versions", summary="The published versions of a page, newest first (editors only)")
def list_versions(page_id: str, session: ContentSession, access: ContentAccess, _: Editor) -> JSONResponse:
    page = load_writable(session, access, COLLECTION, page_id)
    docs = [service.version_doc(v) for v in service.versions(session, page)]
    return JSONResponse({"docs": docs, "totalDocs": len(docs)})


@router.post(
    "/{page_id}/versions/{version_id}/restore",
    summary="Put a version's content into the draft (publish afterwards to make it live)",
)
def restore_version(
    page_id: str,
    version_id: str,
    session: ContentSession,
    commerce: CommerceSession,
    access: ContentAccess,
    actor: Editor,
) -> JSONResponse:
    page = service.restore(session, access, load_writable(session, access, COLLECTION, page_id), version_id)
    audit.record(commerce, actor, "content.pages.restored", "pages", page.id, {"version_id": version_id})
    return JSONResponse(service.to_doc(page, True))
