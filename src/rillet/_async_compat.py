"""The async half of the seam where the twins must differ (its sync half: ``_sync_compat.py``).

Same names and signatures in both halves; ``codegen/`` swaps the module name, so code in
``_async/`` calls these and the generated ``_sync/`` code calls their sync twins. anyio is used
only here, so the async twin runs on asyncio and on trio.

anyio and asyncio are imported where they are used, not at import: ``import rillet`` stays
close to ``import httpx, msgspec`` (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import sys
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterator,
    MutableMapping,
    Sequence,
)
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from ._wire.limits import DeadlinePassed

if sys.version_info < (3, 11):  # pragma: no cover - exercised on 3.10 only
    from exceptiongroup import BaseExceptionGroup

__all__ = [
    "Expiry",
    "Merge",
    "close_abandoned",
    "close_with_loop",
    "connection_aborter",
    "default_transport",
    "defer",
    "gather_limited",
    "iterate_blocking",
    "loop_token",
    "release_client",
    "run_blocking",
    "sleep",
    "until_deadline",
    "within_deadline",
]

T = TypeVar("T")


async def sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)


async def run_blocking(fn: Callable[..., T], *args: object) -> T:
    """Run blocking user code (a sync ``_call``) without blocking the event loop."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(fn, *args)


_DONE = object()


async def iterate_blocking(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Drive a blocking iterator (a user's sync ``_stream``) from a worker thread."""
    import anyio.to_thread

    try:
        while True:
            item = await anyio.to_thread.run_sync(next, iterator, _DONE)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]  # item is a T once it is not the sentinel
    finally:
        # Closed inline (not on a thread): this may run while an abandoned stream is closed
        # synchronously, where nothing may be awaited.
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def gather_limited(
    thunks: Sequence[Callable[[], Awaitable[T]]], *, limit: int | None
) -> list[T]:
    """Run the thunks, at most ``limit`` at a time, starting them in input order; results in
    input order.

    ``limit`` workers take the next thunk from a shared iterator, so ``limit=1`` is a plain
    sequential loop. The first failure cancels the rest and is raised as itself (not as an
    ExceptionGroup).
    """
    import anyio

    if not thunks:
        return []
    slots: list[object] = [_DONE] * len(thunks)
    pending = iter(range(len(thunks)))

    async def worker() -> None:
        for index in pending:
            slots[index] = await thunks[index]()

    try:
        async with anyio.create_task_group() as group:
            for _ in range(min(limit or len(thunks), len(thunks))):
                group.start_soon(worker)
    except BaseExceptionGroup as group_error:
        errors = group_error.exceptions
        if len(errors) == 1:
            raise errors[0] from None
        raise
    return slots  # type: ignore[return-value]  # every slot now holds its thunk's T


class Merge(Generic[T]):
    """Several async iterators pulled concurrently, one *round* at a time (RunnableParallel's
    branches; DESIGN.md decision 1).

    ``await merge.next_round()`` pulls every live iterator at once, inside a task group that is
    opened and closed within that one call, and returns the items that arrived, in arrival
    order, as ``(index, item)``. A round ends once every live iterator has delivered an item or
    ended; meanwhile an iterator that delivered keeps pulling (at most ``lookahead`` items), so a
    fast branch is not slowed to the pace of a slow one. Between rounds no task exists: the
    caller (an async generator) yields the items with no cancel scope open across its ``yield``,
    and a ``break``, ``aclose()`` or cancellation there finds nothing in flight. An error in one
    iterator cancels the others' pulls (their generators finish) and is raised as itself.
    ``aclose()`` closes every iterator (closing their HTTP responses) and must be called.
    """

    __slots__ = ("_iterators", "live", "lookahead")

    def __init__(self, iterators: Sequence[AsyncIterator[T]], *, lookahead: int = 64) -> None:
        self._iterators = list(iterators)
        self.live = list(range(len(self._iterators)))
        self.lookahead = lookahead

    async def next_round(self) -> list[tuple[int, T]]:
        """The next items (an empty list once every iterator has ended)."""
        if not self.live:
            return []
        if len(self.live) == 1:  # nothing to overlap: pull inline, no task
            index = self.live[0]
            try:
                return [(index, await self._iterators[index].__anext__())]
            except StopAsyncIteration:
                self.live.clear()
                return []
        import anyio

        items: list[tuple[int, T]] = []
        waiting = set(self.live)
        ended: list[int] = []

        async def pull(index: int) -> None:
            iterator = self._iterators[index]
            for _ in range(self.lookahead):
                try:
                    item = await iterator.__anext__()
                except StopAsyncIteration:
                    ended.append(index)
                    waiting.discard(index)
                    return
                items.append((index, item))
                waiting.discard(index)
                if not waiting:
                    return

        try:
            async with anyio.create_task_group() as group:
                for index in self.live:
                    group.start_soon(pull, index)
        except BaseExceptionGroup as group_error:
            errors = group_error.exceptions
            if len(errors) == 1:
                raise errors[0] from None
            raise
        for index in ended:
            self.live.remove(index)
        return items

    async def aclose(self) -> None:
        """Close every iterator (all of them, even if closing one fails)."""
        self.live.clear()
        failure: BaseException | None = None
        for iterator in self._iterators:
            close = getattr(iterator, "aclose", None)
            if close is None:
                continue
            try:
                await close()
            except BaseException as exc:  # close the rest first, then report the first
                failure = failure or exc
        if failure is not None:
            raise failure


def loop_running() -> bool:
    """Whether this thread runs an event loop (asyncio or trio) now."""
    import anyio.lowlevel

    try:
        anyio.lowlevel.current_token()
    except RuntimeError:  # anyio's NoEventLoopError
        return False
    return True


def loop_token() -> Hashable:
    """An identity for the running event loop (httpx async clients must not cross loops)."""
    import anyio.lowlevel

    return anyio.lowlevel.current_token()


_deferred: set[object] = set()


def defer(cleanup: Callable[[], Awaitable[None]]) -> None:
    """Run an async cleanup soon on the current event loop, from code that cannot await.

    Used while an abandoned stream is closed synchronously: its socket is already shut down,
    and closing the httpx response (which returns the pool slot) runs as a separate task.
    Outside an event loop there is nothing to run it on, and nothing left to release.
    """
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        task = asyncio.ensure_future(cleanup(), loop=loop)
        _deferred.add(task)
        task.add_done_callback(_deferred.discard)
        return
    try:
        import trio.lowlevel

        trio.lowlevel.spawn_system_task(cleanup)
    except (ImportError, RuntimeError):
        pass  # not in an event loop: nothing can run it, and the socket is already shut down


def close_abandoned(generator: AsyncGenerator[object, None]) -> None:
    """Close an abandoned stream's generator chain now, synchronously (from ``__del__``).

    Nothing in rillet's generators awaits while closing an aborted stream (see ``defer``), so
    ``aclose()`` finishes in one step. Closing here, at once, rather than leaving it to the event
    loop's finalizer matters: asyncio's shutdown would otherwise close the nested generators of
    the chain concurrently, and they would fail with "already running".
    """
    closing = generator.aclose()
    try:
        closing.send(None)
    except StopIteration:
        return
    except Exception:  # an abandoned stream has nobody left to report to
        return
    closing.close()  # it awaited after all: give up rather than block (the socket is shut)


def default_transport(timeout: httpx.Timeout) -> httpx.AsyncBaseTransport | None:
    """The transport of the async clients rillet creates: on asyncio, httpx over aiohttp's C
    HTTP parser (``httpx-aiohttp``: about 4x less CPU per streamed chunk than httpx's pure-Python
    h11 path, see benchmarks/RESULTS.md), hardened against its defects (``_aiohttp.py``); under
    trio (aiohttp is asyncio-only), httpx's own."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    from ._aiohttp import new_transport

    return new_transport()


def release_client(client: httpx.AsyncClient) -> None:
    """Synchronously drop the connections of a client nobody closed (from ``__del__``).

    httpx's own transport needs nothing; aiohttp's session would otherwise report itself as
    unclosed. Its connector closes its transports synchronously (``_close``: aiohttp's own
    sync half of ``close()``).
    """
    session = getattr(getattr(client, "_transport", None), "client", None)
    connector = getattr(session, "connector", None)
    close_now = getattr(connector, "_close", None)
    if callable(close_now):
        try:
            close_now()
        except Exception:  # best effort, at garbage collection
            pass


# -- deadlines (total_timeout): a cancel scope around each wait ---------------------------------


def connection_aborter(
    client: httpx.AsyncClient, request: httpx.Request
) -> Callable[[], None] | None:
    """Nothing: an async wait is cancelled, not aborted (the sync twin's differs)."""
    return None


class Expiry:
    """Whether a ``within_deadline`` block was ended by its deadline."""

    __slots__ = ("expired",)

    def __init__(self) -> None:
        self.expired = False


@contextmanager
def within_deadline(deadline: float | None, abort: Callable[[], None] | None) -> Iterator[Expiry]:
    """Run the block (one wait, no ``yield`` inside) until ``deadline`` (``time.monotonic()``):
    when it passes, the wait is cancelled and the block left; ``expiry.expired`` then says so.

    The sync twin cannot cancel a blocking call: it calls ``abort`` (which drops the connection)
    from a watchdog thread instead, and the blocked call fails.
    """
    expiry = Expiry()
    if deadline is None:
        yield expiry
        return
    import anyio

    with anyio.move_on_after(deadline - time.monotonic()) as scope:
        yield expiry
    expiry.expired = scope.cancelled_caught


class until_deadline(Generic[T]):
    """The reads of ``body`` bounded by ``deadline``: ``with until_deadline(body, deadline,
    abort) as reads: async for piece in reads: ...``; a read still waiting at the deadline
    raises ``DeadlinePassed``. Without a deadline, ``reads`` is ``body`` itself (no cost).

    Each read gets its own cancel scope (a scope must not span a ``yield``); the sync twin
    arms one watchdog for the whole block instead.
    """

    __slots__ = ("_body", "_deadline")

    def __init__(
        self, body: AsyncIterator[T], deadline: float | None, abort: Callable[[], None] | None
    ) -> None:
        self._body = body
        self._deadline = deadline

    def __enter__(self) -> AsyncIterator[T]:
        if self._deadline is None:
            return self._body
        return _Bounded(self._body, self._deadline)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class _Bounded(AsyncIterator[T]):
    __slots__ = ("_body", "_deadline")

    def __init__(self, body: AsyncIterator[T], deadline: float) -> None:
        self._body = body
        self._deadline = deadline

    async def __anext__(self) -> T:
        import anyio

        with anyio.move_on_after(self._deadline - time.monotonic()):
            return await self._body.__anext__()
        raise DeadlinePassed


def close_with_loop(
    client: httpx.AsyncClient, registry: MutableMapping[Hashable, Any], token: Hashable
) -> object:
    """Close ``client`` when the running event loop ends, and forget it in ``registry``.

    ``asyncio.run``, ``trio.run`` and ``anyio.run`` finalize the async generators still open at
    their end, while the loop still runs: the guard returned here is one, started now, whose
    ``finally`` awaits ``client.aclose()``. Whoever uses the client must keep the guard alive
    (dropped earlier, the loop finalizes it at once, which closes the client then).
    """

    async def guard() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            found = registry.get(token)
            if found is not None and found[1] is client:
                registry.pop(token, None)
            await client.aclose()

    agen = guard()
    step = agen.asend(None)
    try:
        step.send(None)  # up to its yield: the loop's first-iteration hook registers it
    except StopIteration:
        pass
    return agen
