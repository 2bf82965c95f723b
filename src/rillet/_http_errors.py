"""The pure half of the HTTP layer: httpx outcomes mapped to our errors, redaction, deadlines.

No I/O: everything here takes an ``httpx.Request``/``Response`` (or an exception) that already
exists and builds a value from it, so the generator has nothing to copy. ``_async/http.py`` (and
its sync twin) does the sending, reading and sleeping, and ``_async/read_loop.py`` the streaming;
both raise what these functions build. Every error built from a response passes through
``redact``: a server that echoes the request's credentials does not get them into an exception.
A deadline is a ``time.monotonic()`` instant (``deadline_after``); ``limit_timeouts`` lowers a
request's httpx timeouts to the time left before it.
"""

from __future__ import annotations

import time
from typing import TypeVar

import httpx
import msgspec

from ._values.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ResponseTooLargeError,
    StreamDecodeError,
    StreamError,
    StreamFormatError,
    StreamInterruptedError,
    StreamProviderError,
    StreamTimeoutError,
    status_error,
)
from ._values.secret import Redactor
from ._wire.limits import RAW_PREFIX

__all__ = [
    "deadline_after",
    "error_body",
    "interrupted",
    "limit_timeouts",
    "past_deadline",
    "redact",
    "request_id",
    "response_error",
    "retryable",
    "time_left",
    "timed_out",
    "too_large",
    "total_timeout_error",
    "transport_error",
    "undecodable",
]

E = TypeVar("E", bound=APIError)


def request_id(response: httpx.Response) -> str | None:
    headers = response.headers
    value: str | None = headers.get("x-request-id") or headers.get("request-id")
    return value


def error_body(content: bytes) -> object:
    """The decoded error body: the inner ``error`` object when there is one, else the JSON or text
    (also for JSON that is not UTF-8 or too deep to decode)."""
    try:
        body: object = msgspec.json.decode(content)
    except (ValueError, RecursionError):  # msgspec.DecodeError, UnicodeDecodeError
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
        try:
            error.body = redactor.value(error.body)
        except RecursionError:  # nested too deep to walk: keep its text, redacted
            error.body = redactor.text(repr(error.body)[:RAW_PREFIX])
    if isinstance(error, APIStatusError):
        error.headers = {name: redactor.text(value) for name, value in error.headers.items()}
    return error


def response_error(
    response: httpx.Response, body: object, cut: int | None = None
) -> APIStatusError:
    """The status error of a non-2xx response; ``cut``: the limit its body was cut at."""
    request = response.request
    error = status_error(
        response.status_code,
        body=body,
        request_id=request_id(response),
        headers=dict(response.headers),
        method=request.method,
        url=str(request.url),
    )
    if cut is not None:
        error.message += (
            f" (the error body was longer than {cut} bytes, max_error_body_bytes: .body holds "
            "its first bytes)"
        )
        error.args = (error.message,)
    return redact(error, request)


def timed_out(exc: httpx.TransportError) -> bool:
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


def retryable(exc: httpx.TransportError) -> bool:
    """Transport errors worth another attempt: not those that would fail the same way again."""
    return not isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError))


def transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    where = f"{request.method} {request.url}"
    if timed_out(exc):
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


def total_timeout_error(request: httpx.Request, waiting_for: str = "a response") -> APITimeoutError:
    return APITimeoutError(
        f"{request.method} {request.url}: the total timeout passed while waiting for "
        f"{waiting_for}; raise total_timeout= if the server is slow",
        method=request.method,
        url=str(request.url),
    )


def limit_timeouts(request: httpx.Request, deadline: float) -> None:
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


def time_left(deadline: float | None, delay: float) -> bool:
    """Whether waiting ``delay`` s still leaves time for another attempt before ``deadline``."""
    return deadline is None or time.monotonic() + delay < deadline


def interrupted(
    exc: httpx.TransportError, response: httpx.Response, partial_text: str
) -> StreamInterruptedError:
    """The error for a connection that broke (or timed out) while the body was being read."""
    request = response.request
    where = f"{request.method} {request.url}"
    cls: type[StreamInterruptedError]
    if timed_out(exc):
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


def too_large(response: httpx.Response, limit: int, raw: bytes) -> ResponseTooLargeError:
    """The error for a whole (non-streamed) body longer than ``max_response_bytes``."""
    request = response.request
    return redact(
        ResponseTooLargeError(
            f"{request.method} {request.url} returned a body of more than {limit} bytes "
            "(max_response_bytes); reading stopped there (.raw has its first bytes). If this "
            "answer really is that large, raise it: limits=SizeLimits(max_response_bytes=...)",
            limit_name="max_response_bytes",
            limit=limit,
            raw=raw[:RAW_PREFIX],
            request_id=request_id(response),
            status_code=response.status_code,
            method=request.method,
            url=str(request.url),
        ),
        request,
    )


def undecodable(
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
