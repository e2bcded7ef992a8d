from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.deps import SECRET_BEARING, AppSettings, CommerceSession, require
from api.pagination import Limit, Offset, Page
from api.routing import Router
from api.webhooks import service
from api.webhooks.models import DeliveryStatus
from api.webhooks.schemas import (
    DeliveryOut,
    ReplayDeadIn,
    ReplayDeadOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
    SubscriptionWithSecretOut,
    subscription_changes,
)

router = Router(prefix="/admin/webhooks", tags=["webhooks"])

AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]


@router.get("/deliveries", response_model=Page[DeliveryOut], summary="Deliveries, e.g. the dead ones")
def list_deliveries(
    session: CommerceSession,
    _: AdminReader,
    status: DeliveryStatus | None = None,
    subscription_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DeliveryOut]:
    rows, total = service.list_deliveries(
        session, status=status, subscription_id=subscription_id, limit=limit, offset=offset
    )
    return Page(items=[DeliveryOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/deliveries/replay-dead", response_model=ReplayDeadOut, summary="Send every dead delivery again")
def replay_dead(
    session: CommerceSession, actor: AdminWriter, body: Annotated[ReplayDeadIn | None, Body()] = None
) -> ReplayDeadOut:
    subscription_id = body.subscription_id if body else None
    count = service.replay_dead(session, subscription_id)
    audit.record(session, actor, "webhook.dead_replayed", "webhook_subscription", subscription_id, {"count": count})
    return ReplayDeadOut(replayed=count)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut, summary="Send one delivery again")
def replay_delivery(delivery_id: str, session: CommerceSession, actor: AdminWriter) -> DeliveryOut:
    delivery = service.replay_delivery(session, delivery_id)
    audit.record(session, actor, "webhook.delivery_replayed", "webhook_delivery", delivery.id)
    return DeliveryOut.model_validate(delivery)


@router.get("", response_model=list[SubscriptionOut], summary="List webhook subscriptions")
def list_subscriptions(session: CommerceSession, _: AdminReader) -> list[SubscriptionOut]:
    return [SubscriptionOut.model_validate(s) for s in service.list_subscriptions(session)]


@router.post(
    "",
    response_model=SubscriptionWithSecretOut,
    status_code=201,
    summary="Subscribe a URL to outbox events",
    dependencies=[SECRET_BEARING],
)
def create_subscription(
    body: SubscriptionIn, session: CommerceSession, settings: AppSettings, actor: AdminWriter
) -> SubscriptionWithSecretOut:
    subscription, secret = service.create_subscription(
        session,
        settings,
        url=str(body.url),
        source=body.source,
        topics=body.topics,
        description=body.description,
        secret=body.secret,
    )
    audit.record(
        session, actor, "webhook.created", "webhook_subscription", subscription.id,
        {"url": subscription.url, "topics": subscription.topics},
    )
    return SubscriptionWithSecretOut(**SubscriptionOut.model_validate(subscription).model_dump(), secret=secret)


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="One webhook subscription")
def get_subscription(subscription_id: str, session: CommerceSession, _: AdminReader) -> SubscriptionOut:
    return SubscriptionOut.model_validate(service.get_subscription(session, subscription_id))


@router.patch("/{subscription_id}", response_model=SubscriptionOut, summary="Change URL, topics or pause it")
def update_subscription(
    subscription_id: str, body: SubscriptionPatch, session: CommerceSession, settings: AppSettings, actor: AdminWriter
) -> SubscriptionOut:
    changes = subscription_changes(body)
    subscription = service.update_subscription(session, settings, subscription_id, changes)
    audit.record(
        session, actor, "webhook.updated", "webhook_subscription", subscription.id, {"fields": sorted(changes)}
    )
    return SubscriptionOut.model_validate(subscription)


@router.post(
    "/{subscription_id}/rotate-secret",
    response_model=SubscriptionWithSecretOut,
    summary="Issue a new signing secret",
    dependencies=[SECRET_BEARING],
)
def rotate_secret(
    subscription_id: str, session: CommerceSession, settings: AppSettings, actor: AdminWriter
) -> SubscriptionWithSecretOut:
    subscription, secret = service.rotate_secret(session, settings, subscription_id)
    audit.record(session, actor, "webhook.secret_rotated", "webhook_subscription", subscription.id)
    return SubscriptionWithSecretOut(**SubscriptionOut.model_validate(subscription).model_dump(), secret=secret)
