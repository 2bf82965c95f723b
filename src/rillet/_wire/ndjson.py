"""Sans-I/O incremental NDJSON line decoder over bytes (e.g. Ollama's /api/generate stream).

Lines end at LF; one CR before the LF is stripped (CRLF endings); lines holding nothing but
JSON whitespace (space, tab, CR) are skipped. Lines come back as raw bytes for a JSON decoder.
"""

from __future__ import annotations

from .limits import DEFAULT_LIMITS, FrameTooLarge

__all__ = ["NDJSONDecoder"]

_JSON_WS = b" \t\r"


class NDJSONDecoder:
    """Incremental NDJSON splitter: `feed()` bytes, get complete lines; `flush()` at EOF."""

    __slots__ = ("_buf", "_pending", "max_bytes")

    def __init__(self, max_line_bytes: int = DEFAULT_LIMITS.max_event_bytes) -> None:
        self._buf: list[bytes] = []  # pieces of the unterminated last line (a list: no O(n²))
        self._pending = 0  # their total size, checked against max_line_bytes per feed
        self.max_bytes = max_line_bytes

    def feed(self, chunk: bytes) -> list[bytes]:
        """Consume `chunk`; return the non-blank lines it completes, without terminators."""
        end = chunk.find(b"\n")
        if end < 0:  # no line completed
            if chunk:
                self._buf.append(chunk)
                self._pending += len(chunk)
                if self._pending > self.max_bytes:
                    raise FrameTooLarge(self._pending, self.max_bytes, self._buf[0])
            return []
        if self._buf:
            self._buf.append(chunk)
            chunk = b"".join(self._buf)
            self._buf = []
            self._pending = 0
        elif end == len(chunk) - 1:  # fast path: exactly one whole line
            line = chunk[:-2] if end and chunk[end - 1] == 0x0D else chunk[:-1]
            # Inlined _nonblank(): a first byte above 0x20 cannot be JSON whitespace.
            return [line] if line and (line[0] > 0x20 or line.strip(_JSON_WS)) else []
        lines = chunk.split(b"\n")
        rest = lines.pop()  # after the last LF: unterminated (b"" if the chunk ended in LF)
        if rest:
            self._buf.append(rest)
            self._pending = len(rest)
            if self._pending > self.max_bytes:
                raise FrameTooLarge(self._pending, self.max_bytes, rest)
        out = []
        for line in lines:
            if line[-1:] == b"\r":
                line = line[:-1]
            if _nonblank(line):
                out.append(line)
        return out

    def flush(self) -> list[bytes]:
        """End of stream: the unterminated last line, if not blank (the final LF is optional)."""
        line = b"".join(self._buf)
        self._buf = []
        self._pending = 0
        if line[-1:] == b"\r":
            line = line[:-1]
        return [line] if _nonblank(line) else []


def _nonblank(line: bytes) -> bool:
    # A first byte above 0x20 cannot be JSON whitespace: skip the copying strip() then.
    return bool(line) and (line[0] > 0x20 or bool(line.strip(_JSON_WS)))
