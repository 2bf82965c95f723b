"""The tracing seam (pure): nothing unless ``rillet.otel.instrument()`` installed a recorder.

A recorder turns the run lifecycle's own events (start, first stream chunk, end) into spans, so
tracing keeps no bookkeeping of its own. When it is off, a call pays one global read and nothing
per chunk; when it is on, the root call (a stream, an invoke, a batch item, a generate) runs its
run tree with events on and hands each event to the recorder instead of the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._values.events import BaseEvent

__all__ = ["RunRecorder", "active", "install", "start"]


class RunRecorder(Protocol):
    """What a tracer does with one root call's events."""

    def on_event(self, event: BaseEvent) -> None:
        """Every event of the run tree, in order (v2, so parent ids are known)."""

    def finish(self, error: BaseException | None, *, closed_early: bool) -> None:
        """The root call ended: done, failed with ``error``, or (a stream) closed by its caller."""


_factory: Callable[[bool], RunRecorder] | None = None


def install(factory: Callable[[bool], RunRecorder] | None) -> None:
    """Set (or, with None, remove) what makes the recorder of every new root call; it is told
    whether the call streams (``stream``/``astream_events``) or not (``invoke``/``generate``)."""
    global _factory
    _factory = factory


def start(*, streaming: bool = True) -> RunRecorder | None:
    """A recorder for a new root call, or None when tracing is off."""
    factory = _factory
    return None if factory is None else factory(streaming)


def active() -> bool:
    """Whether new root calls are traced."""
    return _factory is not None
