"""Localisation, as Payload's `localization` config and its `locale` / `fallback-locale` parameters, and draft
reads (`draft=true`), applied to every collection that declares localised fields.

- The platform knows a fixed set of locales (`LOCALES`); each tenant has a default locale and the locales its
  content is written in (`defaultLocale`, `locales` on the tenant). Platform-wide content (no tenant, and the
  category tree) uses the platform's default and every platform locale.
- Reads: `locale=de` answers each localised field in German; a value missing in German falls back to
  `fallback-locale` (when given) and then to the document's default locale, so a read never fails for a missing
  translation; `fallback-locale=none` (or `null`, `false`) turns falling back off: a missing value is `null`.
  `locale=all` (or `*`) answers every localised field as `{"en": ..., "de": ...}`. No `locale`: the default
  locale. A locale the platform does not know is a 400 listing the known ones; a locale the document's tenant
  has not enabled is a 400 on a read by id and on a write (a list spanning tenants falls back instead).
- Writes: `POST`/`PATCH ...?locale=de` store the localised fields of the body as that locale's values; the
  other fields are written as usual.
- Filters and sorts on a localised field use the requested locale (with the same fallback).
- `draft=true`: an editor of the document reads its newest (draft) content, as Payload reads the newest version;
  anyone else reads the published document (the parameter is ignored for them, as Payload's read access rule
  `_status equals published` makes it), so a draft never reaches a shopper.

Storage, and why: the columns of a localised field keep its value in the tenant's default locale, and one JSONB
column per table, `translations`, keeps the other locales' values: `{"de": {"title": "...", "blocks": [...]}}`.
A document still reads from one row (no join per read, none per locale), a translation is written by one
UPDATE, and every read without `locale` (the storefront's default and the benchmark's hot path), every unique
slug and every b-tree index work exactly as before. The storefront filters only on fields that are not
localised (tenant, slug, status, location), so their indexes serve every locale; a filter on a localised field
in another locale reads `coalesce(translations->'de'->>'title', title)` over the rows the other conditions
(tenant, status) select, as a `like` on a title scans them today. Slugs are not localised: a page keeps one
URL, and the locale is chosen on it (`?locale=`, cookie or Accept-Language on the storefront).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from api.content.query import Field
from api.content.spec import Collection
from api.content.tenants.models import Tenant
from api.errors import BadRequest

LOCALES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da")
PLATFORM_DEFAULT = "en"
LOCALE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
                "nl": "Nederlands", "pl": "Polski", "pt": "Português", "sv": "Svenska", "da": "Dansk"}
ALL = frozenset({"all", "*"})
NO_FALLBACK = frozenset({"none", "null", "false"})
READ_PARAMS = ("locale", "fallback-locale", "fallbackLocale", "draft")

Doc = dict[str, Any]

# The OpenAPI description of the read parameters (every list and get route of the collection API).
READ_PARAMETERS: list[dict[str, Any]] = [
    {"name": "locale", "in": "query", "required": False, "schema": {"type": "string", "enum": [*LOCALES, "all", "*"]},
     "description": "Localised fields in this locale (default: each document's tenant's default locale); `all` or "
                    "`*`: every locale as `{locale: value}`. Filters and sorts use it too. Unknown: 400."},
    {"name": "fallback-locale", "in": "query", "required": False,
     "schema": {"type": "string", "enum": [*LOCALES, "none", "null", "false"]},
     "description": "The locale a missing value is taken from first (then the default locale); `none`, `null` or "
                    "`false`: no falling back, a missing value is null. `fallbackLocale` is read the same."},
    {"name": "draft", "in": "query", "required": False, "schema": {"type": "boolean", "default": False},
     "description": "`true`: an editor of the document reads its newest (draft) content; ignored for everyone "
                    "else (published content only)."},
]
WRITE_PARAMETERS: list[dict[str, Any]] = [
    {"name": "locale", "in": "query", "required": False, "schema": {"type": "string", "enum": list(LOCALES)},
     "description": "Write the body's localised fields as this locale's values (the document's tenant must have "
                    "it enabled); `null` removes a locale's value. Default: the tenant's default locale."},
]


@dataclass(frozen=True)
class TenantLocales:
    default: str
    enabled: tuple[str, ...]


PLATFORM = TenantLocales(PLATFORM_DEFAULT, LOCALES)


@dataclass(frozen=True)
class LocaleQuery:
    """What a request asks about locales and drafts."""

    locale: str | None = None  # None: each document's default locale
    all: bool = False
    fallback: str | None = None  # an explicit fallback locale
    use_fallback: bool = True
    draft: bool = False

    @property
    def plain(self) -> bool:
        """Nothing to change: default locale, published content."""
        return self.locale is None and not self.all and not self.draft


def check_locale(value: str) -> str:
    if value not in LOCALES:
        raise BadRequest(f"'{value[:20]}' is not a locale of this platform.", allowed_locales=list(LOCALES))
    return value


def split_params(items: list[tuple[str, str]]) -> tuple[LocaleQuery, list[tuple[str, str]]]:
    """The locale and draft parameters of a request, validated, and the other parameters."""
    found: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    for key, value in items:
        if key not in READ_PARAMS:
            rest.append((key, value))
            continue
        name = "fallback-locale" if key == "fallbackLocale" else key
        if name in found:
            raise BadRequest(f"'{key}' is given more than once.")
        found[name] = value
    query = LocaleQuery()
    locale = found.get("locale")
    if locale is not None:
        query = dataclasses.replace(query, all=True) if locale in ALL else dataclasses.replace(
            query, locale=check_locale(locale))
    fallback = found.get("fallback-locale")
    if fallback is not None:
        if fallback.lower() in NO_FALLBACK:
            query = dataclasses.replace(query, use_fallback=False)
        else:
            query = dataclasses.replace(query, fallback=check_locale(fallback))
    draft = found.get("draft")
    if draft is not None:
        if draft.lower() not in ("true", "false", "1", "0"):
            raise BadRequest("'draft' is true or false.")
        query = dataclasses.replace(query, draft=draft.lower() in ("true", "1"))
    return query, rest


def tenant_locales(session: Session, tenant_ids: Iterable[str | None]) -> dict[str | None, TenantLocales]:
    """The locale settings of these tenants (None: the platform's)."""
    found: dict[str | None, TenantLocales] = {None: PLATFORM}
    wanted = {i for i in tenant_ids if i is not None}
    if wanted:
        rows = session.execute(select(Tenant.id, Tenant.default_locale, Tenant.locales).where(Tenant.id.in_(wanted)))
        for tenant_id, default, enabled in rows:
            found[tenant_id] = TenantLocales(default, tuple(enabled))
    return found


def value_in(key: str, base: Any, translations: dict[str, dict[str, Any]], locales: TenantLocales,
             query: LocaleQuery) -> Any:
    """The value of one localised field for this request (see the module's rules)."""
    if query.all:
        out = {locales.default: base}
        for code in sorted(translations):
            if code != locales.default and key in translations[code]:
                out[code] = translations[code][key]
        return out
    chain = [query.locale or locales.default]
    if query.use_fallback:
        chain += [*([query.fallback] if query.fallback else []), locales.default]
    for code in chain:
        if code == locales.default:
            return base
        value = translations.get(code, {}).get(key)
        if value is not None:
            return value
    return None


def localize(doc: Doc, keys: Iterable[str], translations: dict[str, dict[str, Any]], locales: TenantLocales,
             query: LocaleQuery) -> Doc:
    for key in keys:
        if key in doc:
            doc[key] = value_in(key, doc[key], translations, locales, query)
    return doc


def drop_nones(node: Any) -> Any:
    """A JSON value without its null members (optional block fields left out, as stored)."""
    if isinstance(node, dict):
        return {k: drop_nones(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [drop_nones(v) for v in node]
    return node


def merged(translations: dict[str, dict[str, Any]], locale: str, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`translations` with `values` written for `locale`; a null value removes that locale's value (the field
    falls back again). A new dict: the row's JSON is replaced, never changed in place."""
    current = {k: v for k, v in {**translations.get(locale, {}), **values}.items() if v is not None}
    out = {code: dict(v) for code, v in translations.items() if code != locale}
    if current:
        out[locale] = {k: drop_nones(v) for k, v in current.items()}
    return out


def store_translation(session: Session, row: Any, locale: str, values: dict[str, Any]) -> None:
    """The default way to write a locale's values: into the row's `translations`."""
    row.translations = merged(row.translations or {}, locale, values)
    session.flush()


# --- filters and sorts in the requested locale --------------------------------------------------------------


def _default_locale_of(model: Any) -> ColumnElement[Any]:
    tenant_column = getattr(model, "tenant_id", None)
    if tenant_column is None:
        return literal(PLATFORM_DEFAULT)
    tenant_default = select(Tenant.default_locale).where(Tenant.id == tenant_column).scalar_subquery()
    return func.coalesce(tenant_default, PLATFORM_DEFAULT)


def query_fields(
    fields: dict[str, Field], localized: Iterable[str], model: Any, query: LocaleQuery
) -> dict[str, Field]:
    """The collection's queryable fields with each localised one read in the requested locale."""
    if query.locale is None:
        return fields
    chain = [query.locale]
    if query.use_fallback and query.fallback:
        chain.append(query.fallback)
    default = _default_locale_of(model)
    out = dict(fields)
    for key in localized:
        field = fields.get(key)
        if field is None:
            continue
        terms: list[Any] = [
            case((default == code, field.column), else_=model.translations[code][key].astext) for code in chain
        ]
        if query.use_fallback:
            terms.append(field.column)
        out[key] = dataclasses.replace(field, column=func.coalesce(*terms) if len(terms) > 1 else terms[0])
    return out


# --- documents in the requested locale ------------------------------------------------------------------------


@dataclass
class View:
    """How one request wants its documents: locale, fallback, draft. `prepare` loads the locale settings of the
    rows' tenants once per batch of rows."""

    query: LocaleQuery = dataclasses.field(default_factory=LocaleQuery)
    locales: dict[str | None, TenantLocales] = dataclasses.field(default_factory=lambda: {None: PLATFORM})

    def prepare(self, session: Session, rows: Iterable[Any]) -> None:
        if self.query.plain:
            return
        wanted = {getattr(row, "tenant_id", None) for row in rows} - self.locales.keys()
        if wanted:
            self.locales.update(tenant_locales(session, wanted))

    def locales_of(self, row: Any) -> TenantLocales:
        return self.locales.get(getattr(row, "tenant_id", None), PLATFORM)

    def require_enabled(self, row: Any) -> None:
        """A read by id or a write in a locale the document's tenant has not enabled is a 400."""
        locale = self.query.locale
        if locale is not None and locale not in self.locales_of(row).enabled:
            raise BadRequest(f"Locale '{locale}' is not enabled for this document's tenant.",
                             enabled_locales=list(self.locales_of(row).enabled))

    def doc(self, collection: Collection, row: Any, editable: bool) -> Doc:
        doc = collection.to_doc(row, editable)
        if self.query.plain:
            return doc
        translations: dict[str, dict[str, Any]] = getattr(row, "translations", None) or {}
        if self.query.draft and editable and collection.draft_of is not None:
            draft = collection.draft_of(row)
            doc.update({key: value for key, value in draft.items() if key in doc and key != "locales"})
            translations = draft.get("locales") or {}
        if collection.localized:
            localize(doc, collection.localized, translations, self.locales_of(row), self.query)
        return doc
