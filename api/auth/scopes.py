"""Who may do what: scopes, and the scopes each role and key kind carries."""

from __future__ import annotations

from enum import StrEnum

from api.auth.models import ApiKeyKind, Role


class Scope(StrEnum):
    store_read = "store:read"
    store_write = "store:write"
    customer = "customer"
    vendor_read = "vendor:read"
    vendor_write = "vendor:write"
    content_write = "content:write"
    admin_read = "admin:read"
    admin_write = "admin:write"
    finance_read = "finance:read"
    finance_write = "finance:write"


STORE = frozenset({Scope.store_read, Scope.store_write})

ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.customer: STORE | {Scope.customer},
    Role.vendor: STORE | {Scope.vendor_read, Scope.vendor_write, Scope.content_write},
    Role.finance: STORE | {Scope.admin_read, Scope.finance_read, Scope.finance_write},
    Role.admin: frozenset(Scope) - {Scope.customer, Scope.vendor_read, Scope.vendor_write},
}

# Publishable keys are embedded in storefronts: they can only ever browse and shop.
PUBLISHABLE_KEY_SCOPES = STORE

# What a secret (integration) key may be granted.
GRANTABLE_SECRET_SCOPES = frozenset(Scope) - {Scope.customer, Scope.vendor_read, Scope.vendor_write}


def key_prefix(kind: ApiKeyKind) -> str:
    return "pk_" if kind is ApiKeyKind.publishable else "sk_"
