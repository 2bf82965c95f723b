"""`Protocol`: one wire protocol of the fake server, parsing its requests and rendering a `Script`
into a `Plan`; plus the rendering helpers the protocols share. Knows nothing about sockets or timing.
A new protocol is a `Protocol` subclass in its own module, routed in `app.py`'s `ROUTES`.
"""

from __future__ import annotations

import abc
from http import HTTPStatus
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

import msgspec

if TYPE_CHECKING:
    pass
from .script import Framing, Meta, Plan, RecordedRequest, Script, encode, latin1


def with_headers(
    base: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`base` with `extra` appended; an `extra` name replaces every `base` header of that name."""
    if not extra:
        return base
    replaced = {name for name, _ in extra}
    return [(name, value) for name, value in base if name not in replaced] + extra


def json_plan(
    status: int, body: bytes, meta: Meta, *, content_type: bytes = b"application/json"
) -> Plan:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", latin1(meta.request_id)),
    ]
    return Plan(status=status, headers=headers, pieces=(body,), streaming=False)


class BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def openai_error(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> bytes:
    return encode({"error": {"message": message, "type": type_, "param": param, "code": code}})


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


CallT = TypeVar("CallT")


class Protocol(abc.ABC, Generic[CallT]):
    """One wire protocol: parses its requests and renders scripts in its format."""

    framing: ClassVar[Framing] = "sse"
    """How its streams are framed (and so how a raw `Reply.body` is split by default)."""
    stream_content_type: ClassVar[bytes] = b"text/event-stream"
    """The content type of its streams (and the default one of a raw `Reply.body`)."""

    @abc.abstractmethod
    def parse(self, request: RecordedRequest) -> CallT:
        """Validate the request; raise `BadRequest` to answer 400 without using up a reply."""

    @abc.abstractmethod
    def render(self, script: Script, call: CallT, meta: Meta) -> Plan:
        """The plan for a successful (200, token-rendering) reply."""

    @abc.abstractmethod
    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        """This protocol's JSON error body."""

    def stream_error(self, message: str) -> bytes:
        """An error event inside a 200 stream (OpenAI-style by default)."""
        return b"data: " + openai_error(message, "server_error") + b"\n\n"

    def malformed_event(self) -> bytes:
        """An event whose JSON is cut short."""
        return b'data: {"choices":[{"text":\n\n'


# ---- shared by the chat, Anthropic and Ollama protocols


def usage_counts(script: Script, prompt_text: str, choices: int = 1) -> tuple[int, int]:
    """(prompt tokens as whitespace-separated words, completion tokens as token events: text,
    reasoning and refusal pieces)."""
    events = len(script.tokens) + len(script.json_reasoning) + len(script.json_refusal)
    return len(prompt_text.split()), events * choices


def whole_plan(script: Script, body: bytes, meta: Meta, token_events: int) -> Plan:
    """A non-streamed reply, paced like the stream it replaces."""
    plan = json_plan(200, body, meta)
    plan.delay = script.reply.delay * token_events
    return plan


def stream_plan(
    script: Script,
    meta: Meta,
    *,
    prefix: bytes,
    tokens: list[bytes],
    tail: list[bytes],
    content_type: bytes,
) -> Plan:
    """A streamed reply: `prefix` (opening events) rides with the first token event, so that
    ``pieces[:token_pieces]`` stay the token events."""
    pieces = [*tokens, *tail]
    if tokens:
        pieces[0] = prefix + pieces[0]
    elif prefix:
        pieces.insert(0, prefix)
    return Plan(
        status=200,
        headers=[
            (b"content-type", content_type),
            (b"cache-control", b"no-cache"),
            (b"x-request-id", latin1(meta.request_id)),
        ],
        pieces=pieces,
        streaming=True,
        token_pieces=len(tokens),
        delay=script.reply.delay,
    )


def decode_call(decoder: msgspec.json.Decoder[CallT], request: RecordedRequest) -> CallT:
    try:
        return decoder.decode(request.body)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise BadRequest(f"Invalid request body: {exc}") from None
