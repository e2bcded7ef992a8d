"""The password policy: at least 12 characters, and not one of the 30,000 most common passwords seen in
breaches (the list the `zxcvbn` package ships; checked offline, case-insensitively)."""

from __future__ import annotations

from functools import lru_cache

from api.errors import FieldError, ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 200


@lru_cache(maxsize=1)
def _breached() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check(password: str, email: str | None = None) -> None:
    """422 (field `password`) unless the password meets the policy."""
    problem = None
    if len(password) < MIN_LENGTH:
        problem = f"Passwords need at least {MIN_LENGTH} characters."
    elif len(password) > MAX_LENGTH:
        problem = f"Passwords may have at most {MAX_LENGTH} characters."
    elif password.lower() in _breached():
        problem = "This password appears in lists of breached passwords; choose another."
    elif email and password.strip().lower() == email.strip().lower():
        problem = "The password may not be the email address."
    if problem:
        raise ValidationFailed(problem, errors=[FieldError(field="password", message=problem)])
