"""Dropping the connections of an abandoned stream at once, from synchronous code.

When a caller abandons a stream (``break`` out of ``async for`` and drop it), Python cannot await
anything at that moment: an async generator is finalized later, by the event loop. So the stream
keeps, in its ``Resources``, a synchronous abort action for each open HTTP response that shuts its
socket down at once; the generator's own ``finally`` then releases the response properly when it
runs. Pure of awaits (used by both twins and by ``__del__``).

What can be done synchronously depends on the transport under httpx (``aborter_for``):

- httpx's own transport (httpcore): shut the socket down (``network_stream`` extension);
- the aiohttp transport (``httpx-aiohttp``): shut the connection's socket down, then
  ``ClientResponse.close()``, which is synchronous and drops the connection from the pool.

Both reach a little into the transports' objects; when neither is found there is no abort, and
the connection is released when the response is closed (the normal path).
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx

__all__ = ["Resources", "aborter_for"]


class Resources:
    __slots__ = ("_aborts", "aborted")

    def __init__(self) -> None:
        self._aborts: list[Callable[[], None]] = []
        # Set when the stream was abandoned: the generators are then closed synchronously, and
        # must hand any async cleanup (closing the HTTP response) to the event loop instead of
        # awaiting it.
        self.aborted = False

    def register(self, abort: Callable[[], None]) -> None:
        self._aborts.append(abort)

    def unregister(self, abort: Callable[[], None]) -> None:
        try:
            self._aborts.remove(abort)
        except ValueError:
            pass

    def abort(self) -> None:
        """Run every registered abort (best effort: a failing one does not stop the others)."""
        self.aborted = True
        aborts, self._aborts = self._aborts, []
        for abort in aborts:
            try:
                abort()
            except Exception:  # aborting is best effort by definition
                pass


def _socket_aborter(response: httpx.Response) -> Callable[[], None] | None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None or not hasattr(sock, "shutdown"):
        return None

    def abort() -> None:
        sock.shutdown(socket.SHUT_RDWR)

    return abort


def _aiohttp_aborter(response: httpx.Response) -> Callable[[], None] | None:
    # httpx wraps the transport's stream (BoundAsyncStream._stream); httpx-aiohttp's stream
    # keeps the aiohttp ClientResponse as _aiohttp_response.
    stream = getattr(response.stream, "_stream", response.stream)
    native = getattr(stream, "_aiohttp_response", None)
    close = getattr(native, "close", None)
    if not callable(close):
        return None

    def abort() -> None:
        # Looked up now, not earlier: once the body ended aiohttp gives the connection back to
        # its pool, and its socket is then another request's.
        connection = getattr(native, "connection", None)
        if connection is None:
            return
        transport = getattr(connection, "transport", None)
        sock = transport.get_extra_info("socket") if transport is not None else None
        # asyncio closes a transport's socket only on its next loop iteration: shut it down
        # first so the peer sees the connection end now, then let aiohttp drop the connection.
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        close()

    return abort


def aborter_for(response: httpx.Response) -> Callable[[], None] | None:
    """A synchronous action that drops the response's connection, or None."""
    return _socket_aborter(response) or _aiohttp_aborter(response)
