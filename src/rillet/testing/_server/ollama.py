"""Ollama's native API, generate (``/api/generate``) and chat (``/api/chat``): requests parsed,
scripts rendered as NDJSON lines ending in a ``"done": true`` line, or as one whole response.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Final

import msgspec

if TYPE_CHECKING:
    pass
from .protocol import (
    BadRequest,
    CallT,
    Protocol,
    decode_call,
    stream_plan,
    usage_counts,
    whole_plan,
)
from .script import Meta, Plan, RecordedRequest, Script, encode
from .tools import ollama_tool_calls

# ---- Ollama generate


def _created_at(meta: Meta) -> bytes:
    return encode(
        datetime.datetime.fromtimestamp(meta.created, datetime.timezone.utc)
        .isoformat()
        .replace("+00:00", "Z")
    )


class _GenerateCall(msgspec.Struct):
    """The fields of a ``POST /api/generate`` body the fake server acts on (Ollama streams
    unless ``"stream": false``)."""

    model: str
    prompt: str = ""
    system: str | None = None
    stream: bool = True


_generate_decoder: Final = msgspec.json.Decoder(_GenerateCall)


class _OllamaProtocol(Protocol[CallT]):
    """What Ollama's endpoints share: NDJSON streams, ``{"error": ...}`` bodies and lines."""

    framing = "ndjson"
    stream_content_type = b"application/x-ndjson"

    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        return encode({"error": message})

    def stream_error(self, message: str) -> bytes:
        return self.error_body(500, message) + b"\n"

    def malformed_event(self) -> bytes:
        return b'{"model":"fake","response":\n'


class OllamaGenerate(_OllamaProtocol[_GenerateCall]):
    """Ollama's native ``/api/generate`` (https://github.com/ollama/ollama/blob/main/docs/api.md):
    one NDJSON line per token, then a ``"done": true`` line with ``done_reason``
    (``Reply.finish_reason``) and the eval counts."""

    def parse(self, request: RecordedRequest) -> _GenerateCall:
        call = decode_call(_generate_decoder, request)
        if not call.model:
            raise BadRequest("model is required")
        return call

    def render(self, script: Script, call: _GenerateCall, meta: Meta) -> Plan:
        prompt_eval_count, eval_count = usage_counts(script, f"{call.system or ''} {call.prompt}")
        created_at = _created_at(meta)
        final = {
            "done": True,
            "done_reason": script.reply.finish_reason,
            "context": [1, 2, 3],
            "total_duration": 1_000_000 * (eval_count + 1),
            "prompt_eval_count": prompt_eval_count,
            "eval_count": eval_count,
            "eval_duration": 1_000_000 * eval_count,
        }
        head = b'{"model":' + encode(call.model) + b',"created_at":' + created_at
        if not call.stream:
            body = head + b',"response":' + encode(script.text) + b"," + encode(final)[1:]
            return whole_plan(script, body, meta, eval_count)
        tokens = [
            head + b',"response":' + json_token + b',"done":false}\n'
            for json_token in script.json_tokens
        ]
        tail = [head + b',"response":"",' + encode(final)[1:] + b"\n"]
        return stream_plan(
            script,
            meta,
            prefix=b"",
            tokens=tokens,
            tail=tail,
            content_type=self.stream_content_type,
        )


# ---- Ollama chat


class _ChatMessageIn(msgspec.Struct):
    role: str
    content: str = ""


class _ChatCall(msgspec.Struct):
    """The fields of a ``POST /api/chat`` body the fake server acts on."""

    model: str
    messages: list[_ChatMessageIn] = []
    stream: bool = True
    format: str | dict[str, object] | None = None


_chat_decoder: Final = msgspec.json.Decoder(_ChatCall)


class OllamaChat(_OllamaProtocol[_ChatCall]):
    """Ollama's native ``/api/chat``: one NDJSON line per reasoning piece
    (``message.thinking``, with ``"content": ""``) and per token (``message.content``), one line
    with the scripted tool calls (whole), then a ``"done": true`` line with an empty message,
    ``done_reason`` and the eval counts."""

    def parse(self, request: RecordedRequest) -> _ChatCall:
        call = decode_call(_chat_decoder, request)
        if not call.model:
            raise BadRequest("model is required")
        if isinstance(call.format, str) and call.format != "json":
            raise BadRequest(f'invalid format: {call.format!r}: use "json" or a JSON schema')
        if isinstance(call.format, dict) and "type" not in call.format:
            raise BadRequest("invalid JSON schema in format")
        return call

    def render(self, script: Script, call: _ChatCall, meta: Meta) -> Plan:
        prompt_text = " ".join(message.content for message in call.messages)
        prompt_eval_count, eval_count = usage_counts(script, prompt_text)
        calls = ollama_tool_calls(script.tool_calls)
        final = {
            "done": True,
            "done_reason": script.finish_reason("stop"),
            "total_duration": 1_000_000 * (eval_count + 1),
            "prompt_eval_count": prompt_eval_count,
            "eval_count": eval_count,
            "eval_duration": 1_000_000 * eval_count,
        }
        head = b'{"model":' + encode(call.model) + b',"created_at":' + _created_at(meta)
        if not call.stream:
            message: dict[str, object] = {"role": "assistant", "content": script.text}
            if script.reasoning:
                message["thinking"] = script.reasoning
            if calls:
                message["tool_calls"] = calls
            body = head + b',"message":' + encode(message) + b"," + encode(final)[1:]
            return whole_plan(script, body, meta, eval_count)
        tokens = [
            head
            + b',"message":{"role":"assistant","content":"","thinking":'
            + json_piece
            + b'},"done":false}\n'
            for json_piece in script.json_reasoning
        ]
        tokens += [
            head + b',"message":{"role":"assistant","content":' + json_token + b'},"done":false}\n'
            for json_token in script.json_tokens
        ]
        if calls:  # whole, on one line after the text
            tokens.append(
                head
                + b',"message":{"role":"assistant","content":"","tool_calls":'
                + encode(calls)
                + b'},"done":false}\n'
            )
        tail = [head + b',"message":{"role":"assistant","content":""},' + encode(final)[1:] + b"\n"]
        return stream_plan(
            script,
            meta,
            prefix=b"",
            tokens=tokens,
            tail=tail,
            content_type=self.stream_content_type,
        )
