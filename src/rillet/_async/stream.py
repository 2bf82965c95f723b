"""``AsyncStream``: what ``astream`` returns — an async iterator that is also a resource."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Generic, TypeVar

from .._abort import Resources
from .._async_compat import close_abandoned
from .._values.errors import StreamClosedError

__all__ = ["AsyncBatchStream", "AsyncStream", "closing_iter", "each_chunk", "one_each"]

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
        self._gen: AsyncGenerator[object, None] = produce(self._resources)
        self._closed = False
        self._stopped = False  # closed by aclose() while another task was reading

    def __aiter__(self) -> AsyncStream[T_co]:
        return self

    async def __anext__(self) -> T_co:
        if self._closed:
            raise StreamClosedError("this stream is closed; start a new one")
        try:
            return await self._gen.__anext__()  # type: ignore[return-value]  # produce() yields T_co
        except BaseException as exc:
            error = self._failed(exc)
            if error is None:
                raise
            raise error from exc

    def _failed(self, exc: BaseException) -> StreamClosedError | None:
        """A read of the producer raised ``exc``: the error to raise instead, or None (``exc``)."""
        if isinstance(exc, (RuntimeError, ValueError)) and getattr(
            self._gen, "ag_running", False
        ):  # another consumer is reading: not this one's stream
            return StreamClosedError(
                "this stream is being read by another consumer; a stream has one consumer: "
                "start one stream per consumer"
            )
        self._closed = True
        if self._stopped and isinstance(exc, Exception):
            return StreamClosedError(
                "this stream was closed (aclose()) while this read was waiting"
            )
        return None

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


class AsyncBatchStream(AsyncStream[T_co]):
    """A stream (``AsyncStream``) whose producer yields lists: all the chunks of one network read come
    up the generator chain in one resume and are handed out here one by one, instead of one
    resume of every generator level per chunk. The producer hands each list over (it is consumed
    here) and never yields an empty one. Same rules as ``AsyncStream`` (one consumer,
    ``aclose()`` from another task); the chunks not yet handed out are dropped on close.
    """

    __slots__ = ("_pending",)

    def __init__(self, produce: Callable[[Resources], AsyncGenerator[list[T_co], None]]) -> None:
        self._resources = Resources()
        self._gen = produce(self._resources)
        self._closed = False
        self._stopped = False
        self._pending: list[T_co] = []  # the rest of the current list, last item first

    async def __anext__(self) -> T_co:
        pending = self._pending
        if pending:
            return pending.pop()
        if self._closed:
            raise StreamClosedError("this stream is closed; start a new one")
        try:
            batch: list[T_co] = await self._gen.__anext__()  # type: ignore[assignment]  # produce() yields lists of T_co
        except BaseException as exc:
            error = self._failed(exc)
            if error is None:
                raise
            raise error from exc
        if len(batch) == 1:
            return batch[0]
        batch.reverse()
        self._pending = batch
        return batch.pop()

    async def aclose(self) -> None:
        """Stop the run and release its connection; the chunks not yet read are dropped."""
        self._pending = []
        await super().aclose()


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


async def each_chunk(batches: AsyncIterator[list[T]]) -> AsyncGenerator[T, None]:
    """The items of ``batches`` (lists) one at a time."""
    async with closing_iter(batches) as lists:
        async for batch in lists:
            for item in batch:
                yield item


async def one_each(items: AsyncIterator[T]) -> AsyncGenerator[list[T], None]:
    """``items`` as one-item lists (a producer of batches from one of single items)."""
    async with closing_iter(items) as each:
        async for item in each:
            yield [item]
