"""The sync half of the seam where the twins must differ (see ``_async_compat.py``)."""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Callable, Generator, Hashable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from ._wire.limits import DeadlinePassed

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

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


# -- deadlines (total_timeout): a watchdog thread drops the connection at the deadline ---------


class _Watchdog:
    """One daemon thread running timed callbacks (a heap of deadlines): what ends a blocking
    wait at the total timeout, since a blocking call cannot be cancelled. Started on first use,
    and again in a forked child (threads do not survive a fork)."""

    def __init__(self) -> None:
        self._after_fork()

    def _after_fork(self) -> None:
        self._lock = threading.Condition()
        # [when, handle, callback]; a cancelled entry keeps its place with callback None.
        self._heap: list[list[object]] = []
        self._entries: dict[int, list[object]] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def call_at(self, when: float, callback: Callable[[], None]) -> int:
        import heapq  # here: `import rillet` need not load it (most programs never wait here)

        with self._lock:
            handle = next(self._ids)
            entry: list[object] = [when, handle, callback]
            heapq.heappush(self._heap, entry)  # unique handles: callbacks are never compared
            self._entries[handle] = entry
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="rillet-deadlines", daemon=True
                )
                self._thread.start()
            self._lock.notify()
            return handle

    def cancel(self, handle: int) -> None:
        import heapq  # here: `import rillet` need not load it

        with self._lock:
            entry = self._entries.pop(handle, None)
            if entry is not None:
                entry[2] = None  # drops the reference to the connection at once
            while self._heap and self._heap[0][2] is None:
                heapq.heappop(self._heap)

    def _run(self) -> None:
        import heapq  # here: `import rillet` need not load it

        while True:
            with self._lock:
                while True:
                    while self._heap and self._heap[0][2] is None:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._lock.wait()
                        continue
                    when, handle, callback = self._heap[0]
                    left = float(when) - time.monotonic()  # type: ignore[arg-type]  # a float
                    if left <= 0:
                        heapq.heappop(self._heap)
                        self._entries.pop(handle, None)  # type: ignore[call-overload]  # an int
                        break
                    self._lock.wait(left)
            try:
                callback()  # type: ignore[operator]  # not None: cancelled entries were skipped
            except Exception:  # dropping a connection is best effort
                pass


_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_watchdog._after_fork)


def connection_aborter(client: httpx.Client, request: httpx.Request) -> Callable[[], None] | None:
    """A sync action that shuts down the socket ``request`` is waiting on in ``client``'s pool
    (httpx's own transport), so that a blocked wait for the headers ends; None when the pool
    cannot be seen (another transport: then only the per-read timeouts bound the wait)."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if pool is None or not hasattr(pool, "_requests"):
        return None
    extensions = request.extensions  # httpcore's request shares this dict with httpx's

    def abort() -> None:
        for waiting in list(pool._requests):
            if getattr(waiting.request, "extensions", None) is not extensions:
                continue
            inner = getattr(waiting.connection, "_connection", None)
            stream = getattr(inner, "_network_stream", None)
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)

    return abort


class Expiry:
    """Whether a ``within_deadline`` block was ended by its deadline."""

    __slots__ = ("expired",)

    def __init__(self) -> None:
        self.expired = False


@contextmanager
def within_deadline(deadline: float | None, abort: Callable[[], None] | None) -> Iterator[Expiry]:
    """Run the block until ``deadline``: when it passes, a watchdog thread calls ``abort``
    (which drops the connection the block waits on, so the blocked call fails) and
    ``expiry.expired`` says so."""
    expiry = Expiry()
    if deadline is None or abort is None:
        yield expiry
        return

    def expire() -> None:
        expiry.expired = True
        abort()

    handle = _watchdog.call_at(deadline, expire)
    try:
        yield expiry
    finally:
        _watchdog.cancel(handle)


class until_deadline(Generic[T]):
    """The reads of ``body`` bounded by ``deadline`` (see the async half): one watchdog for the
    whole block drops the connection at the deadline, and the read it broke raises
    ``DeadlinePassed``."""

    __slots__ = ("_abort", "_body", "_deadline", "_expiry", "_handle")

    def __init__(
        self, body: Iterator[T], deadline: float | None, abort: Callable[[], None] | None
    ) -> None:
        self._body = body
        self._deadline = deadline
        self._abort = abort
        self._expiry = Expiry()
        self._handle: int | None = None

    def __enter__(self) -> Iterator[T]:
        if self._deadline is None or self._abort is None:
            return self._body
        abort = self._abort
        expiry = self._expiry

        def expire() -> None:
            expiry.expired = True
            abort()

        self._handle = _watchdog.call_at(self._deadline, expire)
        return _Bounded(self._body, expiry)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            _watchdog.cancel(self._handle)
            self._handle = None


class _Bounded(Iterator[T]):
    __slots__ = ("_body", "_expiry")

    def __init__(self, body: Iterator[T], expiry: Expiry) -> None:
        self._body = body
        self._expiry = expiry

    def __next__(self) -> T:
        try:
            return next(self._body)
        except (httpx.TransportError, OSError) as exc:
            if self._expiry.expired:
                raise DeadlinePassed from exc
            raise
        except StopIteration:
            if self._expiry.expired:  # the abort ended the body early (EOF)
                raise DeadlinePassed from None
            raise


def close_with_loop(
    client: httpx.Client, registry: MutableMapping[Hashable, Any], token: Hashable
) -> object:
    """No event loop: the sync client lives until ``close()``."""
    return None
