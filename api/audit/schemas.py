from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    occurred_at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    data: dict[str, Any]
    request_id: str | None
