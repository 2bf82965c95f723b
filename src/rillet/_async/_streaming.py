"""The one loop that reads a streamed response, for every provider.

Open the response (``send``: retries before the first byte), register its socket aborter so an
abandoned stream shuts the connection at once, feed the body's bytes to the provider's
``StreamReader``, yield the chunks it returns, drain what follows the terminal frame, and map a
broken connection to ``APIConnectionError`` with the partial text. What a frame means is the
reader's business (pure, in ``_openai_read.py``, ``_anthropic.py``, ``_ollama.py``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TypeVar

import httpx

from .._async_compat import defer
from .._outputs import GenerationChunk
from .._resources import Resources
from .._stream_reader import StreamReader
from ._http import interrupted, request_id, send, socket_aborter
from ._stream import closing_iter

__all__ = ["stream_response"]

Frame = TypeVar("Frame")


async def stream_response(
    client: httpx.AsyncClient,
    request: httpx.Request,
    reader: StreamReader[Frame],
    *,
    max_retries: int,
    resources: Resources,
) -> AsyncGenerator[GenerationChunk, None]:
    """Send ``request`` and yield candidate 0's chunks as ``reader`` decodes them.

    When it ends, ``reader.builder`` holds the whole run. Raises the reader's typed errors, and
    ``IncompleteStreamError`` when the body ends before the terminal frame.
    """
    response = await send(client, request, max_retries=max_retries)
    abort = socket_aborter(response)
    if abort is not None:
        resources.register(abort)
    reader.request_id = request_id(response)
    frames = reader.frames
    try:
        async with closing_iter(response.aiter_bytes()) as body:
            async for raw in body:
                for frame in frames.feed(raw):
                    chunk = reader.feed(frame)
                    if chunk is not None:
                        yield chunk
                    if reader.done:
                        break
                if reader.done:
                    break
            if reader.done:
                # Read to the end after the terminal frame (normally nothing is left): an
                # exhausted response returns its connection to the pool for the next request.
                async for _ in body:
                    pass
            else:
                for frame in frames.flush():  # NDJSON: a last line without its LF still counts
                    chunk = reader.feed(frame)
                    if chunk is not None:
                        yield chunk
    except httpx.TransportError as exc:
        raise interrupted(exc, request, reader.builder.text(0)) from exc
    finally:
        if abort is not None:
            resources.unregister(abort)
        if resources.aborted:
            # Abandoned: this generator is being closed synchronously, where nothing may be
            # awaited; the socket is already shut down, the response is released by the loop.
            defer(response.aclose)
        else:
            await response.aclose()
    reader.finish()
