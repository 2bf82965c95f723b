"""The async twin's default transport on asyncio: httpx over aiohttp (``httpx-aiohttp``), hardened.

aiohttp's C HTTP parser is why this transport is the default (DESIGN.md decision 8), but a hostile
server showed four defects between it, httpx-aiohttp and httpx; each is worked around here, in the
one module that knows aiohttp (imported on asyncio only):

1. **A malformed chunk-size line after the headers hangs the reader forever** (aiohttp 3.14 with
   its C parser; the pure-Python parser raises). ``ResponseHandler.data_received`` closes the
   transport and sets the parser error on the *protocol* (whose message queue is long done), never
   on the body being read, and drops the read timer: the body waits for data that never comes.
   ``_Handler`` passes that error on to the body, which then raises ``ClientPayloadError``.
   (Reported upstream with a bare-aiohttp reproduction: see notes/issue-10.md.)
2. **Errors escape unmapped**: httpx-aiohttp maps only some aiohttp errors; a bad status line,
   a non-HTTP answer or oversized headers raise a raw ``aiohttp.ClientResponseError``, and
   reading a body whose connection is gone raises ``RuntimeError("Connection closed.")``.
   ``HardenedTransport`` maps every aiohttp error to the httpx error it means.
3. **Every connection error is reported as ``httpx.ConnectTimeout``** (a reset, a disconnect):
   mapped again to ``ConnectError``/``ReadError``/``RemoteProtocolError``, naming the cause.
4. **Credentials in the URL** (``http://user:pass@host``) make aiohttp refuse the request, since
   httpx has already turned them into an ``Authorization`` header: the URL goes without them.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
from aiohttp.client_proto import ResponseHandler
from aiohttp.http_exceptions import HttpProcessingError
from httpx_aiohttp import AiohttpTransport

__all__ = ["HardenedTransport", "new_transport"]


class _Handler(ResponseHandler):
    """aiohttp's protocol, passing a parser error after the headers on to the body (defect 1)."""

    def set_exception(self, exc: BaseException, *args: BaseException) -> None:
        payload = getattr(self, "_payload", None)
        super().set_exception(exc, *args)
        if (
            isinstance(exc, HttpProcessingError)  # a parser error (not a timeout, not EOF)
            and payload is not None
            and hasattr(payload, "set_exception")
            and not payload.is_eof()
            and payload.exception() is None
        ):
            payload.set_exception(aiohttp.ClientPayloadError(f"malformed response body: {exc}"))


def _session(limits: httpx.Limits, ssl_context: ssl.SSLContext) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=limits.max_connections or 0,
        keepalive_timeout=limits.keepalive_expiry,
        ssl=ssl_context,
    )
    factory = getattr(connector, "_factory", None)
    if isinstance(factory, functools.partial) and factory.func is ResponseHandler:
        connector._factory = functools.partial(  # type: ignore[assignment]  # a ResponseHandler subclass
            _Handler, *factory.args, **factory.keywords
        )
    return aiohttp.ClientSession(connector=connector)


def _mapped(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx error for an aiohttp (or asyncio) error, its message naming the real cause."""
    what = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        return httpx.ReadTimeout(what, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(what, request=request)
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError)):
        return httpx.RemoteProtocolError(what, request=request)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.ReadError(what, request=request)
    if isinstance(exc, (aiohttp.ClientOSError, OSError)):
        return httpx.ReadError(what, request=request)
    return httpx.RemoteProtocolError(what, request=request)


class _Body(httpx.AsyncByteStream):
    """httpx-aiohttp's response stream, every failure mapped to an httpx error (defect 2)."""

    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request
        # Where rillet's aborter finds the aiohttp response (see _abort.py).
        self._aiohttp_response = getattr(inner, "_aiohttp_response", None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for piece in self._inner:
                yield piece
        except httpx.TransportError as exc:
            cause = exc.__cause__
            if isinstance(exc, httpx.ConnectTimeout) and cause is not None:
                raise _mapped(cause, self._request) from cause
            raise
        except (aiohttp.ClientError, OSError) as exc:
            raise _mapped(exc, self._request) from exc
        except RuntimeError as exc:  # aiohttp: "Connection closed." (the connection is gone)
            raise httpx.ReadError(f"the connection closed: {exc}", request=self._request) from exc

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        except (httpx.TransportError, aiohttp.ClientError, OSError, RuntimeError):
            pass  # closing a broken response: nothing left to release


class HardenedTransport(AiohttpTransport):
    """httpx-aiohttp's transport with the defects above worked around."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)  # makes self.ssl_context (certifi), once
        self.client = functools.partial(_session, limits, self.ssl_context)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.userinfo:  # defect 4: httpx has put them into an Authorization header
            request.url = request.url.copy_with(userinfo=b"")
        try:
            response = await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:  # defect 3: what httpx-aiohttp makes of every error
            cause = exc.__cause__
            if cause is None or isinstance(
                cause, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)
            ):
                raise
            raise _mapped(cause, request) from cause
        except (aiohttp.ClientError, OSError) as exc:  # defect 2: escaped unmapped
            raise _mapped(exc, request) from exc
        response.stream = _Body(response.stream, request)  # type: ignore[arg-type]  # an AsyncByteStream
        return response

    def __del__(self) -> None:
        # Dropped without aclose() (a model used as a temporary, a client of an event loop that
        # has ended): close the session's connector now, synchronously (aiohttp's own sync half
        # of close()), so that no session or connector reports itself unclosed.
        session = self.client
        if isinstance(session, aiohttp.ClientSession) and not session.closed:
            close_now = getattr(session.connector, "_close", None)
            if callable(close_now):
                try:
                    close_now()
                except Exception:  # best effort, at garbage collection
                    pass


def new_transport() -> HardenedTransport:
    return HardenedTransport(
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    )
