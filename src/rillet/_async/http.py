"""Sending one request: retries before the first byte, deadlines, and reading a whole JSON body.

What is retried and how long to wait is ``_retry.py``'s business, and how an httpx outcome becomes
our error is ``_http_errors.py``'s (both pure); this module does the attempts, the reads and the
sleeping. Redirects are never followed, whatever the client's setting: a redirect is raised as an
``APIStatusError`` naming its target, so an API key is never sent to another URL.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import httpx

from .._abort import aborter_for
from .._async_compat import connection_aborter, sleep, until_deadline, within_deadline
from .._http_errors import (
    deadline_after,
    error_body,
    interrupted,
    limit_timeouts,
    response_error,
    retryable,
    time_left,
    too_large,
    total_timeout_error,
    transport_error,
    undecodable,
)
from .._rate_limit import RateLimiter
from .._retry import retry_delay, should_retry_status
from .._wire.limits import DEFAULT_LIMITS, RAW_PREFIX, BodyReader, DeadlinePassed, SizeLimits

__all__ = ["body_reads", "read_json", "send"]

T = TypeVar("T")


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    max_retries: int,
    deadline: float | None = None,
    limits: SizeLimits = DEFAULT_LIMITS,
    rate_limiter: RateLimiter | None = None,
) -> httpx.Response:
    """Send ``request`` and return the open 2xx response (body not read yet).

    Connection errors and timeouts (no response yet, or an error response whose body broke
    off) and retryable statuses are retried up to ``max_retries`` times, after the wait
    ``_retry.py`` computes; nothing here runs once a 2xx response is handed back. With a
    ``deadline`` (``time.monotonic()``), no wait goes past it (connecting, the headers, an
    error body, a retry's pause): ``APITimeoutError`` then. Redirects are not followed,
    whatever the client's ``follow_redirects``. An error body is read up to
    ``limits.max_error_body_bytes``. Every attempt first waits for ``rate_limiter``, if any.
    """
    retries = 0
    while True:
        if rate_limiter is not None:
            await _acquire(rate_limiter, request, deadline)
        if deadline is not None:
            limit_timeouts(request, deadline)
        error: httpx.TransportError | None = None
        with within_deadline(deadline, connection_aborter(client, request)) as expiry:
            try:
                response = await client.send(request, stream=True, follow_redirects=False)
            except httpx.TransportError as exc:  # no response
                error = exc
        if expiry.expired:
            raise total_timeout_error(request, "the response headers") from error
        if error is None:
            if response.is_success:
                return response
            try:
                body, cut = await _error_body(response, limits, deadline)
            except httpx.TransportError as exc:  # its error body broke off
                error = exc
        if error is not None:
            if retries >= max_retries or not retryable(error):
                raise transport_error(error, request) from error
            delay = retry_delay(retries)
            if not time_left(deadline, delay):
                raise transport_error(error, request) from error
        else:
            headers = response.headers
            if retries >= max_retries or not should_retry_status(
                response.status_code, headers, body
            ):
                raise response_error(response, body, cut)
            delay = retry_delay(retries, headers)
            if not time_left(deadline, delay):
                raise response_error(response, body, cut)
        await sleep(delay)
        retries += 1


async def _acquire(limiter: RateLimiter, request: httpx.Request, deadline: float | None) -> None:
    """Wait until ``limiter`` grants a request (not past the deadline)."""
    while True:
        wait = limiter.try_acquire()
        if wait <= 0:
            return
        if deadline is not None and time.monotonic() + wait > deadline:
            raise total_timeout_error(request, "the rate limiter")
        await sleep(wait)


async def _error_body(
    response: httpx.Response, limits: SizeLimits, deadline: float | None
) -> tuple[object, int | None]:
    """Read (at most ``max_error_body_bytes`` of) and close a non-2xx response: its decoded
    error body, and the limit it was cut at (None: read whole). Raises ``APITimeoutError``
    when the deadline passes while it trickles in."""
    try:
        content, cut = await _read_bounded(response, limits.max_error_body_bytes, deadline)
    except DeadlinePassed:
        raise total_timeout_error(
            response.request, f"the body of an HTTP {response.status_code} error"
        ) from None
    except httpx.DecodingError:  # a broken content-encoding: the status says enough
        content, cut = b"", False
    finally:
        await response.aclose()
    if cut:  # a prefix is no JSON: keep it as text
        return content.decode("utf-8", "replace"), limits.max_error_body_bytes
    return error_body(content), None


def body_reads(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body of a streamed ``response`` as the transport reads it. Without a
    ``content-encoding`` the bytes are the body itself, so they come straight from the
    transport's stream: ``aiter_bytes`` would add two generator levels and a decoder call per
    read for nothing (the stream is still the client's, closed by ``response.aclose()``).
    With one (gzip...), ``aiter_bytes`` decodes them."""
    stream = response.stream
    if "content-encoding" in response.headers or not isinstance(stream, httpx.AsyncByteStream):
        return response.aiter_bytes()
    return stream.__aiter__()


async def _read_bounded(
    response: httpx.Response, limit: int, deadline: float | None
) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of ``response``'s (decoded) body, and whether it was longer.
    gzip/deflate are decoded here with a bounded output (a bomb costs at most ``limit``);
    raises ``DeadlinePassed`` when the deadline passes first."""
    encoding = response.headers.get("content-encoding")
    collected = BodyReader(limit, encoding)
    pieces = response.aiter_raw() if BodyReader.handles(encoding) else response.aiter_bytes()
    with until_deadline(pieces, deadline, aborter_for(response)) as reads:
        async for piece in reads:
            if not collected.feed(piece):
                return collected.content(), True
    return collected.content(), False


async def read_json(
    client: httpx.AsyncClient,
    request: httpx.Request,
    decode: Callable[[bytes], T],
    *,
    max_retries: int,
    what: str,
    total_timeout: float | None = None,
    limits: SizeLimits = DEFAULT_LIMITS,
    rate_limiter: RateLimiter | None = None,
) -> T:
    """Send ``request`` (with retries, see ``send``) and decode the whole JSON body as ``what``:
    at most ``limits.max_response_bytes`` of it, before the deadline."""
    deadline = deadline_after(total_timeout)
    response = await send(
        client,
        request,
        max_retries=max_retries,
        deadline=deadline,
        limits=limits,
        rate_limiter=rate_limiter,
    )
    try:
        content, cut = await _read_bounded(response, limits.max_response_bytes, deadline)
    except DeadlinePassed:
        raise total_timeout_error(request, "the whole response body") from None
    except httpx.TransportError as exc:
        raise interrupted(exc, response, "") from exc
    except httpx.DecodingError as exc:  # a broken content-encoding
        raise undecodable(response, what, b"", exc) from exc
    finally:
        await response.aclose()
    if cut:
        raise too_large(response, limits.max_response_bytes, content)
    try:
        return decode(content)
    except (ValueError, RecursionError) as exc:  # msgspec: also bad UTF-8, deep JSON
        raise undecodable(response, what, content[:RAW_PREFIX], exc) from exc
