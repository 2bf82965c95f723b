"""The sans-I/O half of reading a provider's stream: frames in, text chunks out.

The I/O loop (``_async/read_loop.py``) is the same for every provider: it feeds the response's
bytes to a ``StreamReader``'s frame decoder (SSE events or NDJSON lines), hands each frame to
``feed`` and yields the chunks it returns. A provider only writes its reader: how a frame updates
the ``GenerationBuilder`` (text per candidate index, finish reasons, usage, model), which frame
ends the stream, and which ones are errors.

Errors come out typed, with the text streamed so far, the response's status and request id, and
the bytes at fault. What the reader decides, and the I/O loop only reports:

=============================================  ===========================================
the response                                   error
=============================================  ===========================================
declares JSON, HTML or XML, not a stream       ``UnexpectedContentTypeError`` (not parsed)
has an empty body                              ``EmptyStreamError``
has a body without a single frame in it        ``StreamFormatError`` (e.g. a JSON error)
ends before the terminal frame                 ``IncompleteStreamError``
carries an error object                        ``StreamProviderError`` (from ``feed``)
carries undecodable JSON                       ``StreamDecodeError`` (from ``feed``)
=============================================  ===========================================
"""

from __future__ import annotations

import abc
import re
from typing import TYPE_CHECKING, ClassVar, Final, Generic, Protocol, TypeVar

import msgspec

from .._values.errors import (
    EmptyStreamError,
    IncompleteStreamError,
    ResponseTooLargeError,
    StreamDecodeError,
    StreamError,
    StreamFormatError,
    StreamProviderError,
    UnexpectedContentTypeError,
    error_message,
)
from .._values.outputs import GenerationBuilder
from .limits import FrameTooLarge
from .ndjson import NDJSONDecoder
from .sse import ServerSentEvent, SSEDecoder

if TYPE_CHECKING:
    from .._values.messages import UsageMetadata

__all__ = [
    "RAW_LIMIT",
    "FrameDecoder",
    "NDJSONStreamReader",
    "SSEStreamReader",
    "StreamReader",
    "media_type",
]

Frame = TypeVar("Frame")
Chunk = TypeVar("Chunk")

RAW_LIMIT: Final = 64 * 1024
"""At most this many bytes of a body that is not a stream are kept (as ``raw``)."""

# Whole documents, never a stream: JSON (also +json), HTML, XML (also +xml).
_DOCUMENT: Final = re.compile(r"(?:^|/|\+)(?:json|html|xml|xhtml\+xml)$")


def media_type(content_type: str | None) -> str:
    """The media type of a ``content-type`` value, lower-cased, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


class FrameDecoder(Protocol[Frame]):
    """Splits a byte stream into frames: ``SSEDecoder`` (events), ``NDJSONDecoder`` (lines)."""

    max_bytes: int
    """``feed`` raises ``FrameTooLarge`` once the frame it buffers passes this many bytes."""

    def feed(self, chunk: bytes) -> list[Frame]: ...

    def flush(self) -> list[Frame]: ...


class StreamReader(abc.ABC, Generic[Frame, Chunk]):
    """Reads one streamed response into ``builder``.

    ``feed`` returns the chunk to yield for a frame (for an LLM a ``GenerationChunk`` of
    candidate 0's text, never empty; for a chat model an ``AIMessageChunk``) or None,
    and sets ``done`` at the terminal frame (``feed_all`` does the same for all the frames of one
    network read); ``finish`` is called at EOF and raises if the stream
    was cut short or was not a stream at all.
    """

    terminal: ClassVar[str]
    """The frame that ends a complete stream, as the error message names it."""
    stream_type: ClassVar[str]
    """The media type the stream should have, for error messages."""

    __slots__ = ("builder", "done", "frames", "request_id", "status_code", "url")

    def __init__(
        self, builder: GenerationBuilder, *, url: str, frames: FrameDecoder[Frame]
    ) -> None:
        self.builder = builder
        self.url = url
        self.frames = frames
        self.done = False
        # Set by the I/O loop once the response is open.
        self.request_id: str | None = None
        self.status_code: int | None = None

    @abc.abstractmethod
    def feed(self, frame: Frame) -> Chunk | None:
        """Apply one frame; return the chunk to yield, or None."""

    def feed_all(self, frames: list[Frame], out: list[Chunk]) -> None:
        """``feed`` each frame in order, appending the chunks to ``out``; stop after the
        terminal frame. When a frame fails, the chunks of the frames before it are in ``out``.
        Readers may override it with a faster loop of the same meaning."""
        feed = self.feed
        for frame in frames:
            try:
                chunk = feed(frame)
            except (UnicodeDecodeError, RecursionError) as exc:  # msgspec: bad UTF-8, too deep
                raise self.undecodable(frame, exc) from None
            if chunk is not None:
                out.append(chunk)
            if self.done:
                return

    def feed_read(self, raw: bytes, out: list[Chunk]) -> bool:
        """Decode the frames of one network read (``raw``) and ``feed_all`` them into ``out``;
        whether the read completed a frame. Frame decoders with a faster path for a common
        shape of read override it (``SSEStreamReader``)."""
        frames = self.frames.feed(raw)
        if frames:
            self.feed_all(frames, out)
            return True
        return False

    def accepts(self, content_type: str | None) -> bool:
        """Whether a response of this content type may be read as the stream. Only what is
        certainly a whole document (JSON, HTML, XML) is refused; a missing or vague type
        (``text/plain``) is judged by its content."""
        return not _DOCUMENT.search(media_type(content_type))

    def finish(self, *, head: bytes | None = None, tail: bytes = b"") -> None:
        """End of the body: raise if the terminal frame never came.

        ``head`` is the whole body (its first ``RAW_LIMIT`` bytes) when it held no frame at all,
        None otherwise; ``tail`` is the last bytes received, for the partial frame they end on.
        """
        if self.done or self._complete_without_terminal():
            return
        if head is not None:
            raise self.not_a_stream(head, None)
        raise IncompleteStreamError(
            f"the stream from {self.url} ended without {self.terminal}{self._eof_note()}; "
            f"the text received so far is in .partial_text",
            partial_text=self.builder.text(0),
            request_id=self.request_id,
            status_code=self.status_code,
            raw=self.unterminated(tail),
            url=self.url,
        )

    def cut_short(self, raw: bytes) -> IncompleteStreamError:
        """The error for a body that ended inside its last frame (``raw``, undecodable): the
        same fault as a stream cut between frames, so the same error, for every provider."""
        return IncompleteStreamError(
            f"the stream from {self.url} ended in the middle of a line, without "
            f"{self.terminal}; the text received so far is in .partial_text",
            partial_text=self.builder.text(0),
            request_id=self.request_id,
            status_code=self.status_code,
            raw=raw,
            url=self.url,
        )

    def _complete_without_terminal(self) -> bool:
        return False

    def produced_nothing(self) -> bool:
        """True while no frame has left a trace: no text, finish reason, usage or model."""
        builder = self.builder
        return (
            builder.model_name is None
            and builder.usage is None
            and not builder.finished
            and not builder.text(0)
        )

    def _eof_note(self) -> str:
        return ""

    def unterminated(self, tail: bytes) -> bytes:
        """The partial frame at the end of ``tail`` (the last bytes of a cut stream)."""
        return tail

    # -- errors, with the partial text, the status and the request id -----------------------

    def not_a_stream(self, head: bytes, content_type: str | None) -> StreamError:
        """The error for a 2xx body that is not a stream: ``head`` is its first bytes, and
        ``content_type`` is given when that alone gave it away."""
        status = self.status_code
        if not head and content_type is None:
            return EmptyStreamError(
                f"{self.url} answered {status} with an empty body instead of a {self.stream_type} "
                "stream; the server may have refused the request (some do so for a prompt that "
                "is too long) without saying why",
                request_id=self.request_id,
                status_code=status,
                url=self.url,
            )
        body = self.error_in(head)
        message = error_message(body)
        said = f": {message}" if message is not None else ""
        if content_type is not None:
            return UnexpectedContentTypeError(
                f"{self.url} answered {status} with {media_type(content_type)!r} instead of a "
                f"{self.stream_type} stream{said}; check base_url, and that this server streams "
                "on this endpoint",
                body=body,
                raw=head,
                request_id=self.request_id,
                status_code=status,
                content_type=content_type,
                url=self.url,
            )
        return StreamFormatError(
            f"{self.url} answered {status} with a body that holds no {self.stream_type} "
            f"event{said}; .raw has its first bytes",
            body=body,
            raw=head,
            request_id=self.request_id,
            status_code=status,
            url=self.url,
        )

    def error_in(self, head: bytes) -> object:
        """The error object in a body that is not a stream (its JSON, the inner ``error``
        object when there is one), or None."""
        return _json_body(head)

    def raw_of(self, frame: Frame) -> bytes:
        """The bytes of a frame, for an error about it."""
        if isinstance(frame, bytes):
            return frame
        data = getattr(frame, "data", b"")
        return data if isinstance(data, bytes) else b""

    def too_large(self, exc: FrameTooLarge) -> ResponseTooLargeError:
        what = "line" if isinstance(self, NDJSONStreamReader) else "event"
        return ResponseTooLargeError(
            f"the stream from {self.url} sent more than {exc.limit} bytes without the end of an "
            f"{what} (max_event_bytes); reading stopped there, the text received so far is in "
            ".partial_text. If this server really sends events that large, raise it: "
            "limits=SizeLimits(max_event_bytes=...)",
            limit_name="max_event_bytes",
            limit=exc.limit,
            raw=exc.head,
            partial_text=self.builder.text(0),
            request_id=self.request_id,
            status_code=self.status_code,
            url=self.url,
        )

    def undecodable(self, frame: Frame | None, exc: Exception) -> StreamDecodeError:
        """The error for a frame the JSON decoder could not read at all: bad UTF-8 (msgspec's
        ``UnicodeDecodeError``) or JSON nested too deep (``RecursionError``)."""
        raw = self.raw_of(frame)[:RAW_LIMIT] if frame is not None else b""
        return self.decode_error("event", raw, exc)

    def decode_error(self, what: str, raw: bytes, exc: Exception) -> StreamDecodeError:
        return StreamDecodeError(
            f"undecodable {what} from {self.url}: {exc}; is this URL the API it should be?",
            raw=raw,
            partial_text=self.builder.text(0),
            request_id=self.request_id,
            status_code=self.status_code,
            url=self.url,
        )

    def provider_error(
        self, message: str | None, *, body: object, raw: bytes, usage: UsageMetadata | None = None
    ) -> StreamProviderError:
        return StreamProviderError(
            f"error inside the stream from {self.url}: {message or 'the server reported an error'}",
            body=body,
            raw=raw,
            usage=usage,
            partial_text=self.builder.text(0),
            request_id=self.request_id,
            status_code=self.status_code,
            url=self.url,
        )


def _json_body(head: bytes) -> object:
    """The decoded JSON of a non-stream body (the inner ``error`` object when there is one),
    or None when it is not JSON."""
    try:
        body: object = msgspec.json.decode(head)
    except (ValueError, RecursionError):  # msgspec.DecodeError, UnicodeDecodeError
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return body


_EVENT_ENDS: Final = (b"\r\n\r\n", b"\n\n", b"\r\r")


class SSEStreamReader(StreamReader[ServerSentEvent, Chunk]):
    """A reader of a ``text/event-stream`` body."""

    stream_type = "text/event-stream"
    __slots__ = ("_sse",)

    def __init__(self, builder: GenerationBuilder, *, url: str) -> None:
        self._sse = SSEDecoder()
        super().__init__(builder, url=url, frames=self._sse)

    def feed_read(self, raw: bytes, out: list[Chunk]) -> bool:
        # The common read of an OpenAI-style stream holds only plain `data:` events: their data
        # go to `feed_datas` without an event object each; any other read goes through `feed`.
        datas = self._sse.feed_plain(raw)
        if datas is None:
            return super().feed_read(raw, out)
        self.feed_datas(datas, out)
        return True

    def feed_datas(self, datas: list[bytes], out: list[Chunk]) -> None:
        """``feed_all`` for the events of one read that are all plain ``data:`` events (type
        "message", the decoder's last id, no retry), given as their data. Readers that read
        nothing but the data override it with a loop over the bytes."""
        last_id = self._sse.last_id
        self.feed_all([ServerSentEvent(data, "message", last_id) for data in datas], out)

    def _eof_note(self) -> str:
        return " (a partial event was discarded)" if self._sse.discarded_pending else ""

    def error_in(self, head: bytes) -> object:
        # Older llama.cpp builds send an `error: {...}` line, which is no SSE field.
        body = _json_body(head)
        if body is None:
            for line in head.splitlines():
                if line.startswith(b"error:"):
                    body = _json_body(line[6:].strip())
                    if body is not None:
                        break
        return body

    def unterminated(self, tail: bytes) -> bytes:
        if not self._sse.discarded_pending:
            return b""
        ends = [tail.rfind(end) + len(end) for end in _EVENT_ENDS if end in tail]
        return tail[max(ends) :] if ends else tail


class NDJSONStreamReader(StreamReader[bytes, Chunk]):
    """A reader of an ``application/x-ndjson`` body (one JSON object per line)."""

    stream_type = "application/x-ndjson"
    __slots__ = ()

    def __init__(self, builder: GenerationBuilder, *, url: str) -> None:
        super().__init__(builder, url=url, frames=NDJSONDecoder())

    def accepts(self, content_type: str | None) -> bool:
        # A JSON document is one NDJSON line (Ollama answers errors that way): read it.
        media = media_type(content_type)
        return media.endswith("json") or super().accepts(content_type)

    def unterminated(self, tail: bytes) -> bytes:
        return b""  # NDJSON has no partial frame: a last line without its LF still counts
