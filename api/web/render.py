"""Templates: one Jinja2 environment for every surface, the shared layout and components, static URLs with
a content hash (so the files can be cached for a year), flash messages, and `render()`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api import money
from api.auth.actor import ANONYMOUS, Actor
from api.logs import current_request_id
from api.web.auth import csrf_token, home_for, issue_csrf_cookie

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
FLASH_COOKIE = "mp_flash"
FLASH_KINDS = ("info", "success", "warning", "error")

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def template_dirs() -> list[Path]:
    """The shared templates, then each surface's `templates/` folder (templates named `<surface>/<page>.html`)."""
    return [WEB_DIR / "templates", *sorted(p for p in WEB_DIR.glob("*/templates") if p.is_dir())]


@lru_cache(maxsize=256)
def _file_hash(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """`/static/<name>?v=<content hash>`: a changed file gets a new URL, so browsers may cache for a year."""
    return f"/static/{name}?v={_file_hash(name)}"


def format_money(amount: int | None, currency: str | None) -> str:
    """An amount in minor units as shoppers read it (`€19.99`, `1,250.00 CHF`). Display only: never arithmetic."""
    if amount is None or currency is None:
        return "—"
    value: Decimal = money.to_decimal(amount, currency)
    text = f"{value:,.{money.exponent(currency)}f}"
    if text.startswith("-"):
        sign, text = "-", text[1:]
    else:
        sign = ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(p) for p in template_dirs()]),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["static_url"] = static_url
    env.globals["home_for"] = home_for
    env.filters["money"] = format_money
    env.filters["datetime"] = lambda value, fmt="%d %b %Y, %H:%M": value.strftime(fmt) if value else ""
    env.filters["date"] = lambda value: value.strftime("%d %b %Y") if value else ""
    return env


ENV = _build_environment()


# ---- flash messages ------------------------------------------------------------------------------------


def _sign(key: bytes, data: str) -> str:
    return hmac.new(key, data.encode(), hashlib.sha256).hexdigest()[:32]


def set_flash(request: Request, response: HTMLResponse | RedirectResponse, message: str, kind: str = "info") -> None:
    """Show `message` on the next page this browser renders (a signed, short-lived cookie)."""
    key: bytes = request.app.state.web_secret
    pending = [*read_flashes(request), {"kind": kind if kind in FLASH_KINDS else "info", "message": message}][-5:]
    data = base64.urlsafe_b64encode(json.dumps(pending).encode()).decode()
    response.set_cookie(
        FLASH_COOKIE, f"{data}.{_sign(key, data)}", max_age=120, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )


def read_flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return []
    data, signature = raw.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(request.app.state.web_secret, data)):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(data.encode()))
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("message"), str)]


# ---- rendering -----------------------------------------------------------------------------------------


def page_actor_of(request: Request) -> Actor:
    actor: Actor = getattr(request.state, "page_actor", ANONYMOUS)
    return actor


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render `template` inside the base layout's context: the actor, CSRF token, flashes, request id."""
    flashes = read_flashes(request)
    values: dict[str, Any] = {
        "request": request,
        "actor": page_actor_of(request),
        "csrf_token": csrf_token(request),
        "flashes": flashes,
        "request_id": current_request_id(),
        "path": request.url.path,
    }
    values.update(getattr(request.state, "layout", {}))
    values.update(context or {})
    body = ENV.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path="/")
    issue_csrf_cookie(request, response)
    return response


def redirect(
    request: Request, url: str, message: str | None = None, kind: str = "success"
) -> RedirectResponse:
    """Post/redirect/get: a 303 to `url`, with an optional flash message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if message:
        set_flash(request, response, message, kind)
    return response


def safe_html(html: str) -> Markup:
    """Mark HTML that a renderer built from escaped parts (rich text) as safe to insert."""
    return Markup(html)
