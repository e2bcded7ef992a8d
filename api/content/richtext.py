"""Safe rich text: a small JSON node tree, validated on the way in and rendered to escaped HTML.

    {"type": "root", "children": [<block>, ...]}

    block  = {"type": "paragraph", "children": [<inline>, ...]}
           | {"type": "heading", "level": 1..6, "children": [<inline>, ...]}
           | {"type": "quote", "children": [<inline>, ...]}
           | {"type": "list", "ordered": false, "children": [{"type": "listItem", "children": [<inline>, ...]}]}
    inline = {"type": "text", "text": "...", "bold": false, "italic": false}
           | {"type": "link", "url": "https://...", "children": [<text>, ...]}

Links may only be http(s), mailto or relative (`/path`, `path`, `#anchor`, `?query`). Every text and
attribute is HTML-escaped by the renderer, so stored content can never inject markup.
"""

from __future__ import annotations

import html
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_SCHEMES = frozenset({"http", "https"})
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


def validate_link_url(url: str, *, allow_mailto: bool = False) -> str:
    """`url` if it is http(s) (or mailto when allowed) or relative; a ValueError otherwise."""
    if _UNSAFE_CHARS.search(url):
        raise ValueError("a link may not contain spaces, control characters or backslashes")
    parts = urlsplit(url)
    allowed = _SCHEMES | {"mailto"} if allow_mailto else _SCHEMES
    if parts.scheme:
        if parts.scheme.lower() not in allowed:
            raise ValueError(f"links must use {', '.join(sorted(allowed))} or be relative")
        if parts.scheme.lower() in _SCHEMES and not parts.netloc:
            raise ValueError("an absolute link needs a host")
    elif url.startswith("//") or ":" in url.split("/", 1)[0]:
        raise ValueError("relative links may not start with '//' or carry a scheme-like prefix")
    return url


def _link_url(url: str) -> str:
    return validate_link_url(url, allow_mailto=True)


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Node):
    type: Literal["text"]
    text: Annotated[str, StringConstraints(max_length=10_000)]
    bold: bool = False
    italic: bool = False


class Link(_Node):
    type: Literal["link"]
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_link_url)]
    children: Annotated[list[Text], Field(min_length=1, max_length=50)]


Inline = Annotated[Text | Link, Field(discriminator="type")]
Inlines = Annotated[list[Inline], Field(max_length=200)]


class Paragraph(_Node):
    type: Literal["paragraph"]
    children: Inlines


class Heading(_Node):
    type: Literal["heading"]
    level: Annotated[int, Field(ge=1, le=6)]
    children: Inlines


class Quote(_Node):
    type: Literal["quote"]
    children: Inlines


class ListItem(_Node):
    type: Literal["listItem"]
    children: Inlines


class ListBlock(_Node):
    type: Literal["list"]
    ordered: bool = False
    children: Annotated[list[ListItem], Field(min_length=1, max_length=200)]


Block = Annotated[Paragraph | Heading | Quote | ListBlock, Field(discriminator="type")]


class RichText(_Node):
    type: Literal["root"]
    children: Annotated[list[Block], Field(max_length=500)]


def _text(node: Text) -> str:
    out = html.escape(node.text, quote=True)
    if node.bold:
        out = f"<strong>{out}</strong>"
    if node.italic:
        out = f"<em>{out}</em>"
    return out


def _inline(node: Text | Link) -> str:
    if isinstance(node, Text):
        return _text(node)
    href = html.escape(node.url, quote=True)
    return f'<a href="{href}" rel="noopener noreferrer">{"".join(_text(c) for c in node.children)}</a>'


def _inlines(nodes: list[Text | Link]) -> str:
    return "".join(_inline(node) for node in nodes)


def _block(node: Paragraph | Heading | Quote | ListBlock) -> str:
    if isinstance(node, Paragraph):
        return f"<p>{_inlines(node.children)}</p>"
    if isinstance(node, Heading):
        return f"<h{node.level}>{_inlines(node.children)}</h{node.level}>"
    if isinstance(node, Quote):
        return f"<blockquote>{_inlines(node.children)}</blockquote>"
    tag = "ol" if node.ordered else "ul"
    items = "".join(f"<li>{_inlines(item.children)}</li>" for item in node.children)
    return f"<{tag}>{items}</{tag}>"


def render_html(document: RichText | dict[str, Any]) -> str:
    """HTML for a rich text document (validated first if given as stored JSON)."""
    root = document if isinstance(document, RichText) else RichText.model_validate(document)
    return "".join(_block(block) for block in root.children)


def plain(text: str) -> dict[str, object]:
    """A one-paragraph document, for seeds and tests."""
    return {"type": "root", "children": [{"type": "paragraph", "children": [{"type": "text", "text": text}]}]}
