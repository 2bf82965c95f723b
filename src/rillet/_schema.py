"""Wire structs for OpenAI ``/v1/completions`` (and compatible servers), with typed decoders.

Unknown fields are ignored (servers add vendor keys); fields servers omit or send as ``null`` have
defaults. Decoders are built once, at import.
"""

from __future__ import annotations

from typing import Final

import msgspec

from ._outputs import Logprobs, TokenUsage

__all__ = [
    "Completion",
    "CompletionChoice",
    "CompletionChunk",
    "ErrorBody",
    "ErrorEnvelope",
    "completion_chunk_decoder",
    "completion_decoder",
    "error_envelope_decoder",
]


class ErrorBody(msgspec.Struct, frozen=True):
    """An OpenAI-style error object. ``code`` is a string for OpenAI, an int for vLLM/OpenRouter."""

    message: str | None = None
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class CompletionChoice(msgspec.Struct, frozen=True, gc=False):
    text: str | None = None
    index: int = 0
    logprobs: Logprobs | None = None
    finish_reason: str | None = None


class CompletionChunk(msgspec.Struct, frozen=True, gc=False):
    """One streamed ``text_completion`` event. ``error`` is set when a server reports a failure
    inside a 200 stream (vLLM, llama.cpp, OpenRouter)."""

    choices: list[CompletionChoice] = []
    id: str = ""
    model: str = ""
    usage: TokenUsage | None = None
    system_fingerprint: str | None = None
    error: ErrorBody | None = None


class Completion(msgspec.Struct, frozen=True):
    """A non-streamed completions response."""

    choices: list[CompletionChoice] = []
    id: str = ""
    model: str = ""
    usage: TokenUsage | None = None
    system_fingerprint: str | None = None


class ErrorEnvelope(msgspec.Struct, frozen=True):
    """``{"error": {...}}``, or vLLM's older top-level ``{"object": "error", "message": ...}``."""

    error: ErrorBody | None = None
    message: str | None = None


completion_chunk_decoder: Final[msgspec.json.Decoder[CompletionChunk]] = msgspec.json.Decoder(
    CompletionChunk
)
completion_decoder: Final[msgspec.json.Decoder[Completion]] = msgspec.json.Decoder(Completion)
error_envelope_decoder: Final[msgspec.json.Decoder[ErrorEnvelope]] = msgspec.json.Decoder(
    ErrorEnvelope
)
