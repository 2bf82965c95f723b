"""The tracing seam (pure): nothing unless ``rillet.otel.instrument()`` installed a recorder.

A recorder turns the run lifecycle's own events (start, first stream chunk, end) into spans, so
tracing keeps no bookkeeping of its own. When it is off, a stream pays one global read per call
and nothing per chunk; when it is on, the root stream runs with events on and hands each event to
the recorder instead of the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._values.events import BaseEvent

__all__ = ["RunRecorder", "active", "install", "start"]


class RunRecorder(Protocol):
    """What a tracer does with one root stream's events."""

    def on_event(self, event: BaseEvent) -> None:
        """Every event of the run tree, in order (v2, so parent ids are known)."""

    def finish(self, error: BaseException | None, *, closed_early: bool) -> None:
        """The root stream ended: exhausted, failed with ``error``, or closed by its caller."""


_factory: Callable[[], RunRecorder] | None = None


def install(factory: Callable[[], RunRecorder] | None) -> None:
    """Set (or, with None, remove) the recorder every new root stream gets."""
    global _factory
    _factory = factory


def start() -> RunRecorder | None:
    """A recorder for a new root stream, or None when tracing is off."""
    factory = _factory
    return None if factory is None else factory()


def active() -> bool:
    """Whether new root streams are traced."""
    return _factory is not None
