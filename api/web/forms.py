"""Forms: validate submitted fields with the domain's own pydantic schemas and turn every problem into an
inline error next to its field (no second copy of a validation rule in the page layer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.errors import AppError

M = TypeVar("M", bound=BaseModel)
FieldErrors = dict[str, str]


def fields(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields of `form`, stripped; absent ones as ''."""
    out: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        out[name] = value.strip() if isinstance(value, str) else ""
    return out


def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def validate(schema: type[M], data: dict[str, Any], prefix: str = "") -> tuple[M | None, FieldErrors]:
    """`schema` built from `data`; on failure None and {field name: message} (nested names joined with '.'
    and prefixed with `prefix`, as the form's inputs are named)."""
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        errors: FieldErrors = {}
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            name = prefix + ".".join(loc) if loc else "_form"
            errors.setdefault(name, _message(error))
        return None, errors


def app_error_fields(exc: AppError, known: set[str] | None = None) -> FieldErrors:
    """A service's error as form errors: its field errors on their fields (when the form has them), the rest
    on the form as a whole."""
    errors: FieldErrors = {}
    for item in exc.errors or []:
        name = item.field if item.field and (known is None or item.field in known) else "_form"
        errors.setdefault(name, item.message)
    if not errors:
        errors["_form"] = exc.detail or "This could not be done."
    return errors
