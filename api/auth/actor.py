from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from api.auth.models import Role
from api.auth.scopes import Scope


class ActorKind(StrEnum):
    anonymous = "anonymous"
    user = "user"
    api_key = "api_key"


@dataclass(frozen=True)
class Actor:
    """Whoever is calling: a logged-in user, an API key, or nobody."""

    kind: ActorKind
    id: str | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    role: Role | None = None
    email: str | None = None
    vendor_id: str | None = None
    company_id: str | None = None
    company_role: str | None = None
    session_id: str | None = None
    publishable_key_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.kind is not ActorKind.anonymous

    def has(self, *scopes: Scope) -> bool:
        return all(scope in self.scopes for scope in scopes)


ANONYMOUS = Actor(kind=ActorKind.anonymous)
