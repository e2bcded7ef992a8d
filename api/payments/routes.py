"""Incoming Stripe webhooks: verified by signature, processed once per event id."""

from __future__ import annotations

import json
from typing import Annotated

import stripe
from fastapi import Depends, Request

from api.deps import AppSettings, CommerceSession
from api.errors import BadRequest, ServiceUnavailable
from api.orders import service as orders
from api.payments import service
from api.payments.schemas import WebhookReceiptOut
from api.routing import Router

router = Router(tags=["payments"])


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/webhooks/stripe", response_model=WebhookReceiptOut, summary="Stripe events (signed)")
def stripe_webhook(
    request: Request,
    body: Annotated[bytes, Depends(_raw_body)],
    session: CommerceSession,
    settings: AppSettings,
) -> WebhookReceiptOut:
    if not settings.stripe_webhook_secret:
        raise ServiceUnavailable("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).")
    signature = request.headers.get("stripe-signature")
    if not signature:
        raise BadRequest("The Stripe-Signature header is missing.")
    try:
        event = stripe.Webhook.construct_event(body, signature, settings.stripe_webhook_secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadRequest("The webhook signature or payload is not valid.") from exc
    payload = json.loads(body)
    if not service.first_delivery(session, event.id, event.type, payload):
        return WebhookReceiptOut(duplicate=True)
    intent_id = payload.get("data", {}).get("object", {}).get("id")
    if isinstance(intent_id, str):
        orders.apply_payment_event(session, event.type, intent_id)
    return WebhookReceiptOut()
