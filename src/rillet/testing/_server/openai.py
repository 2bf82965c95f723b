"""OpenAI completions (``/v1/completions``) and chat completions (``/v1/chat/completions``):
requests parsed, scripts rendered as SSE chunks ending in ``data: [DONE]`` or as whole responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Final

import msgspec

if TYPE_CHECKING:
    pass
from .protocol import (
    BadRequest,
    CallT,
    Protocol,
    decode_call,
    json_plan,
    openai_error,
    stream_plan,
    usage_counts,
    whole_plan,
)
from .script import Meta, Plan, RecordedRequest, Script, encode, latin1
from .tools import openai_message_tool_calls, openai_tool_deltas


def openai_status_error(status: int, message: str, param: str | None = None) -> bytes:
    if status == 429:
        type_ = "requests"
    elif status >= 500:
        type_ = "server_error"
    else:
        type_ = "invalid_request_error"
    return openai_error(message, type_, param)


class _OpenAIProtocol(Protocol[CallT]):
    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        return openai_status_error(status, message, param)


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


class Completions(_OpenAIProtocol[_CompletionsCall]):
    """OpenAI legacy completions (https://platform.openai.com/docs/api-reference/completions)."""

    def parse(self, request: RecordedRequest) -> _CompletionsCall:
        try:
            call = _completions_decoder.decode(request.body)
        except msgspec.DecodeError as exc:  # ValidationError is a subclass
            raise BadRequest(f"Invalid request body: {exc}") from None
        if isinstance(call.prompt, list) and not call.prompt:
            raise BadRequest("prompt must not be empty", "prompt")
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

    def render(self, script: Script, call: _CompletionsCall, meta: Meta) -> Plan:
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
        request_id = (b"x-request-id", latin1(meta.request_id))

        if not call.stream:
            body = encode(
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
            plan = json_plan(200, body, meta)
            plan.delay = script.reply.delay * completion_tokens
            return plan

        # Streaming: every event is built by concatenating msgspec-encoded fragments.
        include_usage = bool(call.stream_options and call.stream_options.include_usage)
        head = b"".join(
            (
                b'data: {"id":',
                encode(completion_id),
                b',"object":"text_completion","created":',
                str(meta.created).encode(),
                b',"model":',
                encode(call.model),
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
        json_finish = encode(finish_reason)
        pieces.extend(
            open_choice
            + b'"","index":%d,"logprobs":null,"finish_reason":' % index
            + json_finish
            + b"}]"
            + close
            for index in range(choices)
        )
        if include_usage:
            pieces.append(head + b',"choices":[],"usage":' + encode(usage) + b"}\n\n")
        pieces.append(_SSE_DONE)
        return Plan(
            status=200,
            headers=[*_SSE_HEADERS, request_id],
            pieces=pieces,
            streaming=True,
            token_pieces=token_pieces,
            delay=script.reply.delay,
        )


# ---- OpenAI chat completions


class _FunctionIn(msgspec.Struct):
    name: str
    arguments: str


class _ToolCallIn(msgspec.Struct):
    id: str
    function: _FunctionIn
    type: str = "function"


class _ChatMessageIn(msgspec.Struct):
    role: str
    content: str | list[dict[str, object]] | None = None
    tool_calls: list[_ToolCallIn] | None = None
    tool_call_id: str | None = None

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
    response_format: dict[str, object] | None = None


_chat_decoder: Final = msgspec.json.Decoder(_ChatCall)


def _check_tool_turns(messages: list[_ChatMessageIn]) -> None:
    """As the API does: a ``tool`` message answers a call of the assistant message before it
    (by ``tool_call_id``), and every call of an assistant message is answered before the next
    non-tool message."""
    pending: set[str] = set()
    for i, message in enumerate(messages):
        if message.role == "tool":
            if message.tool_call_id is None or message.tool_call_id not in pending:
                raise BadRequest(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    f"preceeding message with 'tool_calls' (tool_call_id {message.tool_call_id!r})",
                    f"messages.[{i}].tool_call_id",
                )
            pending.discard(message.tool_call_id)
            continue
        if pending:
            raise BadRequest(
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. Missing: {sorted(pending)}",
                f"messages.[{i}].role",
            )
        if message.role == "assistant" and message.tool_calls:
            pending = {tool_call.id for tool_call in message.tool_calls}
    if pending:
        raise BadRequest(
            "An assistant message with 'tool_calls' must be followed by tool messages "
            f"responding to each 'tool_call_id'. Missing: {sorted(pending)}",
            "messages",
        )


def _check_strict_schema(node: object, where: str) -> None:
    """Structured outputs' strict mode: every object closed and every property required."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_strict_schema(item, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "object":
        if node.get("additionalProperties") is not False:
            raise BadRequest(
                f"Invalid schema for response_format: In context={where}, 'additionalProperties' "
                "is required to be supplied and to be false.",
                "response_format",
            )
        properties = node.get("properties")
        names = list(properties) if isinstance(properties, dict) else []
        required = node.get("required")
        if not isinstance(required, list) or set(map(str, required)) != set(names):
            raise BadRequest(
                f"Invalid schema for response_format: In context={where}, 'required' is required "
                "to be supplied and to be an array including every key in properties.",
                "response_format",
            )
    for key in ("properties", "$defs"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                _check_strict_schema(child, f"{where}.{key}.{name}")
    for key in ("items", "anyOf", "allOf"):
        if key in node:
            _check_strict_schema(node[key], f"{where}.{key}")


def _check_response_format(call: _ChatCall) -> None:
    """As the API does: ``json_object`` needs the word "json" in the messages; ``json_schema``
    needs a name and a schema, which strict mode checks."""
    response_format = call.response_format
    if response_format is None:
        return
    kind = response_format.get("type")
    if kind == "json_object":
        if not any("json" in message.text().lower() for message in call.messages):
            raise BadRequest(
                "'messages' must contain the word 'json' in some form, to use 'response_format' "
                "of type 'json_object'.",
                "messages",
            )
    elif kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise BadRequest("Missing required parameter: 'response_format.json_schema.name'.")
        if spec.get("strict") is True:
            _check_strict_schema(spec.get("schema"), "()")
    elif kind != "text":
        raise BadRequest(
            f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object' and "
            "'json_schema'.",
            "response_format.type",
        )


class ChatCompletions(_OpenAIProtocol[_ChatCall]):
    """OpenAI chat completions (https://platform.openai.com/docs/api-reference/chat-streaming):
    a role chunk per choice, one ``reasoning_content`` chunk per reasoning piece and choice, one
    ``refusal`` chunk per refusal piece and choice, one content chunk per token and choice, a ``delta: {}`` finish chunk per choice, the usage chunk
    when asked for (``choices: []``; ``reasoning_tokens`` in its details when there was
    reasoning), ``[DONE]``."""

    def parse(self, request: RecordedRequest) -> _ChatCall:
        call = decode_call(_chat_decoder, request)
        if not call.messages:
            raise BadRequest("messages must not be empty", "messages")
        _check_tool_turns(call.messages)
        _check_response_format(call)
        return call

    def render(self, script: Script, call: _ChatCall, meta: Meta) -> Plan:
        prompt_text = " ".join(message.text() for message in call.messages)
        prompt_tokens, completion_tokens = usage_counts(script, prompt_text, call.n)
        usage: dict[str, object] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if script.json_reasoning:
            reasoning_tokens = len(script.json_reasoning) * call.n
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
        chat_id = f"chatcmpl-fake{meta.seq}"
        reason = script.finish_reason("tool_calls")
        finish_reason = encode(reason)
        if not call.stream:
            message: dict[str, object] = {
                "role": "assistant",
                "content": script.text
                if script.text or not (script.tool_calls or script.refusal)
                else None,
                "refusal": script.refusal or None,
            }
            if script.tool_calls:
                message["tool_calls"] = openai_message_tool_calls(script.tool_calls, meta.seq)
            if script.reasoning:
                message["reasoning_content"] = script.reasoning
            choices = [
                {
                    "index": index,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": reason,
                }
                for index in range(call.n)
            ]
            body = encode(
                {
                    "id": chat_id,
                    "object": "chat.completion",
                    "created": meta.created,
                    "model": call.model,
                    "choices": choices,
                    "usage": usage,
                }
            )
            return whole_plan(script, body, meta, completion_tokens)

        include_usage = bool(call.stream_options and call.stream_options.include_usage)
        head = b"".join(
            (
                b'data: {"id":',
                encode(chat_id),
                b',"object":"chat.completion.chunk","created":',
                str(meta.created).encode(),
                b',"model":',
                encode(call.model),
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
            + b'{"reasoning_content":'
            + json_piece
            + b'},"logprobs":null,"finish_reason":null}'
            + close
            for json_piece in script.json_reasoning
            for opening in opens
        ]
        tokens += [
            opening
            + b'{"refusal":'
            + json_piece
            + b'},"logprobs":null,"finish_reason":null}'
            + close
            for json_piece in script.json_refusal
            for opening in opens
        ]
        tokens += [
            opening
            + b'{"content":'
            + json_token
            + b'},"logprobs":null,"finish_reason":null}'
            + close
            for json_token in script.json_tokens
            for opening in opens
        ]
        tokens.extend(
            opening + delta + b',"logprobs":null,"finish_reason":null}' + close
            for delta in openai_tool_deltas(
                script.tool_calls, meta.seq, interleave=script.reply.interleave_tool_calls
            )
            for opening in opens
        )
        tail = [
            opening + b'{},"logprobs":null,"finish_reason":' + finish_reason + b"}" + close
            for opening in opens
        ]
        if include_usage:
            tail.append(head + b'],"usage":' + encode(usage) + b"}\n\n")
        tail.append(_SSE_DONE)
        return stream_plan(
            script, meta, prefix=prefix, tokens=tokens, tail=tail, content_type=_SSE_CONTENT_TYPE
        )
