from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from api.content.common import Input, Name, PatchInput, RefId, ShortText, Slug
from api.content.locales import LOCALES
from api.content.tenants.models import TenantStatus

# The heading fonts a storefront theme ships.
Font = Literal[
    "Inter", "Roboto", "Open Sans", "Lato", "Montserrat", "Merriweather", "Playfair Display", "Source Serif 4"
]

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def _hostname(value: str) -> str:
    lowered = value.lower()
    if not _HOSTNAME.match(lowered):
        raise ValueError(f"'{value}' is not a valid hostname")
    return lowered


HexColor = Annotated[
    str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(lambda value: value.lower())
]
Hostname = Annotated[str, StringConstraints(max_length=253), AfterValidator(_hostname)]


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values


Domains = Annotated[list[Hostname], Field(max_length=10), AfterValidator(_unique)]


def _known_locale(value: str) -> str:
    if value not in LOCALES:
        raise ValueError(f"'{value}' is not a locale of this platform ({', '.join(LOCALES)})")
    return value


Locale = Annotated[str, AfterValidator(_known_locale)]
Locales = Annotated[list[Locale], Field(min_length=1, max_length=len(LOCALES)), AfterValidator(_unique)]


class BrandingIn(Input):
    logo: RefId | None = None
    primary_color: HexColor | None = None
    secondary_color: HexColor | None = None
    heading_font: Font | None = None


class TenantCreate(Input):
    name: Name
    slug: Slug
    vendor_id: RefId
    tagline: ShortText | None = None
    branding: BrandingIn = BrandingIn()
    domains: Domains = []
    default_locale: Locale = "en"
    locales: Locales | None = None

    @model_validator(mode="after")
    def _default_enabled(self) -> TenantCreate:
        _check_locales(self.default_locale, self.locales or [self.default_locale])
        return self


def _check_locales(default: str, enabled: list[str]) -> None:
    if default not in enabled:
        raise ValueError("defaultLocale must be one of locales")


class TenantUpdate(PatchInput):
    required_fields = frozenset({"name", "slug", "vendor_id", "status", "branding", "domains"})

    name: Name | None = None
    slug: Slug | None = None
    vendor_id: RefId | None = None
    status: TenantStatus | None = None
    tagline: ShortText | None = None
    branding: BrandingIn | None = None
    domains: Domains | None = None
    default_locale: Locale | None = None
    locales: Locales | None = None
