"""Webhook subscriptions, fan-out of outbox events into deliveries, delivery with retries, replay.

Fan-out marks each outbox event `dispatched_at` once its deliveries exist, so an event committed
late (with a lower position than one already seen) is never skipped. Deliveries are claimed with
`FOR UPDATE SKIP LOCKED`, so any number of dispatchers can run at once."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api import crypto
from api.clock import utcnow
from api.config import Settings
from api.db import Database, Domain
from api.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent, OutboxColumns
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from connectors.webhooks import addresses, signing

log = logging.getLogger(__name__)

OUTBOX_BY_SOURCE: dict[Domain, type[CommerceOutboxEvent] | type[ContentOutboxEvent]] = {
    Domain.commerce: CommerceOutboxEvent,
    Domain.content: ContentOutboxEvent,
}


def topic_matches(patterns: Sequence[str], topic: str) -> bool:
    """`*` matches every topic, `product.*` every product topic, `order.placed` exactly itself."""
    return any(fnmatchcase(topic, pattern) for pattern in patterns)


# -- subscriptions ---------------------------------------------------------------------------------


def create_subscription(
    session: Session,
    settings: Settings,
    *,
    url: str,
    source: Domain,
    topics: list[str],
    description: str | None = None,
    secret: str | None = None,
) -> tuple[WebhookSubscription, str]:
    if secret is not None and not signing.is_valid_secret(secret):
        raise ValidationFailed("A webhook secret looks like `whsec_` followed by base64.")
    check_destination(settings, url)
    secret = secret or signing.new_secret()
    subscription = WebhookSubscription(
        url=url,
        source=source.value,
        topics=topics,
        description=description,
        secret_encrypted=crypto.encrypt(settings, secret),
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def check_destination(settings: Settings, url: str) -> None:
    """422 for a URL aimed at a private, loopback, link-local or metadata address (unless allow-listed)."""
    try:
        addresses.check_url(url, settings.webhook_allowed_networks)
    except addresses.BlockedAddress as exc:
        raise ValidationFailed(
            f"Webhooks may only be sent to public addresses: {exc}",
            errors=[FieldError(field="url", message="not a public address")],
        ) from None


def get_subscription(session: Session, subscription_id: str) -> WebhookSubscription:
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound("No such webhook subscription.")
    return subscription


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.created_at)))


def update_subscription(
    session: Session, settings: Settings, subscription_id: str, changes: dict[str, Any]
) -> WebhookSubscription:
    subscription = get_subscription(session, subscription_id)
    if changes.get("url") is not None:
        check_destination(settings, changes["url"])
    for field, value in changes.items():
        setattr(subscription, field, value)
    session.flush()
    return subscription


def rotate_secret(session: Session, settings: Settings, subscription_id: str) -> tuple[WebhookSubscription, str]:
    subscription = get_subscription(session, subscription_id)
    secret = signing.new_secret()
    subscription.secret_encrypted = crypto.encrypt(settings, secret)
    session.flush()
    return subscription, secret


# -- deliveries -----------------------------------------------------------------------------------


def list_deliveries(
    session: Session, *, status: DeliveryStatus | None, subscription_id: str | None, limit: int, offset: int
) -> tuple[list[WebhookDelivery], int]:
    statement = select(WebhookDelivery)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status.value)
    if subscription_id is not None:
        statement = statement.where(WebhookDelivery.subscription_id == subscription_id)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit).offset(offset)
    )
    return list(rows), total


def replay_delivery(session: Session, delivery_id: str) -> WebhookDelivery:
    """Send a dead (or delivered) delivery again, from a fresh retry budget."""
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update())
    if delivery is None:
        raise NotFound("No such webhook delivery.")
    if delivery.status == DeliveryStatus.pending:
        raise Conflict("The delivery is still pending; it will be retried on its own.")
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.last_error = None
    session.flush()
    return delivery


def replay_dead(session: Session, subscription_id: str | None = None) -> int:
    statement = (
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.dead.value)
        .values(status=DeliveryStatus.pending.value, attempts=0, next_attempt_at=utcnow(), last_error=None)
    )
    if subscription_id is not None:
        statement = statement.where(WebhookDelivery.subscription_id == subscription_id)
    return session.execute(statement).rowcount  # type: ignore[attr-defined]


def delivery_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all()
    counts = {status.value: 0 for status in DeliveryStatus}
    counts.update({str(status): int(count) for status, count in rows})
    return counts


# -- the dispatcher -------------------------------------------------------------------------------


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """Exponential back-off with jitter: uniform in [c/2, c] where c = min(max, base * 2^(attempts-1)),
    so retries of many deliveries spread out but never come back sooner than half the step."""
    ceiling = min(settings.webhook_backoff_max_seconds, settings.webhook_backoff_base_seconds * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def delivery_body(delivery: WebhookDelivery) -> str:
    return json.dumps(
        {
            "id": delivery.event_id,
            "type": delivery.topic,
            "timestamp": delivery.occurred_at.isoformat(),
            "data": delivery.payload,
        },
        separators=(",", ":"),
        default=str,
    )


@dataclass
class Dispatcher:
    database: Database
    settings: Settings
    http: httpx.Client

    def fan_out(self, source: Domain, batch: int = 500) -> int:
        """Turn undispatched outbox events of `source` into deliveries for every matching subscription."""
        outbox = OUTBOX_BY_SOURCE[source]
        with self.database.transaction(source) as source_session:
            events: list[OutboxColumns] = list(
                source_session.scalars(
                    select(outbox)
                    .where(outbox.dispatched_at.is_(None))
                    .order_by(outbox.position)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if not events:
                return 0
            with self.database.transaction(Domain.commerce) as session:
                subscriptions = list(
                    session.scalars(
                        select(WebhookSubscription).where(
                            WebhookSubscription.source == source.value, WebhookSubscription.is_active.is_(True)
                        )
                    )
                )
                rows = [
                    {
                        "subscription_id": subscription.id,
                        "source": source.value,
                        "event_id": event.id,
                        "event_position": event.position,
                        "topic": event.topic,
                        "payload": event.payload,
                        "occurred_at": event.occurred_at,
                    }
                    for event in events
                    for subscription in subscriptions
                    if topic_matches(subscription.topics, event.topic)
                ]
                if rows:
                    # Unique (subscription, event): a fan-out repeated after a crash adds nothing.
                    session.execute(insert(WebhookDelivery).values(rows).on_conflict_do_nothing())
            # Deliveries are committed before the events are marked, so a crash in between only
            # repeats the (idempotent) fan-out.
            source_session.execute(
                update(outbox).where(outbox.position.in_([e.position for e in events])).values(dispatched_at=utcnow())
            )
        return len(events)

    def deliver_due(self, batch: int = 10) -> int:
        """Send every due pending delivery once; returns how many were attempted."""
        with self.database.transaction(Domain.commerce) as session:
            deliveries = list(
                session.scalars(
                    select(WebhookDelivery)
                    .where(WebhookDelivery.status == DeliveryStatus.pending.value)
                    .where(WebhookDelivery.next_attempt_at <= utcnow())
                    .order_by(WebhookDelivery.event_position)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            subscriptions = {
                s.id: (s.url, crypto.decrypt(self.settings, s.secret_encrypted))
                for s in session.scalars(
                    select(WebhookSubscription).where(
                        WebhookSubscription.id.in_({d.subscription_id for d in deliveries})
                    )
                )
            }
            for delivery in deliveries:
                self._attempt(delivery, *subscriptions[delivery.subscription_id])
        return len(deliveries)

    def _attempt(self, delivery: WebhookDelivery, url: str, secret: str) -> None:
        now = utcnow()
        body = delivery_body(delivery)
        headers = {"content-type": "application/json", **signing.signed_headers(secret, delivery.event_id, now, body)}
        delivery.attempts += 1
        delivery.last_attempt_at = now
        # Only the status code or the class of the error is kept: never the receiver's answer, which
        # anyone with admin:read could otherwise read back.
        error: str | None = None
        try:
            target = addresses.pin(url, self.settings.webhook_allowed_networks)
            response = self.http.post(
                target.url,
                content=body,
                headers={**headers, **target.headers},
                extensions=target.extensions,
                timeout=self.settings.webhook_timeout_seconds,
                follow_redirects=False,
            )
            delivery.last_status_code = response.status_code
            if 200 <= response.status_code < 300:
                delivery.status = DeliveryStatus.delivered
                delivery.delivered_at = utcnow()
                delivery.last_error = None
                return
            error = f"HTTP {response.status_code}"
        except addresses.BlockedAddress:
            delivery.last_status_code = None
            error = "BlockedAddress: not a public address"
        except httpx.HTTPError as exc:
            delivery.last_status_code = None
            error = exc.__class__.__name__
        delivery.last_error = error
        if delivery.attempts >= self.settings.webhook_max_attempts:
            delivery.status = DeliveryStatus.dead
            log.warning("webhook delivery dead", extra={"delivery_id": delivery.id, "error": error})
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(self.settings, delivery.attempts))

    def run_once(self) -> int:
        """One pass: fan out both outboxes, then deliver what is due. A store that is down is skipped."""
        work = 0
        for source in Domain:
            try:
                work += self.fan_out(source)
            except Exception:
                log.exception("fan-out failed", extra={"source": source.value})
        work += self.deliver_due()
        return work


def oldest_pending_age(session: Session, now: datetime | None = None) -> float | None:
    oldest = session.scalar(
        select(func.min(WebhookDelivery.created_at)).where(WebhookDelivery.status == DeliveryStatus.pending.value)
    )
    return None if oldest is None else ((now or utcnow()) - oldest).total_seconds()
