"""Anthropic Messages (``/v1/messages``): requests parsed, scripts rendered as the named SSE
events of a Messages stream (``message_start`` ... ``message_stop``) or as one whole message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Final

import msgspec

if TYPE_CHECKING:
    pass
from .protocol import BadRequest, Protocol, decode_call, stream_plan, usage_counts, whole_plan
from .script import Meta, Plan, RecordedRequest, Script, encode
from .tools import anthropic_tool_blocks, anthropic_tool_events

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
    output_config: dict[str, object] | None = None


_messages_decoder: Final = msgspec.json.Decoder(_MessagesCall)


def _blocks(message: _AnthropicMessageIn, kind: str) -> list[dict[str, object]]:
    if isinstance(message.content, str):
        return []
    return [block for block in message.content if block.get("type") == kind]


# Structured outputs (https://platform.claude.com/docs/en/build-with-claude/structured-outputs):
# keywords the API does not accept in ``output_config.format.schema``.
_UNSUPPORTED_KEYWORDS: Final = frozenset(
    (
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "maxItems",
    )
)


def _check_output_schema(node: object, where: str) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_output_schema(item, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    unsupported = sorted(_UNSUPPORTED_KEYWORDS.intersection(node))
    if unsupported:
        raise BadRequest(f"{where}: {unsupported[0]!r} is not supported in structured outputs")
    if node.get("minItems", 0) not in (0, 1):
        raise BadRequest(f"{where}: minItems values other than 0 or 1 are not supported")
    if node.get("type") == "object" and node.get("additionalProperties") is not False:
        raise BadRequest(f"{where}: for 'object' type, 'additionalProperties' must be false")
    for key in ("properties", "$defs"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                _check_output_schema(child, f"{where}.{key}.{name}")
    for key in ("items", "anyOf", "allOf"):
        if key in node:
            _check_output_schema(node[key], f"{where}.{key}")


def _check_output_config(config: dict[str, object] | None) -> None:
    """As the API does: ``output_config.format`` is ``{"type": "json_schema", "schema"}`` with
    a schema in the subset structured outputs take."""
    if config is None or config.get("format") is None:
        return
    output = config["format"]
    if not isinstance(output, dict) or output.get("type") != "json_schema":
        raise BadRequest("output_config.format.type: Input should be 'json_schema'")
    schema = output.get("schema")
    if not isinstance(schema, dict):
        raise BadRequest("output_config.format.schema: Field required (a JSON schema object)")
    _check_output_schema(schema, "output_config.format.schema")


def _check_tool_turns(messages: list[_AnthropicMessageIn]) -> None:
    """As the API does: the user turn after an assistant turn with ``tool_use`` blocks answers
    each of them with a ``tool_result`` block (by ``tool_use_id``), and a ``tool_result``
    answers a ``tool_use`` of the turn just before."""
    pending: set[object] = set()
    for i, message in enumerate(messages):
        results = {block.get("tool_use_id") for block in _blocks(message, "tool_result")}
        if message.role != "user" and results:
            raise BadRequest(f"messages.{i}: tool_result blocks belong in a user turn")
        unknown = results - pending
        if unknown:
            raise BadRequest(
                f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{sorted(map(str, unknown))}. Each `tool_result` block must have a corresponding "
                "`tool_use` block in the previous message."
            )
        missing = pending - results
        if missing:
            raise BadRequest(
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {sorted(map(str, missing))}. Each `tool_use` block must have "
                "a corresponding `tool_result` block in the next message."
            )
        pending = {block.get("id") for block in _blocks(message, "tool_use")}


def _sse_event(name: bytes, data: bytes) -> bytes:
    return b"event: " + name + b"\ndata: " + data + b"\n\n"


class AnthropicMessages(Protocol[_MessagesCall]):
    """Anthropic Messages (https://docs.anthropic.com/en/api/messages-streaming):
    ``message_start``, one ``redacted_thinking`` block per ``Reply.redacted_thinking``, with
    ``Reply.reasoning`` a thinking block (one ``thinking_delta`` per piece, a
    ``signature_delta``, stop), one text block (start, a ``ping``, one ``text_delta`` per token,
    a ``citations_delta`` per ``Reply.citations``, stop), ``message_delta`` with the stop reason and cumulative usage, ``message_stop``.
    ``Reply.finish_reason`` "stop" is sent as ``end_turn``
    and "length" as ``max_tokens``; any other value as it is."""

    stream_content_type = b"text/event-stream; charset=utf-8"

    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        error_type = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return encode({"type": "error", "error": {"type": error_type, "message": message}})

    def stream_error(self, message: str) -> bytes:
        return _sse_event(b"error", self.error_body(529, message))

    def malformed_event(self) -> bytes:
        return _sse_event(b"content_block_delta", b'{"type":"content_block_delta","index":0,')

    def parse(self, request: RecordedRequest) -> _MessagesCall:
        call = decode_call(_messages_decoder, request)
        if not call.messages:
            raise BadRequest("messages: at least one message is required")
        _check_tool_turns(call.messages)
        _check_output_config(call.output_config)
        return call

    def render(self, script: Script, call: _MessagesCall, meta: Meta) -> Plan:
        prompt_text = " ".join(message.text() for message in call.messages)
        input_tokens, output_tokens = usage_counts(script, prompt_text)
        reason = script.finish_reason("tool_use")
        stop_reason = _ANTHROPIC_STOP_REASONS.get(reason, reason)
        calls = script.tool_calls
        message_id = f"msg_fake{meta.seq}"
        signature = f"fake-signature-{meta.seq}"
        if not call.stream:
            body = encode(
                {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": call.model,
                    "content": [
                        *({"type": "redacted_thinking", "data": data} for data in script.redacted),
                        *(
                            [
                                {
                                    "type": "thinking",
                                    "thinking": script.reasoning,
                                    "signature": signature,
                                }
                            ]
                            if script.reasoning
                            else []
                        ),
                        *(
                            [
                                {"type": "text", "text": script.text}
                                | (
                                    {"citations": list(script.citations)}
                                    if script.citations
                                    else {}
                                )
                            ]
                            if script.text or not calls
                            else []
                        ),
                        *anthropic_tool_blocks(calls, meta.seq),
                    ],
                    "stop_reason": stop_reason,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
                }
            )
            return whole_plan(script, body, meta, output_tokens)

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
        # Blocks in order: redacted thinking, thinking (with Reply.reasoning), text, then the
        # tool_use blocks.
        redacted = b"".join(
            _sse_event(
                b"content_block_start",
                b'{"type":"content_block_start","index":%d,"content_block":' % position
                + encode({"type": "redacted_thinking", "data": data})
                + b"}",
            )
            + _sse_event(
                b"content_block_stop", b'{"type":"content_block_stop","index":%d}' % position
            )
            for position, data in enumerate(script.redacted)
        )
        first = len(script.redacted)  # the thinking block's index (when there is one)
        thinking = [
            _sse_event(
                b"content_block_delta",
                b'{"type":"content_block_delta","index":%d,"delta":{"type":"thinking_delta",'
                % first
                + b'"thinking":'
                + json_piece
                + b"}}",
            )
            for json_piece in script.json_reasoning
        ]
        index = b"%d" % (first + 1 if thinking else first)  # the text block's
        has_text = bool(script.tokens) or not calls
        text_start = _sse_event(
            b"content_block_start",
            b'{"type":"content_block_start","index":'
            + index
            + b',"content_block":{"type":"text","text":""}}',
        )
        text_stop = _sse_event(
            b"content_block_stop", b'{"type":"content_block_stop","index":' + index + b"}"
        )
        thinking_start = _sse_event(
            b"content_block_start",
            b'{"type":"content_block_start","index":%d,"content_block":' % first
            + b'{"type":"thinking","thinking":"","signature":""}}',
        )
        prefix = (
            _sse_event(b"message_start", encode(start))
            + redacted
            + (thinking_start if thinking else text_start if has_text else b"")
            + _sse_event(b"ping", b'{"type": "ping"}')
        )
        tokens = [
            _sse_event(
                b"content_block_delta",
                b'{"type":"content_block_delta","index":'
                + index
                + b',"delta":{"type":"text_delta","text":'
                + json_token
                + b"}}",
            )
            for json_token in script.json_tokens
        ]
        if tokens:
            tokens[-1] += b"".join(
                _sse_event(
                    b"content_block_delta",
                    b'{"type":"content_block_delta","index":'
                    + index
                    + b',"delta":{"type":"citations_delta","citation":'
                    + encode(citation)
                    + b"}}",
                )
                for citation in script.citations
            )
        if calls and tokens:
            tokens[-1] += text_stop  # the text block ends before the tool_use blocks
        if thinking:
            thinking_end = (
                _sse_event(
                    b"content_block_delta",
                    b'{"type":"content_block_delta","index":%d,"delta":{"type":"signature_delta",'
                    % first
                    + b'"signature":'
                    + encode(signature)
                    + b"}}",
                )
                + _sse_event(
                    b"content_block_stop", b'{"type":"content_block_stop","index":%d}' % first
                )
                + (text_start if has_text else b"")
            )
            if tokens:
                tokens[0] = thinking_end + tokens[0]
            else:
                thinking[-1] += thinking_end
            tokens = thinking + tokens
        if calls:
            tools_first = first + int(bool(thinking)) + int(has_text)
            tokens.extend(anthropic_tool_events(calls, meta.seq, first_block=tools_first))
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        }
        tail = [
            (text_stop if has_text and not calls else b"")
            + _sse_event(b"message_delta", encode(delta))
            + _sse_event(b"message_stop", b'{"type":"message_stop"}')
        ]
        return stream_plan(
            script,
            meta,
            prefix=prefix,
            tokens=tokens,
            tail=tail,
            content_type=self.stream_content_type,
        )
