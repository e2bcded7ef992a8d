"""The one reading of the `Authorization` header. Three forms carry the same credentials:

    Authorization: Bearer <login token or API key>
    Authorization: JWT <login token>                  (Payload's clients, for a logged-in user)
    Authorization: <collection> API-Key <API key>     (Payload's clients, e.g. `users API-Key sk_...`)
"""

from __future__ import annotations

import re

from api.errors import Unauthorized

API_KEY_PREFIXES = ("sk_", "pk_")
_COLLECTION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FORMS = "'Bearer <token or secret key>', 'JWT <token>' or '<collection> API-Key <secret key>'"


def is_api_key(credential: str) -> bool:
    return credential.startswith(API_KEY_PREFIXES)


def credential(header: str) -> str:
    """The credential an `Authorization` header carries; a 401 problem for any other form."""
    parts = header.split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    if len(parts) == 2 and parts[0].lower() == "jwt":
        if is_api_key(parts[1]):
            raise Unauthorized("'JWT' carries a login token; send an API key as '<collection> API-Key <key>'.")
        return parts[1]
    if len(parts) == 3 and parts[1].lower() == "api-key" and _COLLECTION.match(parts[0]):
        if not is_api_key(parts[2]):
            raise Unauthorized("'API-Key' carries an API key (sk_...); send a login token as 'JWT <token>'.")
        return parts[2]
    raise Unauthorized(f"Use 'Authorization: {FORMS}'.")
