"""Sans-I/O incremental Server-Sent Events decoder over bytes.

Implements the event-stream format of the WHATWG HTML Living Standard:
§9.2.5 "Parsing an event stream" (the grammar) and §9.2.6 "Interpreting an event stream"
(what each line does). Feed it the raw bytes of a `text/event-stream` body in chunks of any
size; it returns the events each chunk completes.

Deliberate deviation: the spec decodes the whole stream as UTF-8 before splitting it into
lines. We split the *bytes* instead (every byte that matters to the grammar is ASCII, and a
UTF-8 decoder never swallows an ASCII byte into a replacement character, so the lines are the
same) and leave `data` undecoded: the caller hands it straight to a JSON decoder.
"""

from __future__ import annotations

import msgspec

from .limits import DEFAULT_LIMITS, FrameTooLarge

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"


class ServerSentEvent(msgspec.Struct, frozen=True, gc=False):
    """One dispatched event (§9.2.6 "dispatch the event")."""

    data: bytes
    """The data buffer: the `data` values joined with LF, raw (not decoded)."""
    event: str = "message"
    """The event type; "message" when the block had no (non-empty) `event` field."""
    id: str = ""
    """The last event ID; sticky across events, as the spec says."""
    retry: int | None = None
    """The reconnection time, if a valid `retry` field was seen in this block."""


class SSEDecoder:
    """Incremental `text/event-stream` decoder: `feed()` bytes, get events; `flush()` at EOF."""

    __slots__ = (
        "_at_start",
        "_buf",
        "_cr",
        "_data",
        "_event",
        "_id",
        "_pending",
        "_retry",
        "comments",
        "discarded_pending",
        "max_bytes",
        "retry",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_LIMITS.max_event_bytes) -> None:
        # Bytes fed since the decoder last held nothing pending: an upper bound of the event
        # being buffered, checked per feed (not per line) against max_event_bytes.
        self._pending = 0
        self.max_bytes = max_event_bytes
        self._buf: list[bytes] = []  # pieces of the unterminated last line; never hold CR or LF
        self._cr = False  # the last byte fed was a CR: an LF opening the next chunk is its pair
        self._at_start = True  # nothing but a BOM prefix seen yet: a leading BOM is still possible
        self._data: list[bytes] = []  # data buffer, as its values (spec: each value + LF)
        self._event = ""  # event type buffer
        self._id = ""  # last event ID buffer: never reset on dispatch
        self._retry: int | None = None  # valid `retry` value seen in the current block
        self.retry: int | None = None  # reconnection time: the last valid `retry` of the stream
        self.comments = 0  # comment lines seen (keep-alives such as ": OPENROUTER PROCESSING")
        self.discarded_pending = False  # flush() threw away a partial event

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Consume `chunk`; return the events it completes, in order."""
        # Fast path for the typical chunk: exactly one `data: ...` line and a blank line, with
        # LF or CRLF endings, and nothing pending. Same result as the general path, fewer steps.
        if chunk[:6] == b"data: " and not (self._buf or self._data or self._cr or self._at_start):
            size = len(chunk)
            lf = chunk.find(b"\n")
            cr = chunk.find(b"\r")
            if (lf == size - 2 and cr < 0 and chunk[-1] == 0x0A) or (
                lf == size - 3 and cr == size - 4 and chunk[-2:] == b"\r\n"
            ):
                end = lf if cr < 0 else cr
                sse = ServerSentEvent(chunk[6:end], self._event or "message", self._id, self._retry)
                self._event = ""
                self._retry = None
                return [sse]
        if self._cr:  # §9.2.5: CRLF is one terminator, even when split across two feeds
            if not chunk:
                return []
            self._cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        if self._at_start:  # §9.2.5: one U+FEFF BOM is ignored at the start of the stream only
            chunk = b"".join(self._buf) + chunk
            self._buf = []
            if len(chunk) < 3 and _BOM.startswith(chunk):
                if chunk:
                    self._buf = [chunk]  # could still become a BOM: wait for more bytes
                return []
            self._at_start = False
            if chunk[:3] == _BOM:
                chunk = chunk[3:]
        if self._buf:  # pieces of an unterminated line (a list: no quadratic re-joining)
            self._buf.append(chunk)
            if chunk.find(b"\n") < 0 and chunk.find(b"\r") < 0:
                self._pending += len(chunk)
                if self._pending > self.max_bytes:
                    self._too_large()
                return []  # still unterminated
            buf = b"".join(self._buf)
            self._buf = []
        else:
            buf = chunk
        out: list[ServerSentEvent] = []
        if buf.find(b"\r") >= 0:  # slow path: lines may also end in CRLF or a lone CR
            self._cr = buf[-1] == 0x0D
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        elif buf[:6] == b"data: " and not (self._data or self._event or self._retry is not None):
            # A read of several whole plain events (see `_plain`); any other shape goes line by
            # line below, and so does the rest of the read.
            plain = _plain(buf)
            if plain is not None:
                last_id = self._id
                out = [ServerSentEvent(data, "message", last_id) for data in plain[0]]
                buf = buf[plain[1] :]
        lines = buf.split(b"\n")
        rest = lines.pop()  # after the last LF: the unterminated line (b"" if buf ended in LF)
        if rest:
            self._buf = [rest]

        data = self._data
        for line in lines:
            if not line:  # §9.2.6: empty line -> dispatch the event
                if data:  # an empty data buffer dispatches nothing
                    # Joining with LF == appending value + LF each, then stripping one final LF.
                    joined = data[0] if len(data) == 1 else b"\n".join(data)
                    event_type = self._event or "message"
                    out.append(ServerSentEvent(joined, event_type, self._id, self._retry))
                    data.clear()
                self._event = ""
                self._retry = None
            elif line[:6] == b"data: ":  # the hot path, short-circuiting the general case below
                data.append(line[6:])
            elif line[0] == 0x3A:  # §9.2.6: a line starting with ":" is a comment
                self.comments += 1
            else:
                # §9.2.6: field name before the first ":", value after it minus one leading
                # space; no ":" makes the whole line the name and the value empty.
                # Names compare case-sensitively; comparing the bytes is the same as
                # comparing the decoded string (a non-UTF-8 name matches nothing either way).
                colon = line.find(b":")
                if colon < 0:
                    name, value = line, b""
                else:
                    name = line[:colon]
                    colon += 1
                    if line[colon : colon + 1] == b" ":
                        colon += 1
                    value = line[colon:]
                if name == b"data":
                    data.append(value)
                elif name == b"event":
                    self._event = value.decode("utf-8", "replace")
                elif name == b"id" and b"\0" not in value:  # an id containing NUL is ignored
                    self._id = value.decode("utf-8", "replace")
                elif name == b"retry" and value.isdigit():  # bytes.isdigit(): ASCII only, b"" no
                    try:
                        self._retry = self.retry = int(value)
                    except ValueError:  # beyond sys.get_int_max_str_digits(): ignore
                        pass
                # Any other field (e.g. `error: {...}`) is ignored.
        if data or rest:
            self._pending = len(chunk) if out else self._pending + len(chunk)
            if self._pending > self.max_bytes:
                self._too_large()
        else:
            self._pending = 0
        return out

    def feed_plain(self, chunk: bytes) -> list[bytes] | None:
        """``feed`` for the common read of an OpenAI-style stream, without event objects.

        When every event ``chunk`` completes is plain — one ``data: `` line and a blank line, no
        other field, nothing pending but part of a line — and what follows the last of them is
        part of a line, return their data: the events ``feed`` would return, each of type
        "message", id ``last_id`` and no retry. Otherwise return None having consumed nothing:
        then ``feed`` the chunk. (A read that completes no event returns None.)
        """
        if self._data or self._cr or self._at_start or self._event or self._retry is not None:
            return None
        pieces = self._buf
        if not pieces and chunk[-2:] == b"\n\n" and chunk[:6] == b"data: ":
            # One whole event, as the sync twin reads them (one HTTP chunk a read).
            data = chunk[6:-2]
            if data.find(b"\n") < 0 and data.find(b"\r") < 0:
                self._pending = 0
                return [data]
        buf = b"".join([*pieces, chunk]) if pieces else chunk
        # `find`, not `in`: `bytes in bytes` first tries the operand as an int and formats and
        # clears a TypeError each time (~600 instructions; per event in the sync twin).
        if buf[:6] != b"data: " or buf.find(b"\r") >= 0:
            return None
        plain = _plain(buf)
        if plain is None:
            return None
        datas, end = plain
        rest = buf[end:]
        if rest.find(b"\n") >= 0:  # a complete line after the last event: `feed` reads it
            return None
        if rest:  # as `feed` keeps the unterminated line and its size bound
            self._buf = [rest]
            self._pending = len(chunk)
            if self._pending > self.max_bytes:
                self._too_large()
        else:
            if pieces:
                self._buf = []
            self._pending = 0
        return datas

    @property
    def last_id(self) -> str:
        """The last event ID (``ServerSentEvent.id`` of the events dispatched now)."""
        return self._id

    def _too_large(self) -> None:
        head = self._data[0] if self._data else self._buf[0] if self._buf else b""
        raise FrameTooLarge(self._pending, self.max_bytes, head)

    def flush(self) -> list[ServerSentEvent]:
        """End of stream. Always `[]`: §9.2.6 discards a block without its blank line.

        Sets `discarded_pending` if that threw away data or an unterminated line.
        """
        if self._buf or self._data:
            self.discarded_pending = True
        self._buf = []
        self._cr = False
        self._pending = 0
        self._data.clear()
        self._event = ""
        self._retry = None
        return []


def _plain(buf: bytes) -> tuple[list[bytes], int] | None:
    """The data of the whole events in ``buf`` (which opens with ``data: `` and holds no CR) and
    where they end, when each of them is one ``data: ...`` line and a blank line (a client that
    lags the server a little reads many in one go); else None.

    The complete part is split at the event boundaries at once; it has that shape exactly when
    no piece between the boundaries holds an LF (checked on their join: a copy and one memchr,
    several times faster than counting LFs).
    """
    end = buf.rfind(b"\n\n")  # >= 6 when found: buf opens with "data: "
    if end < 0:
        return None
    datas = buf[6:end].split(b"\n\ndata: ")
    if b"".join(datas).find(b"\n") >= 0:
        return None
    return datas, end + 2
