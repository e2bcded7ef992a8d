from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from api.content.common import Input, Name, PatchInput, RefId, ShortText, Slug
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
        raise ValueError("domains must not repeat")
    return values


Domains = Annotated[list[Hostname], Field(max_length=10), AfterValidator(_unique)]


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


class TenantUpdate(PatchInput):
    required_fields = frozenset({"name", "slug", "vendor_id", "status", "branding", "domains"})

    name: Name | None = None
    slug: Slug | None = None
    vendor_id: RefId | None = None
    status: TenantStatus | None = None
    tagline: ShortText | None = None
    branding: BrandingIn | None = None
    domains: Domains | None = None
