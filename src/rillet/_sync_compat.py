"""The sync half of the seam where the twins must differ (see ``_async_compat.py``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = [
    "Merge",
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


class Merge(Generic[T]):
    """The sync twin of ``_async_compat.Merge``: several iterators pulled concurrently, one round
    at a time, each pull on a worker thread of a pool the merge owns.

    Within ``next_round()`` one thread per live iterator pulls it (keeping on, at most
    ``lookahead`` items, until every live iterator has delivered or ended); the call returns when
    every pull has finished, so between rounds no thread runs any iterator, and the caller's
    generator closes them all itself (``close()``, in its own thread: a generator cannot be
    closed while another thread runs it). ``close()`` also shuts the pool down and joins its
    threads. An error in one iterator is raised once the other pulls of the round finished.
    """

    __slots__ = ("_iterators", "_pool", "live", "lookahead")

    def __init__(self, iterators: Sequence[Iterator[T]], *, lookahead: int = 64) -> None:
        self._iterators = list(iterators)
        self.live = list(range(len(self._iterators)))
        self.lookahead = lookahead
        self._pool: ThreadPoolExecutor | None = None

    def next_round(self) -> list[tuple[int, T]]:
        if not self.live:
            return []
        if len(self.live) == 1:
            index = self.live[0]
            try:
                return [(index, next(self._iterators[index]))]
            except StopIteration:
                self.live.clear()
                return []
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(
                max_workers=len(self._iterators), thread_name_prefix="rillet-parallel"
            )
        lock = threading.Lock()
        items: list[tuple[int, T]] = []
        waiting = set(self.live)
        ended: list[int] = []
        failed = threading.Event()

        def pull(index: int) -> None:
            iterator = self._iterators[index]
            for _ in range(self.lookahead):
                if failed.is_set():
                    return
                try:
                    item = next(iterator)
                except StopIteration:
                    with lock:
                        ended.append(index)
                        waiting.discard(index)
                    return
                except BaseException:
                    failed.set()
                    raise
                with lock:
                    items.append((index, item))
                    waiting.discard(index)
                    if not waiting:
                        return

        futures = [self._pool.submit(pull, index) for index in self.live]
        errors = [f.exception() for f in futures]  # waits for every pull of the round
        for error in errors:
            if error is not None:
                raise error
        for index in ended:
            self.live.remove(index)
        return items

    def close(self) -> None:
        self.live.clear()
        failure: BaseException | None = None
        for iterator in self._iterators:
            close = getattr(iterator, "close", None)
            if close is None:
                continue
            try:
                close()
            except BaseException as exc:
                failure = failure or exc
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        if failure is not None:
            raise failure


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
