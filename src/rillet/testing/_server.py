"""A fake OpenAI-compatible HTTP server with scripted replies.

`FakeServer` runs a real HTTP server (uvicorn, h11, asyncio) on ``127.0.0.1`` and an ephemeral port
in a background daemon thread, so clients under test go through real sockets, real chunked
transfer encoding and real disconnects. What it answers is scripted with `Reply` values: queue them
with `FakeServer.queue` (first in, first out; one per request) and set a `default` for when the
queue is empty. What it saw is recorded: every request (`FakeServer.requests`) and, per streamed
reply, how far it got (`completed`, `disconnects`, `tokens_sent`, `max_in_flight`).

The layers, from the socket up:

* `_App`, a hand-written ASGI app: reads the request, records it, routes it by path to a protocol,
  picks the next script and executes the resulting `_Plan` (a status, headers and body pieces),
  racing it against the client's disconnect and the server's shutdown.
* `_Protocol` subclasses, one per wire protocol: OpenAI completions (``/v1/completions``) and chat
  completions (``/v1/chat/completions``), Anthropic Messages (``/v1/messages``) and Ollama's
  generate (``/api/generate``, NDJSON). A protocol parses its request and renders a script into a
  plan; it knows nothing about sockets or timing.
* `Reply`, the protocol-neutral script (tokens, pacing, status, headers, raw bodies), compiled once
  into a `_Script` when queued so that per-request rendering is only byte concatenation.

New protocols are new `_Protocol` subclasses in `_ROUTES`. Faults are `Reply` fields: `_faulty`
cuts a rendered plan at the k-th token event and adds what the protocol renders for the fault
(an error event, a malformed event), and `_App` carries out the rest (resets, stalls).
"""

from __future__ import annotations

import abc
import asyncio
import datetime
import enum
import itertools
import random
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Generic, Literal, TypeVar

import msgspec

if TYPE_CHECKING:
    import uvicorn

__all__ = ["SONG_TOKENS", "FakeServer", "RecordedRequest", "Reply"]

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

_HOST: Final = "127.0.0.1"
_START_TIMEOUT: Final = 10.0
_STOP_TIMEOUT: Final = 5.0
_GRACEFUL_SHUTDOWN_S: Final = 1  # uvicorn types this as int; in-flight streams end long before
_STUCK_AFTER_STOP_S: Final = 0.25  # streams end at once on stop; one still open then is stuck
_UNPACED_SENDS_PER_YIELD: Final = 4  # asyncio warns from the 5th write after a connection is lost


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request, independent of the wire protocol.

    With `status` 200 and no `body`, each token is rendered as its own event in the request's
    protocol (for a streaming request) or joined into one response (otherwise). Pacing: a streamed
    reply sleeps `delay` seconds before each token event; a non-streamed one sleeps
    `delay` x (number of token events it would have streamed) before answering.
    """

    tokens: Sequence[str] = SONG_TOKENS
    """Text pieces; each becomes one event, sent as its own HTTP body chunk."""
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
        if isinstance(self.tokens, (str, bytes)):
            raise TypeError("Reply.tokens must be a sequence of strings, not a single string")
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


_DEFAULT_REPLY: Final = Reply()
_Framing = Literal["sse", "ndjson"]


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


# --------------------------------------------------------------------------------------------------
# Scripts and plans: the protocol-neutral middle layer

_encode = msgspec.json.encode


def _latin1(text: str) -> bytes:
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


class _Script:
    """A `Reply` compiled once, when queued, into what rendering needs per request."""

    __slots__ = ("headers", "json_tokens", "line_pieces", "pieces", "reply", "text", "tokens")

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.tokens: tuple[str, ...] = tuple(reply.tokens)
        self.text = "".join(self.tokens)
        self.json_tokens: tuple[bytes, ...] = tuple(_encode(token) for token in self.tokens)
        self.headers: list[tuple[bytes, bytes]] = [
            (_latin1(name.lower()), _latin1(value)) for name, value in reply.headers.items()
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

    def body_pieces(self, framing: _Framing) -> tuple[bytes, ...] | None:
        """`Reply.body` in pieces for a protocol of this framing (None: no raw body)."""
        return self.line_pieces if framing == "ndjson" else self.pieces


@dataclass(frozen=True)
class _Meta:
    """Per-request facts a protocol renders into its response."""

    seq: int
    created: int

    @property
    def request_id(self) -> str:
        return f"req_fake{self.seq}"


_Fault = Literal["reset", "stall"]
"""What the server does instead of answering, or instead of ending a body."""


@dataclass
class _Plan:
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
    early: _Fault | None = None
    """A fault instead of any response (after `delay` when not streaming)."""
    ending: _Fault | None = None
    """Streaming: what follows the last piece instead of the end of the body."""


def _with_headers(
    base: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`base` with `extra` appended; an `extra` name replaces every `base` header of that name."""
    if not extra:
        return base
    replaced = {name for name, _ in extra}
    return [(name, value) for name, value in base if name not in replaced] + extra


def _json_plan(
    status: int, body: bytes, meta: _Meta, *, content_type: bytes = b"application/json"
) -> _Plan:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", _latin1(meta.request_id)),
    ]
    return _Plan(status=status, headers=headers, pieces=(body,), streaming=False)


class _BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _openai_error(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> bytes:
    return _encode({"error": {"message": message, "type": type_, "param": param, "code": code}})


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------------------------------
# Protocols

_CallT = TypeVar("_CallT")


class _Protocol(abc.ABC, Generic[_CallT]):
    """One wire protocol: parses its requests and renders scripts in its format."""

    framing: ClassVar[_Framing] = "sse"
    """How its streams are framed (and so how a raw `Reply.body` is split by default)."""
    stream_content_type: ClassVar[bytes] = b"text/event-stream"
    """The content type of its streams (and the default one of a raw `Reply.body`)."""

    @abc.abstractmethod
    def parse(self, request: RecordedRequest) -> _CallT:
        """Validate the request; raise `_BadRequest` to answer 400 without using up a reply."""

    @abc.abstractmethod
    def render(self, script: _Script, call: _CallT, meta: _Meta) -> _Plan:
        """The plan for a successful (200, token-rendering) reply."""

    @abc.abstractmethod
    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        """This protocol's JSON error body."""

    def stream_error(self, message: str) -> bytes:
        """An error event inside a 200 stream (OpenAI-style by default)."""
        return b"data: " + _openai_error(message, "server_error") + b"\n\n"

    def malformed_event(self) -> bytes:
        """An event whose JSON is cut short."""
        return b'data: {"choices":[{"text":\n\n'


def _openai_status_error(status: int, message: str, param: str | None = None) -> bytes:
    if status == 429:
        type_ = "requests"
    elif status >= 500:
        type_ = "server_error"
    else:
        type_ = "invalid_request_error"
    return _openai_error(message, type_, param)


class _OpenAIProtocol(_Protocol[_CallT]):
    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        return _openai_status_error(status, message, param)


class _StreamOptions(msgspec.Struct):
    include_usage: bool | None = None


class _CompletionsCall(msgspec.Struct):
    """The fields of a ``POST /v1/completions`` body the fake server acts on (others are ignored)."""

    model: str = "fake-model"
    prompt: str | list[str | int | list[int]] = ""
    stream: bool | None = None
    n: Annotated[int, msgspec.Meta(ge=1, le=128)] = 1
    stream_options: _StreamOptions | None = None


_completions_decoder: Final = msgspec.json.Decoder(_CompletionsCall)
_SSE_DONE: Final = b"data: [DONE]\n\n"
_SSE_CONTENT_TYPE: Final = b"text/event-stream"
_SSE_HEADERS: Final = (
    (b"content-type", _SSE_CONTENT_TYPE),
    (b"cache-control", b"no-cache"),
)


class _Completions(_OpenAIProtocol[_CompletionsCall]):
    """OpenAI legacy completions (wire.md section 2.1)."""

    def parse(self, request: RecordedRequest) -> _CompletionsCall:
        try:
            call = _completions_decoder.decode(request.body)
        except msgspec.DecodeError as exc:  # ValidationError is a subclass
            raise _BadRequest(f"Invalid request body: {exc}") from None
        if isinstance(call.prompt, list) and not call.prompt:
            raise _BadRequest("prompt must not be empty", "prompt")
        return call

    @staticmethod
    def _prompt_words(call: _CompletionsCall) -> tuple[int, int]:
        """(number of prompts, prompt tokens counted as whitespace-separated words or token ids)."""
        prompt = call.prompt
        if isinstance(prompt, str):
            return 1, len(prompt.split())
        if all(isinstance(item, int) for item in prompt):  # one prompt given as token ids
            return 1, len(prompt)
        words = 0
        for item in prompt:
            if isinstance(item, str):
                words += len(item.split())
            elif isinstance(item, list):
                words += len(item)
            else:
                words += 1
        return len(prompt), words

    def render(self, script: _Script, call: _CompletionsCall, meta: _Meta) -> _Plan:
        prompts, prompt_tokens = self._prompt_words(call)
        choices = prompts * call.n
        completion_tokens = len(script.tokens) * choices
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = f"cmpl-fake{meta.seq}"
        finish_reason = script.reply.finish_reason
        request_id = (b"x-request-id", _latin1(meta.request_id))

        if not call.stream:
            body = _encode(
                {
                    "id": completion_id,
                    "object": "text_completion",
                    "created": meta.created,
                    "model": call.model,
                    "choices": [
                        {
                            "text": script.text,
                            "index": index,
                            "logprobs": None,
                            "finish_reason": finish_reason,
                        }
                        for index in range(choices)
                    ],
                    "usage": usage,
                }
            )
            plan = _json_plan(200, body, meta)
            plan.delay = script.reply.delay * completion_tokens
            return plan

        # Streaming: every event is built by concatenating msgspec-encoded fragments.
        include_usage = bool(call.stream_options and call.stream_options.include_usage)
        head = b"".join(
            (
                b'data: {"id":',
                _encode(completion_id),
                b',"object":"text_completion","created":',
                str(meta.created).encode(),
                b',"model":',
                _encode(call.model),
            )
        )
        open_choice = head + b',"choices":[{"text":'
        close = b',"usage":null}\n\n' if include_usage else b"}\n\n"
        token_tails = [
            b',"index":%d,"logprobs":null,"finish_reason":null}]' % index + close
            for index in range(choices)
        ]
        pieces = [
            open_choice + json_token + tail
            for json_token in script.json_tokens
            for tail in token_tails
        ]
        token_pieces = len(pieces)
        json_finish = _encode(finish_reason)
        pieces.extend(
            open_choice
            + b'"","index":%d,"logprobs":null,"finish_reason":' % index
            + json_finish
            + b"}]"
            + close
            for index in range(choices)
        )
        if include_usage:
            pieces.append(head + b',"choices":[],"usage":' + _encode(usage) + b"}\n\n")
        pieces.append(_SSE_DONE)
        return _Plan(
            status=200,
            headers=[*_SSE_HEADERS, request_id],
            pieces=pieces,
            streaming=True,
            token_pieces=token_pieces,
            delay=script.reply.delay,
        )


# ---- shared by the chat, Anthropic and Ollama protocols


def _usage_counts(script: _Script, prompt_text: str, choices: int = 1) -> tuple[int, int]:
    """(prompt tokens as whitespace-separated words, completion tokens as token events)."""
    return len(prompt_text.split()), len(script.tokens) * choices


def _whole_plan(script: _Script, body: bytes, meta: _Meta, token_events: int) -> _Plan:
    """A non-streamed reply, paced like the stream it replaces."""
    plan = _json_plan(200, body, meta)
    plan.delay = script.reply.delay * token_events
    return plan


def _stream_plan(
    script: _Script,
    meta: _Meta,
    *,
    prefix: bytes,
    tokens: list[bytes],
    tail: list[bytes],
    content_type: bytes,
) -> _Plan:
    """A streamed reply: `prefix` (opening events) rides with the first token event, so that
    ``pieces[:token_pieces]`` stay the token events."""
    pieces = [*tokens, *tail]
    if tokens:
        pieces[0] = prefix + pieces[0]
    elif prefix:
        pieces.insert(0, prefix)
    return _Plan(
        status=200,
        headers=[
            (b"content-type", content_type),
            (b"cache-control", b"no-cache"),
            (b"x-request-id", _latin1(meta.request_id)),
        ],
        pieces=pieces,
        streaming=True,
        token_pieces=len(tokens),
        delay=script.reply.delay,
    )


def _decode_call(decoder: msgspec.json.Decoder[_CallT], request: RecordedRequest) -> _CallT:
    try:
        return decoder.decode(request.body)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise _BadRequest(f"Invalid request body: {exc}") from None


# ---- OpenAI chat completions


class _ChatMessageIn(msgspec.Struct):
    role: str
    content: str | list[dict[str, object]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: count the text ones
            return " ".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class _ChatCall(msgspec.Struct):
    """The fields of a ``POST /v1/chat/completions`` body the fake server acts on."""

    messages: list[_ChatMessageIn]
    model: str = "fake-model"
    stream: bool | None = None
    n: Annotated[int, msgspec.Meta(ge=1, le=128)] = 1
    stream_options: _StreamOptions | None = None


_chat_decoder: Final = msgspec.json.Decoder(_ChatCall)


class _ChatCompletions(_OpenAIProtocol[_ChatCall]):
    """OpenAI chat completions (wire.md section 2.2): a role chunk per choice, one content chunk
    per token and choice, a ``delta: {}`` finish chunk per choice, the usage chunk when asked
    for (``choices: []``), ``[DONE]``."""

    def parse(self, request: RecordedRequest) -> _ChatCall:
        call = _decode_call(_chat_decoder, request)
        if not call.messages:
            raise _BadRequest("messages must not be empty", "messages")
        return call

    def render(self, script: _Script, call: _ChatCall, meta: _Meta) -> _Plan:
        prompt_text = " ".join(message.text() for message in call.messages)
        prompt_tokens, completion_tokens = _usage_counts(script, prompt_text, call.n)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        chat_id = f"chatcmpl-fake{meta.seq}"
        finish_reason = _encode(script.reply.finish_reason)
        if not call.stream:
            choices = [
                {
                    "index": index,
                    "message": {"role": "assistant", "content": script.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": script.reply.finish_reason,
                }
                for index in range(call.n)
            ]
            body = _encode(
                {
                    "id": chat_id,
                    "object": "chat.completion",
                    "created": meta.created,
                    "model": call.model,
                    "choices": choices,
                    "usage": usage,
                }
            )
            return _whole_plan(script, body, meta, completion_tokens)

        include_usage = bool(call.stream_options and call.stream_options.include_usage)
        head = b"".join(
            (
                b'data: {"id":',
                _encode(chat_id),
                b',"object":"chat.completion.chunk","created":',
                str(meta.created).encode(),
                b',"model":',
                _encode(call.model),
                b',"choices":[',
            )
        )
        close = b'],"usage":null}\n\n' if include_usage else b"]}\n\n"
        opens = [head + b'{"index":%d,"delta":' % index for index in range(call.n)]
        prefix = b"".join(
            opening + b'{"role":"assistant","content":"","refusal":null},'
            b'"logprobs":null,"finish_reason":null}' + close
            for opening in opens
        )
        tokens = [
            opening
            + b'{"content":'
            + json_token
            + b'},"logprobs":null,"finish_reason":null}'
            + close
            for json_token in script.json_tokens
            for opening in opens
        ]
        tail = [
            opening + b'{},"logprobs":null,"finish_reason":' + finish_reason + b"}" + close
            for opening in opens
        ]
        if include_usage:
            tail.append(head + b'],"usage":' + _encode(usage) + b"}\n\n")
        tail.append(_SSE_DONE)
        return _stream_plan(
            script, meta, prefix=prefix, tokens=tokens, tail=tail, content_type=_SSE_CONTENT_TYPE
        )


# ---- Anthropic Messages

_ANTHROPIC_ERROR_TYPES: Final[Mapping[int, str]] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
# Reply.finish_reason is OpenAI-flavoured; Anthropic names the same stops differently.
_ANTHROPIC_STOP_REASONS: Final[Mapping[str, str]] = {"stop": "end_turn", "length": "max_tokens"}


class _AnthropicMessageIn(msgspec.Struct):
    role: str
    content: str | list[dict[str, object]]

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(block.get("text", "")) for block in self.content)
        return self.content


class _MessagesCall(msgspec.Struct):
    """The fields of a ``POST /v1/messages`` body the fake server acts on (``max_tokens`` is
    required, as by the real API)."""

    model: str
    max_tokens: Annotated[int, msgspec.Meta(ge=1)]
    messages: list[_AnthropicMessageIn]
    system: str | list[dict[str, object]] | None = None
    stream: bool | None = None


_messages_decoder: Final = msgspec.json.Decoder(_MessagesCall)


def _sse_event(name: bytes, data: bytes) -> bytes:
    return b"event: " + name + b"\ndata: " + data + b"\n\n"


class _AnthropicMessages(_Protocol[_MessagesCall]):
    """Anthropic Messages (wire.md section 3.1): ``message_start``, one text block (start, a
    ``ping``, one ``text_delta`` per token, stop), ``message_delta`` with the stop reason and
    cumulative usage, ``message_stop``. ``Reply.finish_reason`` "stop" is sent as ``end_turn``
    and "length" as ``max_tokens``; any other value as it is."""

    stream_content_type = b"text/event-stream; charset=utf-8"

    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        error_type = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return _encode({"type": "error", "error": {"type": error_type, "message": message}})

    def stream_error(self, message: str) -> bytes:
        return _sse_event(b"error", self.error_body(529, message))

    def malformed_event(self) -> bytes:
        return _sse_event(b"content_block_delta", b'{"type":"content_block_delta","index":0,')

    def parse(self, request: RecordedRequest) -> _MessagesCall:
        call = _decode_call(_messages_decoder, request)
        if not call.messages:
            raise _BadRequest("messages: at least one message is required")
        return call

    def render(self, script: _Script, call: _MessagesCall, meta: _Meta) -> _Plan:
        prompt_text = " ".join(message.text() for message in call.messages)
        input_tokens, output_tokens = _usage_counts(script, prompt_text)
        reason = script.reply.finish_reason
        stop_reason = _ANTHROPIC_STOP_REASONS.get(reason, reason)
        message_id = f"msg_fake{meta.seq}"
        if not call.stream:
            body = _encode(
                {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": call.model,
                    "content": [{"type": "text", "text": script.text}],
                    "stop_reason": stop_reason,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
                }
            )
            return _whole_plan(script, body, meta, output_tokens)

        start = {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": call.model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": 1},
            },
        }
        prefix = (
            _sse_event(b"message_start", _encode(start))
            + _sse_event(
                b"content_block_start",
                b'{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
            )
            + _sse_event(b"ping", b'{"type": "ping"}')
        )
        tokens = [
            _sse_event(
                b"content_block_delta",
                b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":'
                + json_token
                + b"}}",
            )
            for json_token in script.json_tokens
        ]
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        }
        tail = [
            _sse_event(b"content_block_stop", b'{"type":"content_block_stop","index":0}')
            + _sse_event(b"message_delta", _encode(delta))
            + _sse_event(b"message_stop", b'{"type":"message_stop"}')
        ]
        return _stream_plan(
            script,
            meta,
            prefix=prefix,
            tokens=tokens,
            tail=tail,
            content_type=self.stream_content_type,
        )


# ---- Ollama generate


class _GenerateCall(msgspec.Struct):
    """The fields of a ``POST /api/generate`` body the fake server acts on (Ollama streams
    unless ``"stream": false``)."""

    model: str
    prompt: str = ""
    system: str | None = None
    stream: bool = True


_generate_decoder: Final = msgspec.json.Decoder(_GenerateCall)


class _OllamaGenerate(_Protocol[_GenerateCall]):
    """Ollama's native ``/api/generate`` (wire.md section 3.2): one NDJSON line per token, then
    a ``"done": true`` line with ``done_reason`` (``Reply.finish_reason``) and the eval counts."""

    framing = "ndjson"
    stream_content_type = b"application/x-ndjson"

    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        return _encode({"error": message})

    def stream_error(self, message: str) -> bytes:
        return self.error_body(500, message) + b"\n"

    def malformed_event(self) -> bytes:
        return b'{"model":"fake","response":\n'

    def parse(self, request: RecordedRequest) -> _GenerateCall:
        call = _decode_call(_generate_decoder, request)
        if not call.model:
            raise _BadRequest("model is required")
        return call

    def render(self, script: _Script, call: _GenerateCall, meta: _Meta) -> _Plan:
        prompt_eval_count, eval_count = _usage_counts(script, f"{call.system or ''} {call.prompt}")
        created_at = _encode(
            datetime.datetime.fromtimestamp(meta.created, datetime.timezone.utc)
            .isoformat()
            .replace("+00:00", "Z")
        )
        final = {
            "done": True,
            "done_reason": script.reply.finish_reason,
            "context": [1, 2, 3],
            "total_duration": 1_000_000 * (eval_count + 1),
            "prompt_eval_count": prompt_eval_count,
            "eval_count": eval_count,
            "eval_duration": 1_000_000 * eval_count,
        }
        head = b'{"model":' + _encode(call.model) + b',"created_at":' + created_at
        if not call.stream:
            body = head + b',"response":' + _encode(script.text) + b"," + _encode(final)[1:]
            return _whole_plan(script, body, meta, eval_count)
        tokens = [
            head + b',"response":' + json_token + b',"done":false}\n'
            for json_token in script.json_tokens
        ]
        tail = [head + b',"response":"",' + _encode(final)[1:] + b"\n"]
        return _stream_plan(
            script,
            meta,
            prefix=b"",
            tokens=tokens,
            tail=tail,
            content_type=self.stream_content_type,
        )


def _faulty(plan: _Plan, reply: Reply, protocol: _Protocol[Any]) -> _Plan:
    """`plan` with the reply's faults: cut at the k-th token event, and what follows."""
    fault: _Fault | None = None
    cut = reply.truncate_after
    if reply.reset_after is not None:
        fault, cut = "reset", reply.reset_after
    elif reply.stall_after is not None:
        fault, cut = "stall", reply.stall_after
    if fault is not None and (cut == 0 or not plan.streaming):
        plan.early, plan.pieces = fault, ()
        return plan
    if not plan.streaming:
        return plan
    pieces = list(plan.pieces)
    if reply.malformed_after is not None:
        at = min(reply.malformed_after, plan.token_pieces)
        bad = protocol.malformed_event()
        if at < len(pieces):
            pieces[at] = bad + pieces[at]  # rides with the next piece: counts stay the same
        else:
            pieces.append(bad)
    if reply.error_after is not None:
        cut = reply.error_after
    if cut is not None:
        plan.token_pieces = min(cut, plan.token_pieces)
        pieces = pieces[: plan.token_pieces]
    if reply.error_after is not None:
        pieces.append(protocol.stream_error(reply.error_message))
    plan.pieces, plan.ending = pieces, fault
    return plan


_ROUTES: Final[Mapping[str, _Protocol[Any]]] = {
    "/v1/completions": _Completions(),
    "/v1/chat/completions": _ChatCompletions(),
    "/v1/messages": _AnthropicMessages(),
    "/api/generate": _OllamaGenerate(),
}


# --------------------------------------------------------------------------------------------------
# Shared state (touched by the server thread and the test thread)


class _State:
    def __init__(self, default: _Script) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.default = default
        self.queue: deque[_Script] = deque()
        self.requests: list[RecordedRequest] = []
        self.seq = 0
        self.disconnects = 0
        self.completed = 0
        self.tokens_sent: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def record(self, request: RecordedRequest) -> int:
        with self.lock:
            self.requests.append(request)
            self.seq += 1
            return self.seq

    def next_script(self) -> _Script:
        with self.lock:
            return self.queue.popleft() if self.queue else self.default

    def stream_ended(
        self, tokens: int, *, completed: bool = False, disconnected: bool = False
    ) -> None:
        with self.changed:
            self.tokens_sent.append(tokens)
            if completed:
                self.completed += 1
            if disconnected:
                self.disconnects += 1
            self.changed.notify_all()

    def reset(self) -> None:
        with self.changed:
            self.queue.clear()
            self.requests.clear()
            self.seq = 0
            self.disconnects = 0
            self.completed = 0
            self.tokens_sent.clear()
            self.max_in_flight = self.in_flight
            self.changed.notify_all()


# --------------------------------------------------------------------------------------------------
# The ASGI app

_Message = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[_Message]]
_Send = Callable[[_Message], Awaitable[None]]


class _Outcome(enum.Enum):
    DONE = enum.auto()
    DISCONNECTED = enum.auto()
    STOPPING = enum.auto()


async def _read_body(receive: _Receive) -> bytes | None:
    """The whole request body, or None if the client went away first."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _until_disconnect(receive: _Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _body(data: bytes, *, more: bool) -> _Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


class _Progress:
    __slots__ = ("tokens",)

    def __init__(self) -> None:
        self.tokens = 0


async def _forever() -> None:
    await asyncio.Event().wait()


class _App:
    def __init__(self, state: _State) -> None:
        self._state = state
        self._stopping: asyncio.Event | None = None
        self.server: uvicorn.Server | None = None  # set when serving: resets find connections

    def bind(self) -> asyncio.Event:
        """Create the shutdown signal in the running loop (one per `serve`)."""
        self._stopping = asyncio.Event()
        return self._stopping

    async def __call__(self, scope: _Message, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http":
            return
        state = self._state
        state.enter()
        try:
            body = await _read_body(receive)
            if body is None:
                return
            headers: dict[str, str] = {}
            for raw_name, raw_value in scope["headers"]:
                name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            request = RecordedRequest(scope["method"], scope["path"], headers, body)
            meta = _Meta(seq=state.record(request), created=int(time.time()))
            plan = self._plan(request, meta)
            await self._execute(plan, receive, send, scope)
        finally:
            state.leave()

    def _plan(self, request: RecordedRequest, meta: _Meta) -> _Plan:
        protocol = _ROUTES.get(request.path)
        if protocol is None:
            message = f"Unknown path {request.path!r}: the fake server serves {sorted(_ROUTES)}"
            return _json_plan(404, _openai_status_error(404, message), meta)
        if request.method != "POST":
            message = f"Method {request.method} not allowed on {request.path}; use POST"
            return _json_plan(405, protocol.error_body(405, message), meta)
        try:
            call = protocol.parse(request)
        except _BadRequest as exc:
            return _json_plan(400, protocol.error_body(400, exc.message, exc.param), meta)

        script = self._state.next_script()
        reply = script.reply
        if reply.status != 200:
            if reply.error_body is not None:
                body = reply.error_body
            else:
                message = (
                    f"Scripted {reply.status} {_status_phrase(reply.status)} (rillet fake server)"
                )
                body = protocol.error_body(reply.status, message)
            plan = _json_plan(reply.status, body, meta)
        elif (pieces := script.body_pieces(protocol.framing)) is not None:
            headers = [
                (b"content-type", protocol.stream_content_type),
                (b"x-request-id", _latin1(meta.request_id)),
            ]
            plan = _Plan(
                status=200,
                headers=headers,
                pieces=pieces,
                streaming=True,
                token_pieces=len(pieces),
                delay=reply.delay,
            )
        else:
            plan = protocol.render(script, call, meta)
        if reply.content_type is not None:
            content_type = [(b"content-type", _latin1(reply.content_type))]
            plan.headers = _with_headers(plan.headers, content_type)
        plan.headers = _with_headers(plan.headers, script.headers)
        return _faulty(plan, reply, protocol)

    async def _race(self, work: Awaitable[None], receive: _Receive) -> _Outcome:
        """Run `work` until it ends, the client disconnects or the server stops."""
        if self._stopping is None:
            self.bind()
        assert self._stopping is not None
        worker = asyncio.ensure_future(work)
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        stopper = asyncio.ensure_future(self._stopping.wait())
        tasks = (worker, watcher, stopper)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if not worker.cancelled():
            worker.result()  # re-raise a bug in the worker
            return _Outcome.DONE
        if not watcher.cancelled():
            return _Outcome.DISCONNECTED
        return _Outcome.STOPPING

    async def _execute(self, plan: _Plan, receive: _Receive, send: _Send, scope: _Message) -> None:
        start: _Message = {
            "type": "http.response.start",
            "status": plan.status,
            "headers": plan.headers,
        }
        if not plan.streaming or plan.early is not None:
            if plan.delay > 0 or plan.early == "stall":
                wait = _forever() if plan.early == "stall" else asyncio.sleep(plan.delay)
                outcome = await self._race(wait, receive)
                if outcome is _Outcome.DISCONNECTED:
                    return
                if outcome is _Outcome.STOPPING:
                    await self._send_shutting_down(send)
                    return
            if plan.early == "reset":
                await self._reset(scope, receive)
                return
            await send(start)
            await send(_body(b"".join(plan.pieces), more=False))
            return

        await send(start)
        progress = _Progress()
        outcome = await self._race(self._pump(plan, send, progress), receive)
        if outcome is _Outcome.DISCONNECTED:
            self._state.stream_ended(progress.tokens, disconnected=True)
            return
        if outcome is _Outcome.DONE and plan.ending == "reset":
            self._state.stream_ended(progress.tokens)
            await self._reset(scope, receive)
            return
        # Count before the final chunk: a client that has read the whole response sees the count.
        self._state.stream_ended(progress.tokens, completed=outcome is _Outcome.DONE)
        await send(_body(b"", more=False))  # on STOPPING this truncates the stream cleanly

    @staticmethod
    async def _pump(plan: _Plan, send: _Send, progress: _Progress) -> None:
        delay = plan.delay
        token_pieces = plan.token_pieces
        for index, piece in enumerate(plan.pieces):
            if delay and index < token_pieces:
                await asyncio.sleep(delay)
            elif index and not index % _UNPACED_SENDS_PER_YIELD:
                # Let the loop run: a client reset is seen (and uvicorn stops writing) before
                # asyncio starts logging writes to the dead socket, and other streams get a turn.
                await asyncio.sleep(0)
            await send(_body(piece, more=True))
            if index < token_pieces:
                progress.tokens = index + 1
        if plan.ending == "stall":
            await _forever()  # until the client goes away or the server stops

    async def _reset(self, scope: _Message, receive: _Receive) -> None:
        """Reset this request's TCP connection (an RST, not a clean close) and wait until uvicorn
        has noticed, so that it neither logs nor answers for the request."""
        client = scope.get("client")
        state = getattr(self.server, "server_state", None)
        for connection in list(getattr(state, "connections", ())):
            if client is None or tuple(getattr(connection, "client", None) or ()) != tuple(client):
                continue
            transport = getattr(connection, "transport", None)
            if not isinstance(transport, asyncio.Transport):
                continue
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        try:
            await asyncio.wait_for(_until_disconnect(receive), _STOP_TIMEOUT)
        except asyncio.TimeoutError:  # pragma: no cover - uvicorn always reports a lost connection
            pass

    @staticmethod
    async def _send_shutting_down(send: _Send) -> None:
        body = _openai_error("The fake server is shutting down", "server_error")
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send(_body(body, more=False))


# --------------------------------------------------------------------------------------------------
# The server


def _abort_connections(server: uvicorn.Server) -> None:
    """Abort every connection uvicorn still tracks (uses its `server_state`, defensively)."""
    state = getattr(server, "server_state", None)
    for connection in list(getattr(state, "connections", ())):
        transport = getattr(connection, "transport", None)
        if isinstance(transport, asyncio.Transport):
            transport.abort()


class FakeServer:
    """A real HTTP server on 127.0.0.1 that answers with scripted `Reply` values.

    ::

        with FakeServer(Reply(tokens=["Hi", "!"]), default=Reply(status=500)) as server:
            client = httpx.Client(base_url=server.base_url)
            ...
            assert server.requests[0].json()["model"] == "gpt-3.5-turbo-instruct"

    Routes, and the base URL to give each client:

    ==========================  =======================  =========================================
    route                       protocol                 client
    ==========================  =======================  =========================================
    ``/v1/completions``         OpenAI completions       ``OpenAI(base_url=server.base_url)``
    ``/v1/chat/completions``    OpenAI chat completions  ``OpenAIChat(base_url=server.base_url)``
    ``/v1/messages``            Anthropic Messages       ``Anthropic(base_url=server.root_url)``
    ``/api/generate``           Ollama generate (NDJSON) ``Ollama(base_url=server.root_url)``
    ==========================  =======================  =========================================

    Each renders `Reply.tokens` in its own format (chat: ``n`` choices interleaved by index, a
    usage chunk when ``stream_options.include_usage``; Anthropic: ``finish_reason`` "stop" and
    "length" sent as ``end_turn`` and ``max_tokens``; Ollama: streamed unless ``"stream":
    false``). A raw `Reply.body` is split per SSE event, or per line on the NDJSON route.
    Anything else gets an OpenAI-style 404 (or 405) error; malformed bodies get a 400 in the
    route's error format. Neither uses up a queued reply, but every request is recorded.

    Streamed responses are the SSE replies to ``"stream": true`` requests and every `Reply.body`
    reply. For each one that ends, `tokens_sent` gets one entry (token events sent, counting each
    choice's event; for a `body` reply, pieces sent) and exactly one of these happens: `completed`
    grows (everything scripted was sent, a truncated or error-ending script included),
    `disconnects` grows (the client closed the connection first, e.g. after a stall; sending
    stops at once), or neither (`stop` cut the stream short, or the script reset it).

    Faults are scripted per reply, so a test (or a user's) can rehearse what real servers do::

        server.queue(
            Reply(status=429, headers={"retry-after": "1"}),  # retried by a client...
            Reply(reset_after=0),                    # a connection reset before any response
            Reply(tokens=toks, reset_after=3),       # an RST after 3 token events
            Reply(tokens=toks, stall_after=3),       # 3 events, then silence (a read timeout)
            Reply(tokens=toks, truncate_after=3),    # 3 events, then EOF without [DONE]
            Reply(tokens=toks, error_after=3),       # 3 events, then an in-stream error event
            Reply(tokens=toks, malformed_after=3),   # a cut-short JSON event after 3 events
            Reply(tokens=toks, content_type="text/html"),  # the wrong content type
            Reply(truncate_after=0),                 # a 200 with an empty body
        )

    `port` (keyword-only) asks for a fixed port instead of an ephemeral one.
    """

    def __init__(self, *replies: Reply, default: Reply = _DEFAULT_REPLY, port: int = 0) -> None:
        self._state = _State(_Script(default))
        self._app = _App(self._state)
        self._requested_port = port
        self._port: int | None = None
        self._lifecycle = threading.Lock()
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread_error: BaseException | None = None
        self.queue(*replies)

    # ---- lifecycle

    def start(self) -> FakeServer:
        """Bind 127.0.0.1, serve in a daemon thread and return once accepting connections."""
        try:
            import uvicorn
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "rillet.testing.FakeServer needs uvicorn: pip install 'rillet[server]'"
            ) from exc
        with self._lifecycle:
            if self._thread is not None:
                raise RuntimeError("FakeServer is already running")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                if self._requested_port:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((_HOST, self._requested_port))
            except BaseException:
                sock.close()
                raise
            port: int = sock.getsockname()[1]
            config = uvicorn.Config(
                self._app,
                host=_HOST,
                port=port,
                http="h11",
                loop="asyncio",
                ws="none",
                lifespan="off",
                interface="asgi3",
                log_config=None,  # leave the process's logging configuration alone
                log_level="warning",
                access_log=False,
                proxy_headers=False,
                server_header=False,
                timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
            )
            server = uvicorn.Server(config)
            self._app.server = server
            self._thread_error = None
            self._loop = None
            thread = threading.Thread(
                target=self._run,
                args=(server, sock),
                name=f"rillet-fake-server-{port}",
                daemon=True,
            )
            thread.start()
            deadline = time.monotonic() + _START_TIMEOUT
            while not server.started:
                if not thread.is_alive():
                    sock.close()
                    raise RuntimeError(
                        f"FakeServer failed to start on {_HOST}:{port}"
                    ) from self._thread_error
                if time.monotonic() > deadline:
                    server.should_exit = True
                    thread.join(_STOP_TIMEOUT)
                    sock.close()
                    raise RuntimeError(
                        f"FakeServer did not start on {_HOST}:{port} within {_START_TIMEOUT} s"
                    )
                time.sleep(0.001)
            self._thread, self._server, self._port = thread, server, port
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(server, sock))
        except BaseException as exc:  # e.g. SystemExit from a uvicorn startup failure
            self._thread_error = exc
        finally:
            sock.close()

    async def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        stopping = self._stopping = self._app.bind()
        reaper = asyncio.ensure_future(self._abort_stuck_connections(server, stopping))
        try:
            # serve() installs no signal handlers outside the main thread (uvicorn checks).
            await server.serve(sockets=[sock])
        finally:
            reaper.cancel()
            _abort_connections(server)
            await asyncio.sleep(0)  # let connection_lost callbacks run before the loop closes

    @staticmethod
    async def _abort_stuck_connections(server: uvicorn.Server, stopping: asyncio.Event) -> None:
        """After `stop`, abort connections that are still open once streams have had time to end.

        A stream whose client stopped reading is stuck in uvicorn's write back-pressure; aborting
        its transport unblocks the send (it becomes a no-op), so the handler returns normally
        instead of being cancelled at the graceful-shutdown timeout, and no transport is left
        unclosed when the loop closes.
        """
        await stopping.wait()
        await asyncio.sleep(_STUCK_AFTER_STOP_S)
        _abort_connections(server)

    def stop(self) -> None:
        """Stop serving: streams in flight end at once (truncated), then the thread is joined."""
        with self._lifecycle:
            thread, server, loop, stopping = self._thread, self._server, self._loop, self._stopping
            if thread is None or server is None:
                return
            server.should_exit = True
            if loop is not None and stopping is not None:
                try:
                    loop.call_soon_threadsafe(stopping.set)
                except RuntimeError:  # the loop has already closed
                    pass
            thread.join(_STOP_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(_STOP_TIMEOUT)
            self._thread = self._server = self._loop = self._stopping = None
            if thread.is_alive():
                raise RuntimeError("FakeServer did not stop within its timeout")

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- addresses

    @property
    def port(self) -> int:
        """The bound port (valid after `start`)."""
        if self._port is None or self._thread is None:
            raise RuntimeError("FakeServer is not running; call start() or use it in a with block")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``, for clients that append the ``/v1`` themselves."""
        return f"http://{_HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``, the OpenAI-style base URL (valid after `start`)."""
        return f"{self.root_url}/v1"

    # ---- scripting

    def queue(self, *replies: Reply) -> None:
        """Append replies; each request to a protocol route takes the oldest, else `default`."""
        scripts = [_Script(reply) for reply in replies]
        with self._state.lock:
            self._state.queue.extend(scripts)

    def reset(self) -> None:
        """Clear the queued replies, the recorded requests and every counter (not `default`)."""
        self._state.reset()

    # ---- observations (safe to read from any thread)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def disconnects(self) -> int:
        """Streams the client closed before the server finished sending."""
        with self._state.lock:
            return self._state.disconnects

    @property
    def completed(self) -> int:
        """Streams sent in full."""
        with self._state.lock:
            return self._state.completed

    @property
    def tokens_sent(self) -> list[int]:
        """Per ended stream, in order of ending: token events sent before it ended."""
        with self._state.lock:
            return list(self._state.tokens_sent)

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        with self._state.lock:
            return self._state.in_flight

    @property
    def max_in_flight(self) -> int:
        """The peak number of requests handled at the same time."""
        with self._state.lock:
            return self._state.max_in_flight

    def wait_for_disconnect(self, timeout: float = 5.0, *, n: int = 1) -> bool:
        """Wait until `disconnects` >= `n` (counted since construction or `reset`).

        Returns False if that did not happen within `timeout` seconds.
        """
        with self._state.changed:
            return self._state.changed.wait_for(lambda: self._state.disconnects >= n, timeout)

    def __repr__(self) -> str:
        where = self.base_url if self._thread is not None else "not running"
        return f"<FakeServer {where}>"
