"""Typed domain events and a small synchronous bus.

A lower layer that must tell a higher one something emits an event; audit, metrics and notifications
subscribe instead of being called by name. Handlers run in the emitter's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["Event", "EventBus"]


@dataclass(frozen=True, slots=True)
class Event:
    """Base class of all domain events."""


E = TypeVar("E", bound=Event)


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        self._handlers[event_type].append(handler)

    def emit(self, event: Event) -> None:
        for event_type in type(event).__mro__:
            for handler in self._handlers.get(event_type, ()):  # type: ignore[arg-type]
                handler(event)
