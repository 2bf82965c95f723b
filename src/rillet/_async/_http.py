"""Sending one request: retries before the first byte, deadlines, and httpx errors mapped to ours.

What is retried and how long to wait is ``_retry.py``'s business (pure); this module does the
attempts and the sleeping. Redirects are never followed, whatever the client's setting: a
redirect is raised as an ``APIStatusError`` naming its target, so an API key is never sent to
another URL. Every error built from a response passes through ``redact``: a server that echoes
the request's credentials does not get them into an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import msgspec

from .._async_compat import sleep
from .._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    StreamDecodeError,
    StreamError,
    StreamFormatError,
    StreamInterruptedError,
    StreamProviderError,
    StreamTimeoutError,
    status_error,
)
from .._retry import retry_delay, should_retry_status
from .._secret import Redactor

__all__ = [
    "deadline_after",
    "error_body",
    "interrupted",
    "past_deadline",
    "read_json",
    "redact",
    "request_id",
    "send",
    "total_timeout_error",
]

T = TypeVar("T")
E = TypeVar("E", bound=APIError)


def request_id(response: httpx.Response) -> str | None:
    headers = response.headers
    value: str | None = headers.get("x-request-id") or headers.get("request-id")
    return value


def error_body(content: bytes) -> object:
    """The decoded error body: the inner ``error`` object when there is one, else the JSON or text."""
    try:
        body: object = msgspec.json.decode(content)
    except msgspec.DecodeError:
        return content.decode("utf-8", "replace")
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return body


def redact(error: E, request: httpx.Request) -> E:
    """``error`` with the request's credentials taken out of its message, ``body``, ``raw`` and
    ``headers`` (a server may echo a key back). Returns the same object."""
    redactor = Redactor.for_headers(request.headers.items())
    if not redactor:
        return error
    error.message = redactor.text(error.message)
    error.args = (error.message,)
    if isinstance(error, StreamError):
        error.raw = redactor.bytes(error.raw)
    if isinstance(error, (APIStatusError, StreamProviderError, StreamFormatError)):
        error.body = redactor.value(error.body)
    if isinstance(error, APIStatusError):
        error.headers = {name: redactor.text(value) for name, value in error.headers.items()}
    return error


def _status_error(response: httpx.Response, body: object) -> APIStatusError:
    request = response.request
    error = status_error(
        response.status_code,
        body=body,
        request_id=request_id(response),
        headers=dict(response.headers),
        method=request.method,
        url=str(request.url),
    )
    return redact(error, request)


def _timed_out(exc: httpx.TransportError) -> bool:
    """Whether a transport error is a timeout. httpx-aiohttp maps every aiohttp connection
    error (a server disconnect too) to ``httpx.ConnectTimeout``: its cause tells the truth."""
    if not isinstance(exc, httpx.TimeoutException):
        return False
    cause = exc.__cause__
    return not (
        cause is not None
        and type(cause).__module__.startswith("aiohttp")
        and not isinstance(cause, TimeoutError)
    )


def _retryable(exc: httpx.TransportError) -> bool:
    """Transport errors worth another attempt: not those that would fail the same way again."""
    return not isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError))


def _transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    where = f"{request.method} {request.url}"
    if _timed_out(exc):
        return APITimeoutError(
            f"{where} timed out ({type(exc).__name__}); raise timeout= if the server is slow",
            method=request.method,
            url=str(request.url),
        )
    return APIConnectionError(
        f"{where} failed: {type(exc).__name__}: {exc}", method=request.method, url=str(request.url)
    )


def deadline_after(total_timeout: float | None) -> float | None:
    """The ``time.monotonic()`` instant a request started now must end by (None: no limit)."""
    return None if total_timeout is None else time.monotonic() + total_timeout


def total_timeout_error(request: httpx.Request) -> APITimeoutError:
    return APITimeoutError(
        f"{request.method} {request.url}: the total timeout passed before a response came",
        method=request.method,
        url=str(request.url),
    )


def _limit_timeouts(request: httpx.Request, deadline: float) -> None:
    """Lower the request's connect/read/write/pool timeouts to the time left before
    ``deadline`` (the transports read them per attempt from the request's extensions)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise total_timeout_error(request)
    timeouts = dict(request.extensions.get("timeout") or {})
    for name in ("connect", "read", "write", "pool"):
        value = timeouts.get(name)
        timeouts[name] = left if value is None else min(value, left)
    request.extensions["timeout"] = timeouts


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    max_retries: int,
    deadline: float | None = None,
) -> httpx.Response:
    """Send ``request`` and return the open 2xx response (body not read yet).

    Connection errors and timeouts (no response yet, or an error response whose body broke
    off) and retryable statuses are retried up to ``max_retries`` times, after the wait
    ``_retry.py`` computes; nothing here runs once a 2xx response is handed back. With a
    ``deadline`` (``time.monotonic()``), no attempt or wait goes past it: the last error is
    raised instead. Redirects are not followed, whatever the client's ``follow_redirects``.
    """
    retries = 0
    while True:
        if deadline is not None:
            _limit_timeouts(request, deadline)
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
            if response.is_success:
                return response
            body = await _error_body(response)
        except httpx.TransportError as exc:  # no response, or its error body broke off
            if retries >= max_retries or not _retryable(exc):
                raise _transport_error(exc, request) from exc
            delay = retry_delay(retries)
            if not _time_left(deadline, delay):
                raise _transport_error(exc, request) from exc
        else:
            headers = response.headers
            if retries >= max_retries or not should_retry_status(
                response.status_code, headers, body
            ):
                raise _status_error(response, body)
            delay = retry_delay(retries, headers)
            if not _time_left(deadline, delay):
                raise _status_error(response, body)
        await sleep(delay)
        retries += 1


async def _error_body(response: httpx.Response) -> object:
    """Read and close a non-2xx response; its decoded error body."""
    try:
        content = await response.aread()
    except httpx.DecodingError:  # a broken content-encoding: the status says enough
        content = b""
    finally:
        await response.aclose()
    return error_body(content)


def _time_left(deadline: float | None, delay: float) -> bool:
    """Whether waiting ``delay`` s still leaves time for another attempt before ``deadline``."""
    return deadline is None or time.monotonic() + delay < deadline


def interrupted(
    exc: httpx.TransportError, response: httpx.Response, partial_text: str
) -> StreamInterruptedError:
    """The error for a connection that broke (or timed out) while the body was being read."""
    request = response.request
    where = f"{request.method} {request.url}"
    cls: type[StreamInterruptedError]
    if _timed_out(exc):
        cls = StreamTimeoutError
        what = (
            f"{where} timed out while reading the response ({type(exc).__name__}): the server "
            "stopped sending; the text received so far is in .partial_text"
        )
    else:
        cls = StreamInterruptedError
        what = (
            f"{where}: the connection broke while reading the response ({type(exc).__name__}: "
            f"{exc}); the text received so far is in .partial_text"
        )
    return redact(
        cls(
            what,
            partial_text=partial_text,
            request_id=request_id(response),
            status_code=response.status_code,
            method=request.method,
            url=str(request.url),
        ),
        request,
    )


def past_deadline(
    response: httpx.Response, total_timeout: float, partial_text: str
) -> StreamTimeoutError:
    """The error for a stream still running when its total timeout passed."""
    request = response.request
    seconds = f"{total_timeout:g}"
    return StreamTimeoutError(
        f"{request.method} {request.url}: the total timeout of {seconds} s passed while "
        "reading the response; the text received so far is in .partial_text",
        partial_text=partial_text,
        request_id=request_id(response),
        status_code=response.status_code,
        method=request.method,
        url=str(request.url),
    )


async def read_json(
    client: httpx.AsyncClient,
    request: httpx.Request,
    decode: Callable[[bytes], T],
    *,
    max_retries: int,
    what: str,
    total_timeout: float | None = None,
) -> T:
    """Send ``request`` (with retries, see ``send``) and decode the whole JSON body as ``what``."""
    response = await send(
        client, request, max_retries=max_retries, deadline=deadline_after(total_timeout)
    )
    try:
        content = await response.aread()
    except httpx.TransportError as exc:
        raise interrupted(exc, response, "") from exc
    except httpx.DecodingError as exc:  # a broken content-encoding
        raise _undecodable(response, what, b"", exc) from exc
    finally:
        await response.aclose()
    try:
        return decode(content)
    except msgspec.DecodeError as exc:
        raise _undecodable(response, what, content, exc) from exc


def _undecodable(
    response: httpx.Response, what: str, raw: bytes, exc: Exception
) -> StreamDecodeError:
    request = response.request
    return redact(
        StreamDecodeError(
            f"{request.method} {request.url} returned a body that is not {what}: {exc}",
            raw=raw,
            request_id=request_id(response),
            status_code=response.status_code,
            method=request.method,
            url=str(request.url),
        ),
        request,
    )
