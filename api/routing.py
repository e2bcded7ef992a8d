"""`Router`: FastAPI's APIRouter that turns a request away at its first path segment.

FastAPI matches a request against every route of every included router in turn, and asks an included router
twice (once to choose it, once to handle the request), so a request for one of the last routes ran a few hundred
path matches before its handler. A router whose routes all begin with a fixed first segment (`/store/...`,
`/admin/...`, `/console/...`) knows those segments, and answers "no match" for any other path at once, as does
a router with a prefix for a path outside it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match, get_route_path
from starlette.types import Scope


def route_roots(paths: list[object]) -> frozenset[str] | None:
    """The first segments of `paths`; None when one of them is not a plain segment (a parameter could match
    anything)."""
    roots = set()
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/") or "{" in path.split("/", 2)[1]:
            return None
        roots.add(path.split("/", 2)[1])
    return frozenset(roots)


class Router(APIRouter):
    _roots: tuple[int, frozenset[str] | None] = (-1, None)  # (number of routes seen, their first segments)

    def _first_segments(self) -> frozenset[str] | None:
        if self._roots[0] != len(self.routes):  # routes are added while the app is assembled
            self._roots = (len(self.routes), route_roots([getattr(route, "path", None) for route in self.routes]))
        return self._roots[1]

    def turns_away(self, scope: Scope) -> bool:
        """True when no route of this router can match the request's path."""
        roots = self._first_segments()
        if roots is None or scope["type"] != "http":
            return False
        path = get_route_path(scope)
        return not path.startswith(self.prefix) or (path.startswith("/") and path.split("/", 2)[1] not in roots)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.turns_away(scope):
            return Match.NONE, {}
        return super().matches(scope)
