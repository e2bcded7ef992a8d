"""A page's database sessions: at most one connection per store, taken from the pool on the first query (a page
answered from the read cache takes none), and both stores narrowed to the signed-in user's tenant the one way
every surface uses (`page_actor`, then `tenant_scope(actor)`), as `api.deps.current_actor` does for the API.

- Commerce: the request's `api.deps.CommerceSession` (the one `page_actor` looks the login token up in and then
  narrows).
- Content: `PageContentSession`. When both stores live in one database (the default) it *is* the commerce
  session: one connection and one transaction serve the whole page, so a page never holds two connections of the
  same pool (64 concurrent pages cannot starve a pool by each holding one and waiting for a second). With a
  database per store it is a content transaction of its own, opened with the actor's scope (no extra round trip).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.db import Domain
from api.deps import CommerceSession, get_database, tenant_scope
from api.web.auth import PageActor


async def _page_content_session(
    request: Request, actor: PageActor, commerce: CommerceSession
) -> AsyncIterator[Session]:
    database = get_database(request)
    if database.urls.shared:
        yield commerce  # already narrowed to the actor's tenant by `page_actor`
        return
    async with database.request_transaction(Domain.content, tenant_scope(actor)) as session:
        yield session


PageContentSession = Annotated[Session, Depends(_page_content_session, scope="function")]
