"""Python halves of the template components: the pager behind `ui.pagination`; server-side SVG charts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode

from markupsafe import Markup


@dataclass(frozen=True)
class Pager:
    """Page `page` (from 1) of `total` rows, `per_page` a page; `url(n)` keeps the other query parameters."""

    page: int
    per_page: int
    total: int
    path: str
    query: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, page: int, per_page: int, total: int, path: str, query: dict[str, str | None] | None = None) -> Pager:
        kept = {k: v for k, v in (query or {}).items() if v not in (None, "") and k != "page"}
        return cls(page=max(page, 1), per_page=per_page, total=total, path=path, query=kept)  # type: ignore[arg-type]

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def url(self, page: int) -> str:
        query = {**self.query, **({"page": str(page)} if page > 1 else {})}
        return self.path + ("?" + urlencode(query) if query else "")

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers around the current one, with the first and last, and None for a gap."""
        shown = sorted({1, self.pages, *range(max(self.page - radius, 1), min(self.page + radius, self.pages) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out

# ---- charts (vendor and company portals) -----------------------------------------------------------------
# Charts drawn on the server as inline SVG (DESIGN §13: no CDN, no JavaScript library): a line chart for daily
# or monthly series and a horizontal bar chart for rankings. The values are the marts' numbers as given; labels
# are formatted by the caller (e.g. with `format_money`), so nothing here computes money. Every chart has a
# title and a description for screen readers; pages print the same numbers in a table beside it. Colours are
# the `.chart-*` classes of app.css (the "portals" block).

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 84, 16, 16, 34


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    css: str  # a class of app.css: chart-s1, chart-s2, chart-s3


def _ticks(top: int, count: int = 4) -> list[int]:
    if top <= 0:
        return [0]
    step = max(1, -(-top // count))
    return [step * i for i in range(count + 1)]


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[int], str]
) -> Markup:
    """Lines over `labels` (days), the y axis from 0 to the largest value, with a legend."""
    top = max((v for s in series for v in s.values), default=0)
    ticks = _ticks(top)
    scale_top = ticks[-1] or 1
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return PAD_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return PAD_TOP + plot_h - plot_h * v / scale_top

    parts = [_open(title, ", ".join(s.name for s in series) + f" over {len(labels)} days")]
    for t in ticks:
        parts.append(f'<line class="chart-grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(t):.1f}" '
                     f'y2="{y(t):.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{PAD_LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt(t))}</text>')
    every = max(1, -(-len(labels) // 8))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text class="chart-axis" x="{x(i):.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline class="chart-line {s.css}" points="{points}"/>')
        for i, v in enumerate(s.values):
            parts.append(f'<circle class="chart-dot {s.css}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3">'
                         f'<title>{escape(labels[i])}: {escape(s.name)} {escape(fmt(v))}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts)) + _legend(series)


def bar_chart(title: str, rows: Sequence[tuple[str, int]], fmt: Callable[[int], str], css: str = "chart-s1") -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    bar_h, gap = 22, 10
    height = max(len(rows), 1) * (bar_h + gap) + gap
    label_w, value_w = 200, 110
    plot_w = WIDTH - label_w - value_w
    top = max((v for _, v in rows), default=0) or 1
    parts = [_open(title, f"{len(rows)} bars", height)]
    for i, (label, value) in enumerate(rows):
        y0 = gap + i * (bar_h + gap)
        short = label if len(label) <= 28 else label[:27] + "…"
        width = max(plot_w * value / top, 1)
        parts.append(f'<text class="chart-label" x="{label_w - 8}" y="{y0 + 15}" text-anchor="end">'
                     f'{escape(short)}</text>')
        parts.append(f'<rect class="chart-bar {css}" x="{label_w}" y="{y0}" width="{width:.1f}" height="{bar_h}">'
                     f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        parts.append(f'<text class="chart-label" x="{label_w + width + 6:.1f}" y="{y0 + 15}">'
                     f'{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, description: str, height: int = HEIGHT) -> str:
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
            f"<title>{escape(title)}</title><desc>{escape(description)}</desc>")


def _legend(series: Sequence[Series]) -> Markup:
    items = "".join(f'<li><span class="chart-key {s.css}" aria-hidden="true"></span>{escape(s.name)}</li>'
                    for s in series)
    return Markup(f'<ul class="chart-legend">{items}</ul>')
