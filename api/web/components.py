"""Python halves of the template components: the pager behind `ui.pagination`."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode


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
