"""Mails from Jinja2 templates: one file per kind with `subject`, `text` and `html` blocks; the HTML part is
escaped and wrapped in `_layout.html`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from api import money

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _money(amount: int, currency: str) -> str:
    return f"{money.to_decimal(int(amount), currency)} {currency}"


@lru_cache(maxsize=2)
def _environment(html: bool) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=html, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    env.filters["money"] = _money
    return env


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context))).strip()


def render(kind: str, context: dict[str, Any], *, optional: bool) -> Rendered:
    text_template = _environment(False).get_template(f"{kind}.jinja")
    html_env = _environment(True)
    subject = " ".join(_block(text_template, "subject", context).split())
    body = Markup(_block(html_env.get_template(f"{kind}.jinja"), "html", context))
    html = html_env.get_template("_layout.html").render({**context, "subject": subject, "body": body,
                                                         "optional": optional})
    return Rendered(subject=subject, text=_block(text_template, "text", context) + "\n", html=html)
