"""What a test checks to prove nothing leaked: open connections, tasks, threads, descriptors.

Shared by the async tests and their generated sync twins (``codegen/table.py`` maps
``living_tasks`` to ``living_threads``), so nothing here is async.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import httpx

__all__ = [
    "active_connections",
    "living_tasks",
    "living_threads",
    "open_fds",
    "settle",
]


def active_connections(client: httpx.Client | httpx.AsyncClient) -> int:
    """Connections of ``client``'s pool that are serving a request right now.

    Reaches into the transport (the only way to see a pool): httpx's own transport keeps an
    httpcore pool (``_transport._pool.connections``); httpx-aiohttp's keeps an aiohttp session
    whose connector tracks acquired connections (``client.connector._acquired``).
    """
    transport = getattr(client, "_transport", None)
    pool = getattr(transport, "_pool", None)
    if pool is not None:
        return sum(1 for c in pool.connections if not (c.is_idle() or c.is_closed()))
    if hasattr(transport, "client"):  # httpx-aiohttp: the session exists once used
        connector = getattr(getattr(transport, "client", None), "connector", None)
        return len(getattr(connector, "_acquired", ()))
    raise TypeError(f"cannot inspect the pool of {transport!r}")


def living_tasks() -> int:
    """Tasks alive in the running event loop (asyncio or trio), this one included."""
    import asyncio

    try:
        return len(asyncio.all_tasks())
    except RuntimeError:  # no asyncio loop running: trio
        import trio

        return trio.lowlevel.current_statistics().tasks_living


def living_threads() -> int:
    """The sync twin's counterpart of ``living_tasks``: threads alive in the process."""
    return threading.active_count()


def open_fds() -> int:
    """File descriptors open in this process (Linux: /proc/self/fd; elsewhere /dev/fd)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(folder):
            return len(os.listdir(folder))
    raise OSError("cannot count open file descriptors on this system")


def settle(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Wait (blocking, in small steps) until ``condition()`` holds; False on timeout. For state
    owned by other threads, such as the fake server's sockets."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
