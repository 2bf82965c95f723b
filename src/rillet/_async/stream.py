"""``AsyncStream``: what ``astream`` returns — an async iterator that is also a resource."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Generic, TypeVar

from .._abort import Resources
from .._async_compat import close_abandoned
from .._values.errors import StreamClosedError

__all__ = ["AsyncStream", "closing_iter"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class AsyncStream(Generic[T_co]):
    """Chunks of one run, pulled from the producing generators inline (no task, no queue).

    Closes the HTTP response when exhausted, on ``aclose()``, on leaving ``async with``, when the
    consumer is cancelled, and when abandoned (dropped after a ``break``): the socket is then
    shut down at once, before any generator is finalized.

    A stream has one consumer: a second one reading at the same time gets ``StreamClosedError``
    (the first one goes on); ``aclose()`` from another task while a read waits drops the
    connection, and that read ends in ``StreamClosedError``.
    """

    __slots__ = ("_closed", "_gen", "_resources", "_stopped")

    def __init__(self, produce: Callable[[Resources], AsyncGenerator[T_co, None]]) -> None:
        self._resources = Resources()
        self._gen = produce(self._resources)
        self._closed = False
        self._stopped = False  # closed by aclose() while another task was reading

    def __aiter__(self) -> AsyncStream[T_co]:
        return self

    async def __anext__(self) -> T_co:
        if self._closed:
            raise StreamClosedError("this stream is closed; start a new one")
        try:
            return await self._gen.__anext__()
        except (RuntimeError, ValueError) as exc:
            if getattr(
                self._gen, "ag_running", False
            ):  # another consumer is reading: not this one's stream
                raise StreamClosedError(
                    "this stream is being read by another consumer; a stream has one consumer: "
                    "start one stream per consumer"
                ) from exc
            self._closed = True
            raise
        except BaseException as exc:
            self._closed = True
            if self._stopped and isinstance(exc, Exception):
                raise StreamClosedError(
                    "this stream was closed (aclose()) while this read was waiting"
                ) from exc
            raise

    async def aclose(self) -> None:
        """Stop the run and release its connection. Safe to call more than once, and from
        another task than the one reading (that read then ends in ``StreamClosedError``)."""
        self._closed = True
        if getattr(
            self._gen, "ag_running", False
        ):  # a read is waiting in another task: drop its connection
            self._stopped = True
            self._resources.abort()
            return
        await self._gen.aclose()

    async def __aenter__(self) -> AsyncStream[T_co]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # Abandoned (dropped without being exhausted or closed, e.g. after a `break`): shut the
        # sockets down and close the generators now, not whenever the event loop gets to it.
        if not self._closed:
            self._closed = True
            self._resources.abort()
            close_abandoned(self._gen)


@asynccontextmanager
async def closing_iter(iterator: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Use ``iterator`` in a block and close it on leaving (if it can be closed).

    Nested generators must be closed explicitly: that is how closing the outer stream reaches
    the HTTP response at once, instead of whenever the garbage collector runs.
    """
    try:
        yield iterator
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()
