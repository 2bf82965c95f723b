"""What a server cannot push a client past: buffer sizes and the deadline (pure, no I/O).

``SizeLimits`` holds the three byte limits a model applies (documented defaults, configurable per
model). The frame decoders raise ``FrameTooLarge`` when the event or line they are buffering grows
past ``max_event_bytes``; the I/O loop turns it into a ``ResponseTooLargeError`` carrying the
partial text. ``DeadlinePassed`` is what the compat seam's deadline guards raise when the total
timeout ends a wait; the I/O code turns it into ``APITimeoutError``/``StreamTimeoutError``.

``BodyReader`` collects a whole body (an error body, a non-streamed answer) up to a limit, and
decompresses gzip/deflate itself with a bounded output: a 1 MB gzip bomb costs at most the limit.
"""

from __future__ import annotations

import zlib
from typing import Final

import msgspec

from .._values.errors import ConfigError

__all__ = [
    "DEFAULT_LIMITS",
    "RAW_PREFIX",
    "BodyReader",
    "DeadlinePassed",
    "FrameTooLarge",
    "SizeLimits",
]

RAW_PREFIX: Final = 64 * 1024
"""At most this many bytes of a body or event at fault are kept in an error's ``raw``/``body``."""

DRAIN_BYTES: Final = 64 * 1024
"""After the terminal frame, at most this much of the body is read to keep the connection."""
DRAIN_SECONDS: Final = 0.1
"""... and for at most this long; a body that has not ended by then is closed, not drained."""


class SizeLimits(msgspec.Struct, frozen=True, kw_only=True):
    """The byte limits a model applies to what a server sends (``limits=`` on every model).

    - ``max_event_bytes`` (default 4 MiB): one SSE event or NDJSON line, while it is buffered;
      more raises ``ResponseTooLargeError`` with the text streamed so far.
    - ``max_response_bytes`` (default 16 MiB): a whole non-streamed answer (decompressed); more
      raises ``ResponseTooLargeError``.
    - ``max_error_body_bytes`` (default 64 KiB): what is read of a non-2xx body; the rest is not
      read, and the status error keeps that prefix in ``body`` and says it was cut.
    """

    max_event_bytes: int = 4 * 1024 * 1024
    max_response_bytes: int = 16 * 1024 * 1024
    max_error_body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        for name in ("max_event_bytes", "max_response_bytes", "max_error_body_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
                raise ConfigError(f"{name} must be an int of at least 1024 (bytes), got {value!r}")


DEFAULT_LIMITS: Final = SizeLimits()


class FrameTooLarge(Exception):
    """A frame decoder's pending event or line passed ``limit`` bytes (internal)."""

    def __init__(self, size: int, limit: int, head: bytes) -> None:
        super().__init__(f"more than {limit} bytes without the end of an event")
        self.size = size
        self.limit = limit
        self.head = head[:RAW_PREFIX]


class DeadlinePassed(Exception):
    """The total timeout passed while a call was waiting (internal)."""


class BodyReader:
    """Collects a body's raw bytes up to ``limit`` bytes of content, decoding gzip/deflate with
    a bounded output. ``feed`` returns False once the limit is passed (then ``truncated``)."""

    __slots__ = ("_decompress", "_pieces", "limit", "size", "truncated")

    def __init__(self, limit: int, content_encoding: str | None) -> None:
        self.limit = limit
        self.size = 0
        self.truncated = False
        self._pieces: list[bytes] = []
        encoding = (content_encoding or "").strip().lower()
        self._decompress: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._decompress = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._decompress = zlib.decompressobj(zlib.MAX_WBITS | 32)

    @staticmethod
    def handles(content_encoding: str | None) -> bool:
        """Whether raw bytes with this encoding can be fed (else feed httpx's decoded bytes)."""
        encoding = (content_encoding or "").strip().lower()
        return encoding in ("", "identity", "gzip", "x-gzip", "deflate")

    def feed(self, raw: bytes) -> bool:
        if self._decompress is not None:
            try:
                raw = self._decompress.decompress(raw, self.limit + 1 - self.size)
            except zlib.error:
                self._decompress = None  # not what it claims to be: keep the bytes as they are
        self.size += len(raw)
        if self.size > self.limit:
            self.truncated = True
            raw = raw[: max(0, self.limit - (self.size - len(raw)))]
            self._pieces.append(raw)
            return False
        self._pieces.append(raw)
        return True

    def content(self) -> bytes:
        return b"".join(self._pieces)
