"""The one loop that reads a streamed response, for every provider.

Open the response (``send``: retries before the first byte), refuse one whose content type is not
a stream, register its aborter so an abandoned stream drops the connection at once, feed the
body's bytes to the provider's ``StreamReader``, yield the chunks it returns (a list per network
read: one generator resume per read, not per chunk), drain what follows the terminal frame, and turn every failure into a typed ``StreamError`` carrying the text
received so far, the status, the request id and the bytes at fault. What a frame means is the
reader's business (pure, in each provider's ``_providers/<name>/read.py``).

Failures, and where each is decided:

=====================================  ==============================  ==========================
what happened                          error                           decided by
=====================================  ==============================  ==========================
connection reset / closed mid-body     ``StreamInterruptedError``      here (``interrupted``)
a read timed out mid-body              ``StreamTimeoutError``          here (``interrupted``)
the total timeout passed mid-body      ``StreamTimeoutError``          here (``until_deadline``)
an event or line over max_event_bytes  ``ResponseTooLargeError``       the frame decoder
JSON / HTML instead of a stream        ``UnexpectedContentTypeError``  the reader (``accepts``)
empty body, or one without a frame     ``EmptyStreamError`` /          the reader (``finish``)
                                       ``StreamFormatError``
no terminal frame before EOF           ``IncompleteStreamError``       the reader (``finish``)
error object, undecodable event        ``StreamProviderError`` /       the reader (``feed``,
                                       ``StreamDecodeError``           ``feed_all``)
=====================================  ==============================  ==========================

Chunks yielded before a failure stay yielded; nothing is retried once the response is open.

The terminal frame ends the stream: what follows it is drained only briefly (``DRAIN_BYTES`` within
``DRAIN_SECONDS``, enough for the chunked body's last chunk, so the connection can be reused); a
server that keeps sending pings, or holds the body open, gets its connection closed instead.
``total_timeout`` is a deadline on every read (``until_deadline``: a cancel scope per read in the
async twin, only when a total timeout is set; one watchdog per stream in the sync twin).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

import httpx

from .._abort import Resources, aborter_for
from .._async_compat import defer, until_deadline
from .._http_errors import deadline_after, interrupted, past_deadline, redact, request_id
from .._rate_limit import RateLimiter
from .._values.errors import StreamDecodeError, StreamError
from .._wire.limits import (
    DEFAULT_LIMITS,
    DRAIN_BYTES,
    DRAIN_SECONDS,
    DeadlinePassed,
    FrameTooLarge,
    SizeLimits,
)
from .._wire.reader import RAW_LIMIT, StreamReader
from .http import body_reads, send
from .stream import closing_iter, each_chunk

__all__ = ["stream_batches", "stream_response"]

Frame = TypeVar("Frame")
Chunk = TypeVar("Chunk")


def stream_response(
    client: httpx.AsyncClient,
    request: httpx.Request,
    reader: StreamReader[Frame, Chunk],
    *,
    max_retries: int,
    resources: Resources,
    total_timeout: float | None = None,
    limits: SizeLimits = DEFAULT_LIMITS,
    rate_limiter: RateLimiter | None = None,
) -> AsyncGenerator[Chunk, None]:
    """``stream_batches``, one chunk at a time."""
    return each_chunk(
        stream_batches(
            client,
            request,
            reader,
            max_retries=max_retries,
            resources=resources,
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
        )
    )


async def stream_batches(
    client: httpx.AsyncClient,
    request: httpx.Request,
    reader: StreamReader[Frame, Chunk],
    *,
    max_retries: int,
    resources: Resources,
    total_timeout: float | None = None,
    limits: SizeLimits = DEFAULT_LIMITS,
    rate_limiter: RateLimiter | None = None,
) -> AsyncGenerator[list[Chunk], None]:
    """Send ``request`` and yield the chunks ``reader`` decodes (candidate 0's, for an LLM), as
    one list per network read: the consumer resumes this generator once per read, not once per
    chunk (the lists are never empty, and the consumer may keep them).

    When it ends, ``reader.builder`` holds the whole run. Raises the typed errors in the table
    above. ``total_timeout`` (seconds) is a deadline for the whole call, retries included:
    every wait (connecting, the headers, an error body, each read of the body) ends by then.
    An event or line longer than ``limits.max_event_bytes`` ends the stream.
    """
    deadline = deadline_after(total_timeout)
    response = await send(
        client,
        request,
        max_retries=max_retries,
        deadline=deadline,
        limits=limits,
        rate_limiter=rate_limiter,
    )
    abort = aborter_for(response)
    if abort is not None:
        resources.register(abort)
    reader.request_id = request_id(response)
    reader.status_code = response.status_code
    frames = reader.frames
    frames.max_bytes = limits.max_event_bytes
    frame: Frame | None = None  # the last frame being fed at EOF, for an error about it
    # The body until its first frame: reported as `raw` if the body turns out not to be a stream.
    head: list[bytes] | None = []
    head_size = 0
    first = b""  # the body up to its first frame (kept for a stream that is only a terminal)
    raw = b""
    finished = False  # the body was read to its end
    try:
        async with closing_iter(body_reads(response)) as body:
            content_type = response.headers.get("content-type")
            if not reader.accepts(content_type):
                raise reader.not_a_stream(await _read_head(body), content_type)
            with until_deadline(body, deadline, abort) as reads:
                async for raw in reads:
                    if head is not None and head_size < RAW_LIMIT:
                        head.append(raw)
                        head_size += len(raw)
                    chunks: list[Chunk] = []
                    try:
                        framed = reader.feed_read(raw, chunks)  # frames, then feed_all
                    except Exception:
                        if chunks:  # the chunks before the failing frame stay yielded
                            yield chunks
                        raise
                    if framed:
                        if head is not None:
                            first, head = b"".join(head)[:RAW_LIMIT], None
                        if chunks:
                            yield chunks
                        if reader.done:
                            break
            if reader.done:
                # The stream is over. Drain what is left only briefly (normally nothing but the
                # body's last chunk): then the connection goes back to the pool; a server that
                # keeps the body open (pings, or nothing) has the connection closed instead.
                finished = await _drain(body, abort)
            else:
                batch = frames.flush()  # NDJSON: a last line without its LF still counts
                if batch and head is not None:
                    first, head = b"".join(head)[:RAW_LIMIT], None
                for frame in batch:
                    try:
                        chunk = reader.feed(frame)
                    except StreamDecodeError as exc:  # a last line cut off mid-way
                        raise reader.cut_short(exc.raw) from exc
                    if chunk is not None:
                        yield [chunk]
                finished = True
    except DeadlinePassed:
        assert total_timeout is not None
        raise past_deadline(response, total_timeout, reader.builder.text(0)) from None
    except FrameTooLarge as exc:
        raise redact(reader.too_large(exc), request) from None
    except (UnicodeDecodeError, RecursionError) as exc:  # a last line (feed_all: the reader)
        raise redact(reader.undecodable(frame, exc), request) from None
    except httpx.TransportError as exc:
        raise interrupted(exc, response, reader.builder.text(0)) from exc
    except httpx.DecodingError as exc:  # a broken content-encoding (gzip...)
        raise redact(
            StreamDecodeError(
                f"{request.method} {request.url}: the response body could not be decoded: {exc}",
                partial_text=reader.builder.text(0),
                request_id=reader.request_id,
                status_code=response.status_code,
                method=request.method,
                url=str(request.url),
            ),
            request,
        ) from exc
    except StreamError as exc:
        redact(exc, request)
        raise
    finally:
        if abort is not None:
            resources.unregister(abort)
        if resources.aborted:
            # Abandoned: this generator is being closed synchronously, where nothing may be
            # awaited; the connection is already dropped, the response is released by the loop.
            defer(response.aclose)
        else:
            if abort is not None and not finished:
                # Stopped early (closed, cancelled, failed): the connection cannot be reused, so
                # drop it now; some transports (aiohttp) would close the socket a loop tick later.
                try:
                    abort()
                except OSError:  # already closed (a reset): nothing left to drop
                    pass
            await response.aclose()
    try:
        if reader.done:
            if reader.produced_nothing():
                # The terminal frame came first: e.g. an `error:` line (not an SSE field) then
                # `data: [DONE]`, as older llama.cpp builds answer a prompt that is too long.
                raise reader.not_a_stream(first, None)
        else:
            reader.finish(head=b"".join(head)[:RAW_LIMIT] if head is not None else None, tail=raw)
    except StreamError as exc:
        redact(exc, request)
        raise
    if rate_limiter is not None:  # tokens per minute: count what the provider reported
        usage = getattr(reader.builder, "usage", None)
        rate_limiter.record_tokens(getattr(usage, "total_tokens", 0) or 0)


async def _drain(body: AsyncIterator[bytes], abort: Callable[[], None] | None) -> bool:
    """Read what follows the terminal frame for at most ``DRAIN_SECONDS`` and ``DRAIN_BYTES``;
    whether the body ended (its connection is then reusable)."""
    drained = 0
    try:
        with until_deadline(body, time.monotonic() + DRAIN_SECONDS, abort) as rest:
            async for piece in rest:
                drained += len(piece)
                if drained > DRAIN_BYTES:
                    return False
    except DeadlinePassed:
        return False
    return True


async def _read_head(body: AsyncIterator[bytes]) -> bytes:
    """Up to ``RAW_LIMIT`` bytes of a body that is not a stream (the rest is not read)."""
    pieces: list[bytes] = []
    size = 0
    async for piece in body:
        pieces.append(piece)
        size += len(piece)
        if size >= RAW_LIMIT:
            break
    return b"".join(pieces)[:RAW_LIMIT]
