"""Async streams made where no event loop runs (``s = model.astream(x)`` in sync code).

An async twin belongs to the event loop it first ran on (``HTTPModel._async_twin``: an httpx
``AsyncClient`` must not cross loops), so it cannot be picked before a loop runs. Outside a loop
``astream``/``astream_events`` return a ``DeferredStream``: its first read, on the loop that
iterates it, makes the real stream and takes its place (the same class and state afterwards: the
cost of each chunk is that of a stream made inside the loop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .._abort import Resources
from .._async.stream import AsyncBatchStream, AsyncStream
from .._async_compat import loop_running
from .._values.errors import StreamClosedError

__all__ = ["DeferredStream", "loop_free"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def loop_free(start: Callable[[], AsyncStream[T]]) -> AsyncStream[T]:
    """``start()`` now if an event loop runs, else on the first read of the stream returned."""
    if loop_running():
        return start()
    return DeferredStream(start)


class _NotStarted:
    """Stands in for the producer until the first read (closing it closes nothing)."""

    __slots__ = ("start",)

    def __init__(self, start: Callable[[], AsyncStream[object]]) -> None:
        self.start = start

    async def aclose(self) -> None:
        return None


class _Stream(AsyncStream[T_co]):
    """``AsyncStream`` with ``AsyncBatchStream``'s layout, so a ``DeferredStream`` can become one."""

    __slots__ = ("_pending",)


class DeferredStream(AsyncBatchStream[T_co]):
    """A stream whose run starts on its first read (see the module): until then it holds only
    ``start``; ``aclose()`` before it ends the stream with nothing sent."""

    __slots__ = ()

    def __init__(self, start: Callable[[], AsyncStream[T_co]]) -> None:
        self._resources = Resources()
        self._gen = _NotStarted(start)  # type: ignore[assignment]  # replaced on the first read; only aclose() may run before
        self._closed = False
        self._stopped = False
        self._pending = []

    async def __anext__(self) -> T_co:
        if self._closed:
            raise StreamClosedError("this stream is closed; start a new one")
        self._closed = True  # if start() fails, the stream is over
        inner = self._start()
        # Take over the real stream's producer and resources; it must not close them when dropped.
        # The model that made ``start`` goes now, before the request, as with a stream made in
        # a loop (a dropped model releases its async connections: the twin's are its own).
        self._gen, self._resources, self._closed = inner._gen, inner._resources, False
        if type(inner) is AsyncBatchStream:
            self.__class__ = AsyncBatchStream  # type: ignore[assignment]  # same layout: becomes the real stream
        elif type(inner) is AsyncStream:
            self.__class__ = _Stream  # type: ignore[assignment]  # same layout: becomes a plain stream
        else:  # pragma: no cover - every twin returns one of the two
            raise TypeError(f"cannot defer a {type(inner).__name__}")
        inner._closed = True
        return await self.__anext__()

    def _start(self) -> AsyncStream[T_co]:
        waiting = self._gen
        assert isinstance(waiting, _NotStarted)
        return waiting.start()  # type: ignore[return-value]  # __init__ stored a start() of T_co
