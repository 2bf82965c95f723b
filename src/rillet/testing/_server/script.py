"""What a fake reply is, independent of the wire protocol: `Reply` (the script users write),
`RecordedRequest` (what the server saw), and what a queued reply compiles into (`Script`) and
renders to (`Plan`, a status, headers and body pieces at a pace). No I/O, no protocol.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import msgspec

from ..._values.options import SequenceNotStr
from .tools import CompiledToolCall, ToolCallReply, compile_tool_calls

if TYPE_CHECKING:
    pass


SONG_TOKENS: Final[tuple[str, ...]] = (
    "\n\n",
    "Spark",
    "ling",
    " water",
    ",",
    " oh",
    " so clear",
    "\n",
    "Bubbles dancing",
    ",",
    " without",
    " fear",
    "\n",
    "Refreshing",
    " taste",
    ",",
    " it",
    "'s",
    " pure",
    " delight",
    "\n",
    "Spark",
    "ling",
    " water",
    ",",
    " my",
    " thirst",
    "'s",
    " delight",
)
"""The default reply: a one-verse song about sparkling water, split as a real model streams it."""


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request, independent of the wire protocol.

    With `status` 200 and no `body`, each token is rendered as its own event in the request's
    protocol (for a streaming request) or joined into one response (otherwise). Pacing: a streamed
    reply sleeps `delay` seconds before each token event; a non-streamed one sleeps
    `delay` x (number of token events it would have streamed) before answering.
    """

    tokens: SequenceNotStr[str] = SONG_TOKENS
    """Text pieces; each becomes one event, sent as its own HTTP body chunk."""
    reasoning: SequenceNotStr[str] = ()
    """Reasoning pieces, streamed before the text, each its own event in the chat protocols:
    OpenAI chat ``delta.reasoning_content`` (DeepSeek's field), an Anthropic ``thinking`` block
    (``thinking_delta``s, then a ``signature_delta``), Ollama ``/api/chat`` ``message.thinking``.
    They count as token events (pacing, faults) and as completion tokens."""
    refusal: SequenceNotStr[str] = ()
    """OpenAI chat only: refusal pieces, streamed after the reasoning and before the text as
    ``delta.refusal`` chunks (``message.refusal`` when not streamed); token events like text."""
    redacted_thinking: SequenceNotStr[str] = ()
    """Anthropic only: the ``data`` of ``redacted_thinking`` blocks, sent first, each whole in
    its ``content_block_start`` (not token events)."""
    citations: Sequence[Mapping[str, object]] = ()
    """Anthropic only: citation objects of the text block (e.g. ``{"type": "char_location",
    "cited_text": ..., "document_index": 0, ...}``), streamed as ``citations_delta`` events after
    its last text token (the text block's ``citations`` when not streamed)."""
    delay: float = 0.0
    """Seconds slept before each token event (or each `body` piece)."""
    finish_reason: str = "stop"
    status: int = 200
    """Any other status sends `error_body` instead, before any stream starts."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra response headers (e.g. ``retry-after``); they replace defaults of the same name."""
    error_body: bytes | None = None
    """Body of a non-200 reply; by default an OpenAI-style ``{"error": {...}}`` object."""
    body: bytes | None = None
    """A raw body (e.g. a recorded ``.sse`` file) sent verbatim instead of rendering `tokens`."""
    chunk_sizes: Sequence[int] | None = None
    """Piece sizes for `body`, cycled; None sends one piece per SSE event (split after blank lines)."""
    random_chunks: int | None = None
    """Seed for reproducibly random `body` piece sizes of 1 to 64 bytes; overrides `chunk_sizes`."""
    tool_calls: Sequence[ToolCallReply] = ()
    """Tool calls the model makes after its text (`tokens`, often none: ``tokens=()``), streamed
    in fragments (see `ToolCallReply`). The finish reason becomes ``tool_calls`` (OpenAI) /
    ``tool_use`` (Anthropic) unless `finish_reason` says otherwise."""
    interleave_tool_calls: bool = False
    """Stream the fragments of parallel calls alternately (all calls open first), as some
    OpenAI-compatible servers do; OpenAI itself sends one call after the other."""
    content_type: str | None = None
    """Replaces the reply's content type (by default the protocol's stream type for a stream,
    ``application/json`` otherwise): e.g. ``"text/html"`` on a stream, a wrong content type."""

    # ---- faults. `k` counts token events (each token of each choice, or each `body` piece). A
    # fault at k = 0, and any of `reset_after`/`stall_after` on a non-streamed reply, strikes
    # before the response starts: the client sees no status line at all.
    reset_after: int | None = None
    """Reset the TCP connection (RST) after k token events."""
    stall_after: int | None = None
    """Send nothing more after k token events, holding the connection open until the client
    gives up (a read timeout) or the server stops."""
    truncate_after: int | None = None
    """End the body cleanly after k token events, without the finish and terminal events
    (``truncate_after=0``: an empty 200 body)."""
    error_after: int | None = None
    """After k token events, send the protocol's in-stream error event (OpenAI
    ``data: {"error": {...}}``, Anthropic ``event: error``, Ollama ``{"error": "..."}``) with
    `error_message`, and end the body."""
    malformed_after: int | None = None
    """After k token events, send one event whose JSON is cut short, then carry on."""
    error_message: str = (
        "The server had an error while processing your request (rillet fake server)"
    )
    """The message of the `error_after` event."""

    def __post_init__(self) -> None:
        if isinstance(self.tool_calls, ToolCallReply) or not all(
            isinstance(call, ToolCallReply) for call in self.tool_calls
        ):
            raise TypeError("Reply.tool_calls must be a sequence of ToolCallReply")
        for name in ("tokens", "reasoning", "refusal", "redacted_thinking"):
            if isinstance(getattr(self, name), (str, bytes)):
                raise TypeError(f"Reply.{name} must be a sequence of strings, not a single string")
        if self.delay < 0:
            raise ValueError(f"Reply.delay must be >= 0, got {self.delay!r}")
        if not 200 <= self.status <= 599:
            raise ValueError(f"Reply.status must be in 200..599, got {self.status!r}")
        if self.chunk_sizes is not None and (
            not self.chunk_sizes or any(size <= 0 for size in self.chunk_sizes)
        ):
            raise ValueError("Reply.chunk_sizes must be a non-empty sequence of positive sizes")
        faults = {
            name: value
            for name in ("reset_after", "stall_after", "truncate_after", "error_after")
            if (value := getattr(self, name)) is not None
        }
        if len(faults) > 1:
            raise ValueError(f"Reply takes one of reset/stall/truncate/error_after, got {faults}")
        for name, value in (*faults.items(), ("malformed_after", self.malformed_after)):
            if value is not None and value < 0:
                raise ValueError(f"Reply.{name} must be >= 0, got {value!r}")


DEFAULT_REPLY: Final = Reply()
Framing = Literal["sse", "ndjson"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Header names are lower-cased; repeated headers are joined with ``", "``."""
    body: bytes

    def json(self) -> object:
        """The body decoded as JSON."""
        return msgspec.json.decode(self.body)


encode = msgspec.json.encode


def latin1(text: str) -> bytes:
    return text.encode("latin-1")


_BLANK_LINE = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_LINE_END = re.compile(rb"\n")


def _split_after(body: bytes, separator: re.Pattern[bytes]) -> list[bytes]:
    pieces: list[bytes] = []
    start = 0
    for match in separator.finditer(body):
        pieces.append(body[start : match.end()])
        start = match.end()
    if start < len(body):
        pieces.append(body[start:])
    return pieces


def _split_by_sizes(body: bytes, sizes: Iterator[int]) -> list[bytes]:
    pieces: list[bytes] = []
    start = 0
    while start < len(body):
        end = start + next(sizes)
        pieces.append(body[start:end])
        start = end
    return pieces


def _random_sizes(seed: int) -> Iterator[int]:
    rng = random.Random(seed)
    while True:
        yield rng.randint(1, 64)


class Script:
    """A `Reply` compiled once, when queued, into what rendering needs per request."""

    __slots__ = (
        "citations",
        "headers",
        "json_reasoning",
        "json_refusal",
        "json_tokens",
        "line_pieces",
        "pieces",
        "reasoning",
        "redacted",
        "refusal",
        "reply",
        "text",
        "tokens",
        "tool_calls",
    )

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.tokens: tuple[str, ...] = tuple(reply.tokens)
        self.text = "".join(self.tokens)
        self.tool_calls: tuple[CompiledToolCall, ...] = compile_tool_calls(reply.tool_calls)
        self.json_tokens: tuple[bytes, ...] = tuple(encode(token) for token in self.tokens)
        self.reasoning = "".join(reply.reasoning)
        self.json_reasoning: tuple[bytes, ...] = tuple(encode(piece) for piece in reply.reasoning)
        self.refusal = "".join(reply.refusal)
        self.json_refusal: tuple[bytes, ...] = tuple(encode(piece) for piece in reply.refusal)
        self.redacted: tuple[str, ...] = tuple(reply.redacted_thinking)
        self.citations: tuple[Mapping[str, object], ...] = tuple(reply.citations)
        self.headers: list[tuple[bytes, bytes]] = [
            (latin1(name.lower()), latin1(value)) for name, value in reply.headers.items()
        ]
        # `body` in pieces: for an SSE protocol (by default one event each), and for an NDJSON
        # one (by default one line each); sized pieces are the same for both.
        self.pieces: tuple[bytes, ...] | None = None
        self.line_pieces: tuple[bytes, ...] | None = None
        body = reply.body
        if body is not None:
            if reply.random_chunks is not None:
                pieces = _split_by_sizes(body, _random_sizes(reply.random_chunks))
            elif reply.chunk_sizes is not None:
                pieces = _split_by_sizes(body, itertools.cycle(reply.chunk_sizes))
            else:
                pieces = _split_after(body, _BLANK_LINE)
                self.line_pieces = tuple(_split_after(body, _LINE_END))
            self.pieces = tuple(pieces)
            if self.line_pieces is None:
                self.line_pieces = self.pieces

    def finish_reason(self, for_tool_calls: str) -> str:
        """`Reply.finish_reason`, or the protocol's tool-call reason when the reply calls tools
        and keeps the default "stop"."""
        reason = self.reply.finish_reason
        return for_tool_calls if self.tool_calls and reason == "stop" else reason

    def body_pieces(self, framing: Framing) -> tuple[bytes, ...] | None:
        """`Reply.body` in pieces for a protocol of this framing (None: no raw body)."""
        return self.line_pieces if framing == "ndjson" else self.pieces


@dataclass(frozen=True)
class Meta:
    """Per-request facts a protocol renders into its response."""

    seq: int
    created: int

    @property
    def request_id(self) -> str:
        return f"req_fake{self.seq}"


Fault = Literal["reset", "stall"]
"""What the server does instead of answering, or instead of ending a body."""


@dataclass
class Plan:
    """A rendered response: what to send, in which pieces, at which pace."""

    status: int
    headers: list[tuple[bytes, bytes]]
    pieces: Sequence[bytes]
    streaming: bool
    """True: headers at once, then each piece as its own send. False: one body after `delay`."""
    token_pieces: int = 0
    """Streaming: ``pieces[:token_pieces]`` are token events, paced and counted in tokens_sent."""
    delay: float = 0.0
    """Streaming: seconds before each token piece. Otherwise: seconds before the response."""
    early: Fault | None = None
    """A fault instead of any response (after `delay` when not streaming)."""
    ending: Fault | None = None
    """Streaming: what follows the last piece instead of the end of the body."""
