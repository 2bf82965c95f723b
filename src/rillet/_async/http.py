"""Sending one request: retries before the first byte, deadlines, and reading a whole JSON body.

What is retried and how long to wait is ``_retry.py``'s business, and how an httpx outcome becomes
our error is ``_http_errors.py``'s (both pure); this module does the attempts, the reads and the
sleeping. Redirects are never followed, whatever the client's setting: a redirect is raised as an
``APIStatusError`` naming its target, so an API key is never sent to another URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
import msgspec

from .._async_compat import sleep
from .._http_errors import (
    deadline_after,
    error_body,
    interrupted,
    limit_timeouts,
    response_error,
    retryable,
    time_left,
    transport_error,
    undecodable,
)
from .._retry import retry_delay, should_retry_status

__all__ = ["read_json", "send"]

T = TypeVar("T")


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
            limit_timeouts(request, deadline)
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
            if response.is_success:
                return response
            body = await _error_body(response)
        except httpx.TransportError as exc:  # no response, or its error body broke off
            if retries >= max_retries or not retryable(exc):
                raise transport_error(exc, request) from exc
            delay = retry_delay(retries)
            if not time_left(deadline, delay):
                raise transport_error(exc, request) from exc
        else:
            headers = response.headers
            if retries >= max_retries or not should_retry_status(
                response.status_code, headers, body
            ):
                raise response_error(response, body)
            delay = retry_delay(retries, headers)
            if not time_left(deadline, delay):
                raise response_error(response, body)
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
        raise undecodable(response, what, b"", exc) from exc
    finally:
        await response.aclose()
    try:
        return decode(content)
    except msgspec.DecodeError as exc:
        raise undecodable(response, what, content, exc) from exc
