"""Wire structs of the OpenAI-style endpoints (``/v1/completions``, ``/v1/chat/completions``) as
OpenAI and every compatible server send them, with typed decoders.

One generic envelope, ``OpenAIPayload[Choice]``, serves both endpoints, streamed chunks and whole
responses alike: only the choice differs (``text`` for completions, ``delta.content`` in a chat
chunk, ``message.content`` in a chat response). The vendor variations of the envelope are
declared here, once (as recorded from each server; tests/fixtures/SOURCES.md lists the recordings):

- unknown fields are ignored: vLLM's ``stop_reason``, llama.cpp's ``timings``, OpenRouter's
  ``provider``/``native_finish_reason``, Novita's ``sla_metrics``, OpenAI's ``obfuscation``...;
- ``usage`` may be absent, ``null`` in every chunk (vLLM, Together), on the finish chunk
  (Together), in a ``choices: []`` chunk (OpenAI, Novita), or under ``x_groq.usage`` (Groq):
  ``reported_usage`` is the one place that reads it;
- ``error`` is an error object inside a 200 stream (OpenRouter, vLLM, llama.cpp);
- ``id`` is not read (a string LLM's result has no place for it): not decoding it spares a
  string per streamed chunk.

Decoders are built once, on first use (a typed decoder costs about a millisecond to build:
not at ``import rillet``).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Final, Generic, Literal, TypeVar

import msgspec

from ..._values.outputs import Logprobs, TokenUsage

__all__ = [
    "ChatChoice",
    "ChatDelta",
    "ChatMessageOut",
    "CompletionChoice",
    "ErrorBody",
    "ErrorEnvelope",
    "OpenAIPayload",
    "PlainChatChoice",
    "PlainCompletionChoice",
    "PlainPayload",
    "XGroq",
    "chat_chunk_decoder",
    "chat_completion_decoder",
    "completion_chunk_decoder",
    "completion_decoder",
    "error_envelope_decoder",
    "plain_chat_chunk_decoder",
    "plain_completion_chunk_decoder",
]

Choice = TypeVar("Choice")


class ErrorBody(msgspec.Struct, frozen=True):
    """An OpenAI-style error object. ``code`` is a string for OpenAI, an int for vLLM/OpenRouter."""

    message: str | None = None
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


Index = Annotated[int, msgspec.Meta(ge=0)]
"""A choice index: a negative one is a decode error, not an IndexError later."""


class CompletionChoice(msgspec.Struct, frozen=True, gc=False):
    text: str | None = None
    index: Index = 0
    logprobs: Logprobs | None = None
    finish_reason: str | None = None


class ToolCallName(msgspec.Struct, frozen=True, gc=False):
    name: str | None = None


class ToolCallSeen(msgspec.Struct, frozen=True, gc=False):
    """A tool call in a chat reply, read only to refuse it: a string LLM cannot return one."""

    function: ToolCallName | None = None


class ChatDelta(msgspec.Struct, frozen=True, gc=False):
    """What one chat chunk adds to a choice. Only ``content`` is text: ``role``, ``refusal``
    and vendors' ``reasoning`` are ignored, so they never leak into the text; ``tool_calls``
    is read to refuse it (``UnexpectedToolCallError``)."""

    content: str | None = None
    tool_calls: list[ToolCallSeen] | None = None


class ChatMessageOut(msgspec.Struct, frozen=True, gc=False):
    """The assistant message of a non-streamed chat response (``content`` is null for a tool
    call)."""

    content: str | None = None
    tool_calls: list[ToolCallSeen] | None = None


class ChatChoice(msgspec.Struct, frozen=True, gc=False):
    """A choice of a chat chunk (``delta``) or of a whole chat response (``message``)."""

    index: Index = 0
    delta: ChatDelta | None = None
    message: ChatMessageOut | None = None
    finish_reason: str | None = None


class XGroq(msgspec.Struct, frozen=True, gc=False):
    """Groq's vendor object: its finish chunk reports usage here, not in ``usage``."""

    usage: TokenUsage | None = None


class OpenAIPayload(msgspec.Struct, Generic[Choice], frozen=True, gc=False):
    """A completions or chat payload: one streamed chunk, or a whole non-streamed response."""

    choices: list[Choice] = []
    model: str = ""
    usage: TokenUsage | None = None
    system_fingerprint: str | None = None
    error: ErrorBody | None = None
    x_groq: XGroq | None = None

    @property
    def reported_usage(self) -> TokenUsage | None:
        """The usage this payload reports, wherever the server put it."""
        if self.usage is not None:
            return self.usage
        return self.x_groq.usage if self.x_groq is not None else None


# -- the common chunk, decoded in one step -------------------------------------------------------
# Nearly every chunk of a stream is one token of candidate 0 and nothing else. `PlainPayload` is
# `OpenAIPayload` narrowed to exactly that: the same fields with the same types where they may
# vary, `None` where such a chunk has nothing (a finish reason, logprobs, usage, an error), one
# choice, of index 0. A chunk it decodes, `OpenAIPayload` decodes to the same values; a chunk it
# refuses (a `ValidationError`, or any other decode error) is decoded as an `OpenAIPayload`,
# which says what it is. So the reader tells the common chunk from the others in msgspec, not in
# Python, and skips the fields that only matter elsewhere.


class PlainCompletionChoice(msgspec.Struct, frozen=True, gc=False):
    """A ``CompletionChoice`` that is one token of candidate 0 (``text`` may be empty)."""

    text: str
    index: Literal[0] = 0
    logprobs: None = None
    finish_reason: None = None


class PlainChatDelta(msgspec.Struct, frozen=True, gc=False):
    """A ``ChatDelta`` of text only."""

    content: str
    tool_calls: None = None


class PlainChatChoice(msgspec.Struct, frozen=True, gc=False):
    """A ``ChatChoice`` of a chunk that is one token of candidate 0 (``content`` may be empty)."""

    delta: PlainChatDelta
    index: Literal[0] = 0
    message: None = None
    finish_reason: None = None


class PlainPayload(msgspec.Struct, Generic[Choice], frozen=True, gc=False):
    """An ``OpenAIPayload`` that is one token of candidate 0 and nothing else."""

    choices: tuple[Choice]
    model: str = ""
    usage: None = None
    system_fingerprint: str | None = None
    error: None = None
    x_groq: None = None


class ErrorEnvelope(msgspec.Struct, frozen=True):
    """``{"error": {...}}``, or vLLM's older top-level ``{"object": "error", "message": ...}``."""

    error: ErrorBody | None = None
    message: str | None = None


@cache
def completion_chunk_decoder() -> msgspec.json.Decoder[OpenAIPayload[CompletionChoice]]:
    """The decoder of a ``/completions`` stream event (and of a whole answer)."""
    return msgspec.json.Decoder(OpenAIPayload[CompletionChoice])


completion_decoder: Final = completion_chunk_decoder


@cache
def chat_chunk_decoder() -> msgspec.json.Decoder[OpenAIPayload[ChatChoice]]:
    """The decoder of a ``/chat/completions`` stream event (and of a whole answer)."""
    return msgspec.json.Decoder(OpenAIPayload[ChatChoice])


chat_completion_decoder: Final = chat_chunk_decoder


@cache
def plain_completion_chunk_decoder() -> msgspec.json.Decoder[PlainPayload[PlainCompletionChoice]]:
    """The decoder of a ``/completions`` stream event that is one plain token (see above)."""
    return msgspec.json.Decoder(PlainPayload[PlainCompletionChoice])


@cache
def plain_chat_chunk_decoder() -> msgspec.json.Decoder[PlainPayload[PlainChatChoice]]:
    """The decoder of a ``/chat/completions`` stream event that is one plain token."""
    return msgspec.json.Decoder(PlainPayload[PlainChatChoice])


@cache
def error_envelope_decoder() -> msgspec.json.Decoder[ErrorEnvelope]:
    return msgspec.json.Decoder(ErrorEnvelope)
