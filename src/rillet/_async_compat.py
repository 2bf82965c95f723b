"""The async half of the seam where the twins must differ (its sync half: ``_sync_compat.py``).

Same names and signatures in both halves; ``codegen/`` swaps the module name, so code in
``_async/`` calls these and the generated ``_sync/`` code calls their sync twins. anyio is used
only here, so the async twin runs on asyncio and on trio.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator, Sequence
from typing import TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

if sys.version_info < (3, 11):  # pragma: no cover - exercised on 3.10 only
    from exceptiongroup import BaseExceptionGroup

__all__ = ["gather_limited", "iterate_blocking", "loop_token", "run_blocking", "sleep"]

T = TypeVar("T")


async def sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


async def run_blocking(fn: Callable[..., T], *args: object) -> T:
    """Run blocking user code (a sync ``_call``) without blocking the event loop."""
    return await anyio.to_thread.run_sync(fn, *args)


_DONE = object()


async def iterate_blocking(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Drive a blocking iterator (a user's sync ``_stream``) from a worker thread."""
    try:
        while True:
            item = await anyio.to_thread.run_sync(next, iterator, _DONE)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]  # item is a T once it is not the sentinel
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            await anyio.to_thread.run_sync(close)


async def gather_limited(
    thunks: Sequence[Callable[[], Awaitable[T]]], *, limit: int | None
) -> list[T]:
    """Run the thunks, at most ``limit`` at a time, starting them in input order; results in
    input order.

    ``limit`` workers take the next thunk from a shared iterator, so ``limit=1`` is a plain
    sequential loop. The first failure cancels the rest and is raised as itself (not as an
    ExceptionGroup).
    """
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
    return anyio.lowlevel.current_token()
