"""The sans-I/O half of reading a provider's stream: frames in, text chunks out.

The I/O loop (``_async/_streaming.py``) is the same for every provider: it feeds the response's
bytes to a ``StreamReader``'s frame decoder (SSE events or NDJSON lines), hands each frame to
``feed`` and yields the chunks it returns. A provider only writes its reader: how a frame updates
the ``GenerationBuilder`` (text per candidate index, finish reasons, usage, model), which frame
ends the stream, and which ones are errors. Errors come out typed, with the text streamed so far.
"""

from __future__ import annotations

import abc
from typing import ClassVar, Generic, Protocol, TypeVar

import msgspec

from ._errors import IncompleteStreamError, StreamDecodeError, StreamProviderError
from ._ndjson import NDJSONDecoder
from ._outputs import GenerationBuilder, GenerationChunk
from ._sse import ServerSentEvent, SSEDecoder

__all__ = ["FrameDecoder", "NDJSONStreamReader", "SSEStreamReader", "StreamReader"]

Frame = TypeVar("Frame")


class FrameDecoder(Protocol[Frame]):
    """Splits a byte stream into frames: ``SSEDecoder`` (events), ``NDJSONDecoder`` (lines)."""

    def feed(self, chunk: bytes) -> list[Frame]: ...

    def flush(self) -> list[Frame]: ...


class StreamReader(abc.ABC, Generic[Frame]):
    """Reads one streamed response into ``builder``.

    ``feed`` returns the chunk to yield for a frame (candidate 0's text, never empty) or None,
    and sets ``done`` at the terminal frame; ``finish`` is called at EOF and raises
    ``IncompleteStreamError`` if the stream was cut short.
    """

    terminal: ClassVar[str]
    """The frame that ends a complete stream, as the error message names it."""

    __slots__ = ("builder", "done", "frames", "request_id", "url")

    def __init__(
        self, builder: GenerationBuilder, *, url: str, frames: FrameDecoder[Frame]
    ) -> None:
        self.builder = builder
        self.url = url
        self.frames = frames
        self.done = False
        self.request_id: str | None = None  # set by the I/O loop once the response is open

    @abc.abstractmethod
    def feed(self, frame: Frame) -> GenerationChunk | None:
        """Apply one frame; return candidate 0's new text as a chunk, or None."""

    def finish(self) -> None:
        """End of the body: raise if the terminal frame never came."""
        if not self.done and not self._complete_without_terminal():
            raise IncompleteStreamError(
                f"the stream from {self.url} ended without {self.terminal}{self._eof_note()}",
                partial_text=self.builder.text(0),
                request_id=self.request_id,
            )

    def _complete_without_terminal(self) -> bool:
        return False

    def _eof_note(self) -> str:
        return ""

    # -- errors, with the partial text and the request id ----------------------------------

    def decode_error(self, what: str, raw: bytes, exc: msgspec.DecodeError) -> StreamDecodeError:
        return StreamDecodeError(
            f"undecodable {what} from {self.url}: {exc}; is this URL the API it should be?",
            raw=raw,
            partial_text=self.builder.text(0),
            request_id=self.request_id,
        )

    def provider_error(
        self, message: str | None, *, body: object, raw: bytes
    ) -> StreamProviderError:
        return StreamProviderError(
            f"error inside the stream from {self.url}: {message or 'the server reported an error'}",
            body=body,
            raw=raw,
            partial_text=self.builder.text(0),
            request_id=self.request_id,
        )


class SSEStreamReader(StreamReader[ServerSentEvent]):
    """A reader of a ``text/event-stream`` body."""

    __slots__ = ("_sse",)

    def __init__(self, builder: GenerationBuilder, *, url: str) -> None:
        self._sse = SSEDecoder()
        super().__init__(builder, url=url, frames=self._sse)

    def _eof_note(self) -> str:
        return " (a partial event was discarded)" if self._sse.discarded_pending else ""


class NDJSONStreamReader(StreamReader[bytes]):
    """A reader of an ``application/x-ndjson`` body (one JSON object per line)."""

    __slots__ = ()

    def __init__(self, builder: GenerationBuilder, *, url: str) -> None:
        super().__init__(builder, url=url, frames=NDJSONDecoder())
