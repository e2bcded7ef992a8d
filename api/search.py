"""Text search in SQL: one way to turn what a user typed into a safe `ILIKE` pattern."""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """`%text%` with the LIKE wildcards in `text` escaped (use with `escape=LIKE_ESCAPE`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
