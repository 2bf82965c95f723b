"""Synchronous "abort" actions for an open httpx response, per transport (see ``_resources.py``).

An abandoned stream must release its connection at once, from sync code (``__del__``), where
nothing can be awaited. What can be done synchronously depends on the transport under httpx:

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

__all__ = ["aborter_for"]


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
