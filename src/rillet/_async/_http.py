"""Sending one request: retries before the first byte, and httpx errors mapped to ours."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TypeVar

import httpx
import msgspec

from .._async_compat import sleep
from .._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    StreamDecodeError,
    status_error,
)
from .._retry import retry_delay, should_retry_status

__all__ = ["error_body", "interrupted", "read_json", "request_id", "send", "socket_aborter"]

T = TypeVar("T")


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


def _status_error(response: httpx.Response) -> APIStatusError:
    request = response.request
    return status_error(
        response.status_code,
        body=error_body(response.content),
        request_id=request_id(response),
        headers=dict(response.headers),
        method=request.method,
        url=str(request.url),
    )


def _transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    where = f"{request.method} {request.url}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{where} timed out ({type(exc).__name__})", method=request.method, url=str(request.url)
        )
    return APIConnectionError(
        f"{where} failed: {type(exc).__name__}: {exc}", method=request.method, url=str(request.url)
    )


async def send(
    client: httpx.AsyncClient, request: httpx.Request, *, max_retries: int
) -> httpx.Response:
    """Send ``request`` and return the open 2xx response (body not read yet).

    Connection errors, timeouts and retryable statuses are retried up to ``max_retries`` times
    with backoff; nothing here runs once the caller starts reading the body.
    """
    retries = 0
    while True:
        try:
            response = await client.send(request, stream=True)
        except httpx.TransportError as exc:
            if retries >= max_retries:
                raise _transport_error(exc, request) from exc
            await sleep(retry_delay(retries))
            retries += 1
            continue
        if response.is_success:
            return response
        try:
            await response.aread()
        except httpx.TransportError as exc:
            raise _transport_error(exc, request) from exc
        finally:
            await response.aclose()
        if retries < max_retries and should_retry_status(response.status_code, response.headers):
            await sleep(retry_delay(retries, response.headers))
            retries += 1
            continue
        raise _status_error(response)


def socket_aborter(response: httpx.Response) -> Callable[[], None] | None:
    """A synchronous action that shuts the response's socket down (see ``_resources.py``)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None or not hasattr(sock, "shutdown"):
        return None

    def abort() -> None:
        sock.shutdown(socket.SHUT_RDWR)

    return abort


def interrupted(
    exc: httpx.TransportError, request: httpx.Request, partial_text: str
) -> APIConnectionError:
    """The error for a connection that broke (or timed out) while the body was being read."""
    where = f"{request.method} {request.url}"
    error: APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        error = APITimeoutError(
            f"{where} timed out while reading the response ({type(exc).__name__})",
            method=request.method,
            url=str(request.url),
        )
    else:
        error = APIConnectionError(
            f"{where}: the connection broke while reading the response: {exc!r}",
            method=request.method,
            url=str(request.url),
        )
    error.partial_text = partial_text
    return error


async def read_json(
    client: httpx.AsyncClient,
    request: httpx.Request,
    decode: Callable[[bytes], T],
    *,
    max_retries: int,
    what: str,
) -> T:
    """Send ``request`` (with retries, see ``send``) and decode the whole JSON body as ``what``."""
    response = await send(client, request, max_retries=max_retries)
    try:
        content = await response.aread()
    except httpx.TransportError as exc:
        raise interrupted(exc, request, "") from exc
    finally:
        await response.aclose()
    try:
        return decode(content)
    except msgspec.DecodeError as exc:
        raise StreamDecodeError(
            f"{request.method} {request.url} returned a body that is not {what}: {exc}",
            raw=content,
            request_id=request_id(response),
        ) from exc
