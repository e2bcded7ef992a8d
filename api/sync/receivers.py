"""Webhook receivers of the sync: the content side takes commerce events at `POST /api/webhooks/commerce`,
the commerce side takes content events at `POST /webhooks/content`. Both verify the Standard Webhooks
signature, record a receipt (a duplicate delivery changes nothing), apply the event through the
mapping, and answer 2xx only once the change is committed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api import crypto
from api.config import Settings
from api.deps import AppSettings, CommerceSession, ContentSession
from api.errors import FieldError, Unauthorized, ValidationFailed
from api.routing import Router
from api.sync import mapping
from api.sync.models import CommerceReceivedEvent, ContentReceivedEvent
from connectors.webhooks import signing

router = Router(tags=["sync"])


class Envelope(BaseModel):
    id: str
    type: str
    timestamp: datetime
    data: dict[str, Any]


class Receipt(BaseModel):
    event_id: str
    result: Literal["applied", "unchanged", "duplicate"]


def sync_secret(settings: Settings) -> str:
    return settings.sync_webhook_secret or crypto.stored_secret(settings, "sync-webhook.secret", signing.new_secret)


async def raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def receive(
    session: Session,
    settings: Settings,
    body: bytes,
    headers: Mapping[str, str],
    receipt: type[CommerceReceivedEvent] | type[ContentReceivedEvent],
    apply: Callable[[Session, str, Mapping[str, Any]], bool],
) -> Receipt:
    try:
        signing.verify(sync_secret(settings), body, headers)
    except signing.InvalidSignature as exc:
        raise Unauthorized(f"Webhook signature rejected: {exc}") from exc
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        raise ValidationFailed(
            "Not a webhook envelope.", errors=[FieldError(field="body", message=str(exc)[:500])]
        ) from exc
    if envelope.id != headers.get("webhook-id"):
        raise Unauthorized("The envelope id does not match the signed webhook-id.")
    first_time = session.scalar(
        insert(receipt)
        .values(event_id=envelope.id, topic=envelope.type)
        .on_conflict_do_nothing()
        .returning(receipt.event_id)
    )
    if first_time is None:
        return Receipt(event_id=envelope.id, result="duplicate")
    changed = apply(session, envelope.type, envelope.data)
    return Receipt(event_id=envelope.id, result="applied" if changed else "unchanged")


@router.post(
    "/api/webhooks/commerce",
    response_model=Receipt,
    summary="Content side: apply a signed commerce event (product, order, vendor)",
)
def receive_commerce_event(request: Request, body: RawBody, session: ContentSession, settings: AppSettings) -> Receipt:
    return receive(session, settings, body, request.headers, ContentReceivedEvent, mapping.apply_commerce_record)


@router.post(
    "/webhooks/content",
    response_model=Receipt,
    summary="Commerce side: apply a signed content event (tenant, page, media, product content)",
)
def receive_content_event(request: Request, body: RawBody, session: CommerceSession, settings: AppSettings) -> Receipt:
    return receive(session, settings, body, request.headers, CommerceReceivedEvent, mapping.apply_content_record)
