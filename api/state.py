"""Explicit state machines: every status change goes through `StateMachine.transition`, which
answers 409 (`invalid-state-transition`) for a move the machine does not allow."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from api.errors import InvalidStateTransition

S = TypeVar("S", bound=StrEnum)


class StateMachine(Generic[S]):
    def __init__(self, entity: str, transitions: Mapping[S, frozenset[S] | set[S]]) -> None:
        self.entity = entity
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}

    def can(self, current: S | str, target: S) -> bool:
        allowed = {str(state): targets for state, targets in self.transitions.items()}
        return target in allowed.get(str(current), frozenset())

    def transition(self, current: S | str, target: S) -> S:
        """Return `target` if `current -> target` is allowed, else raise 409."""
        if not self.can(current, target):
            raise InvalidStateTransition(self.entity, str(current), target.value)
        return target
