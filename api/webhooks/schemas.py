from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from api.db import Domain
from api.webhooks.models import DeliveryStatus

TopicPattern = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z_]+(\.([a-z_]+|\*))*)$", max_length=80)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    source: Domain = Field(description="Which store's outbox to receive: commerce or content.")
    topics: list[TopicPattern] = Field(min_length=1, max_length=50, description="`*`, `product.*`, `order.placed`")
    description: str | None = Field(default=None, max_length=500)
    secret: str | None = Field(default=None, description="`whsec_...`; generated when omitted.")


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl | None = None
    topics: list[TopicPattern] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    is_active: bool | None = None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    source: Domain
    topics: list[str]
    description: str | None
    is_active: bool
    created_at: datetime


class SubscriptionWithSecretOut(SubscriptionOut):
    secret: str = Field(description="Shown once; verify deliveries with it (Standard Webhooks).")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    subscription_id: str
    source: str
    event_id: str
    topic: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class ReplayDeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription_id: str | None = None


class ReplayDeadOut(BaseModel):
    replayed: int


def subscription_changes(patch: SubscriptionPatch) -> dict[str, Any]:
    changes = patch.model_dump(exclude_unset=True)
    if "url" in changes and changes["url"] is not None:
        changes["url"] = str(changes["url"])
    return {key: value for key, value in changes.items() if value is not None or key == "description"}
