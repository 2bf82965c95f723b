"""The async half of the seam where the twins must differ (its sync half: ``_sync_compat.py``).

Same names and signatures in both halves; ``codegen/`` swaps the module name, so code in
``_async/`` calls these and the generated ``_sync/`` code calls their sync twins. anyio is used
only here, so the async twin runs on asyncio and on trio.

anyio and asyncio are imported where they are used, not at import: ``import rillet`` stays
close to ``import httpx, msgspec`` (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import sys
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterator,
    Sequence,
)
from typing import TypeVar

import httpx

if sys.version_info < (3, 11):  # pragma: no cover - exercised on 3.10 only
    from exceptiongroup import BaseExceptionGroup

__all__ = [
    "close_abandoned",
    "default_transport",
    "defer",
    "gather_limited",
    "iterate_blocking",
    "loop_token",
    "release_client",
    "run_blocking",
    "sleep",
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
    h11 path, see benchmarks/RESULTS.md); under trio (aiohttp is asyncio-only), httpx's own."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport(
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    )


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
