"""The sync half of the seam where the twins must differ (see ``_async_compat.py``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from typing import TypeVar

import httpx

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


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def run_blocking(fn: Callable[..., T], *args: object) -> T:
    return fn(*args)


def iterate_blocking(iterator: Iterator[T]) -> Iterator[T]:
    return iterator


def gather_limited(thunks: Sequence[Callable[[], T]], *, limit: int | None) -> list[T]:
    """Run the thunks on threads, at most ``limit`` at a time; results in input order.

    httpx.Client is safe to share between threads. The first failure (in input order) is raised
    once every started thunk has finished.
    """
    if not thunks:
        return []
    if len(thunks) == 1:
        return [thunks[0]()]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=limit or len(thunks)) as pool:
        futures = [pool.submit(thunk) for thunk in thunks]
        return [future.result() for future in futures]


def loop_token() -> Hashable:
    return threading.get_ident()


def defer(cleanup: Callable[[], None]) -> None:
    """Sync cleanup can run at once."""
    cleanup()


def close_abandoned(generator: Generator[object, None, None]) -> None:
    try:
        generator.close()
    except Exception:  # an abandoned stream has nobody left to report to
        pass


def default_transport(timeout: httpx.Timeout) -> httpx.BaseTransport | None:
    """httpx's own transport (None: httpx's default)."""
    return None


def release_client(client: httpx.Client) -> None:
    """httpx's own transport needs nothing at garbage collection."""
