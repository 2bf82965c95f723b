"""Anthropic Messages as a chat model (``ChatAnthropic``): messages in, ``AIMessageChunk``s out.

Pure: no I/O. ``ChatMessagesApi`` is the endpoint as a ``ChatHTTPApi``; the I/O is
``_async/chat_provider.py``'s.

Reading the stream (https://docs.anthropic.com/en/api/messages-streaming):

| event                                         | chunk                                           |
| --------------------------------------------- | ----------------------------------------------- |
| ``message_start``                             | ``response_metadata`` (model, id) and the usage |
|                                               | so far                                          |
| ``content_block_start`` ``text``/``thinking`` | the block's text or thinking, when not empty    |
| ``content_block_start`` ``redacted_thinking`` | ``[RedactedThinkingBlock(data)]``               |
| ``content_block_start`` ``tool_use``          | ``ToolCallChunk(name, id, args, index)``: args  |
|                                               | ``""`` (or the JSON of a non-empty ``input``)   |
| ``text_delta``                                | ``content`` (a str)                             |
| ``thinking_delta`` / ``signature_delta``      | ``[ReasoningBlock]`` (never text)               |
| ``citations_delta``                           | ``[TextBlock("", citations=[Citation])]``: the  |
|                                               | citation of the text block being streamed       |
| ``input_json_delta``                          | ``ToolCallChunk(args=fragment, index)``         |
| ``message_delta``                             | the finish reason (``stop_reason``) and the     |
|                                               | usage change                                    |
| ``message_stop``                              | the end                                         |
| ``error``                                     | ``StreamProviderError``                         |
| ``ping``, ``content_block_stop``              | nothing                                         |
| an unknown event type                         | skipped with an ``UnknownEventWarning``         |
| ``server_tool_use`` and the server tools'     | ``UnsupportedOutputError``: a tool Anthropic's  |
| result blocks (``web_search_tool_result``...) | server runs is not the caller's to run          |
| a block or delta type rillet does not know    | ``UnsupportedOutputError`` (never dropped)      |

Usage counts are running totals (``message_delta`` repeats and replaces them); each chunk carries
the change, so the chunks add up to the final counts. ``input_tokens`` includes the cached
tokens, as LangChain counts them (Anthropic's own ``input_tokens`` excludes them).
A redacted thinking block goes back to the API unchanged in the next turn (it must), cited text
goes back with its citations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import msgspec

from ..._values.errors import UnsupportedOutputError
from ..._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    Citation,
    ContentBlock,
    HumanMessage,
    ImageBlock,
    InputTokenDetails,
    InvalidToolCall,
    ReasoningBlock,
    RedactedThinkingBlock,
    ResponseMetadata,
    SystemMessage,
    TextBlock,
    ToolCall,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
    default_call_id,
)
from ..._values.options import CallOptions, ChatAnthropicCallOptions
from ..._values.outputs import GenerationBuilder
from ..._wire.reader import SSEStreamReader
from ..._wire.sse import ServerSentEvent
from ..base import Stop
from ..chat_base import ChatHTTPApi, UsageDeltas
from ..settings import encode_body, stop_list
from .api import AnthropicSettings, anthropic_headers
from .read import skip_unknown_event
from .wire import (
    AnthropicUsage,
    ContentBlock as WireBlock,
    ContentBlockDelta,
    ContentBlockStart,
    ErrorEvent,
    Message,
    MessageDelta,
    MessageStart,
    MessageStop,
    event_decoder,
    message_decoder,
)

__all__ = [
    "ChatAnthropicSettings",
    "ChatMessagesApi",
    "ChatMessagesReader",
    "anthropic_messages",
    "messages_message",
    "usage_metadata",
]

PROVIDER: Final = "anthropic"


class ChatAnthropicSettings(AnthropicSettings, frozen=True, kw_only=True):
    """``AnthropicSettings`` and the chat model's own: ``thinking`` (the request's object, e.g.
    ``{"type": "enabled", "budget_tokens": 2048}``)."""

    thinking: dict[str, object] | None = None


_encode_json: Final = msgspec.json.encode


def usage_metadata(usage: AnthropicUsage) -> UsageMetadata:
    """LangChain's mapping (langchain-anthropic ``_create_usage_metadata``): input tokens include
    the cache reads and writes, which are also reported as details."""
    read = usage.cache_read_input_tokens
    creation = usage.cache_creation_input_tokens
    prompt = (usage.input_tokens or 0) + (read or 0) + (creation or 0)
    output = usage.output_tokens or 0
    return UsageMetadata(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=prompt + output,
        input_token_details=None
        if read is None and creation is None
        else InputTokenDetails(cache_read=read, cache_creation=creation),
    )


# -- reading ---------------------------------------------------------------------------------------


class ChatMessagesReader(SSEStreamReader[AIMessageChunk]):
    """Reads a Messages stream into ``AIMessageChunk``s."""

    terminal = "a message_stop event"
    __slots__ = ("_deltas", "_finish_reason", "_started", "_texts", "_usage")

    def __init__(self, *, url: str) -> None:
        super().__init__(GenerationBuilder(), url=url)
        self._texts = self.builder.text_parts(0)
        self._usage = AnthropicUsage()
        self._deltas = UsageDeltas()
        self._started = False
        self._finish_reason: str | None = None

    def feed(self, frame: ServerSentEvent) -> AIMessageChunk | None:
        data = frame.data
        try:
            event = event_decoder.decode(data)
        except msgspec.DecodeError as exc:
            skip_unknown_event(self, data, exc)
            return None
        if type(event) is ContentBlockDelta:
            delta = event.delta
            kind = delta.type
            if kind == "text_delta":  # the hot path
                text = delta.text
                if not text:
                    return None
                self._texts.append(text)
                return AIMessageChunk(text)
            if kind == "thinking_delta":
                return _reasoning(delta.thinking or "")
            if kind == "signature_delta":
                return _reasoning("", delta.signature)
            if kind == "input_json_delta":
                if not delta.partial_json:
                    return None
                fragment = ToolCallChunk(None, delta.partial_json, None, event.index)
                return AIMessageChunk("", [fragment])  # positional: the cheaper call
            if kind == "citations_delta" and delta.citation is not None:
                return AIMessageChunk([TextBlock("", [citation(delta.citation)])])
            raise self._unsupported(f"a {kind!r} delta")
        if type(event) is ContentBlockStart:
            return self._block_start(event)
        if type(event) is MessageStart:
            message = event.message
            self._started = True
            self.builder.model_name = message.model or None
            return AIMessageChunk(
                usage_metadata=self._usage_delta(message.usage),
                response_metadata=ResponseMetadata(
                    model_name=message.model or None,
                    id=message.id or None,
                    model_provider=PROVIDER,
                ),
            )
        if type(event) is MessageDelta:
            return self._message_delta(event)
        if type(event) is MessageStop:
            self.done = True
        elif type(event) is ErrorEvent:
            error = event.error
            raise self.provider_error(error.message, body=msgspec.to_builtins(error), raw=data)
        return None  # ping, content_block_stop

    def _block_start(self, event: ContentBlockStart) -> AIMessageChunk | None:
        block = event.content_block
        if block.type == "text":
            # Anthropic starts a text block empty; a compatible server may not.
            if block.citations:
                if block.text:
                    self._texts.append(block.text)
                return AIMessageChunk([_text_block(block)])
            if not block.text:
                return None
            self._texts.append(block.text)
            return AIMessageChunk(block.text)
        if block.type == "redacted_thinking":
            return AIMessageChunk([RedactedThinkingBlock(block.data or "")])
        if block.type == "thinking":
            if not block.thinking and not block.signature:
                return None
            return _reasoning(block.thinking or "", block.signature or None)
        if block.type == "tool_use":
            args = _encode_json(block.input).decode() if block.input else ""
            return AIMessageChunk(
                tool_call_chunks=[
                    ToolCallChunk(name=block.name, args=args, id=block.id, index=event.index)
                ]
            )
        raise self._unsupported(_block_kind(block.type))

    def _unsupported(self, what: str) -> UnsupportedOutputError:
        return UnsupportedOutputError(
            f"the stream from {self.url} carries {what}, which rillet's ChatAnthropic cannot "
            f"represent yet; {_remedy(what)}",
            what=what,
            partial_text=self.builder.text(0),
        )

    def _message_delta(self, event: MessageDelta) -> AIMessageChunk | None:
        usage = self._usage_delta(event.usage) if event.usage is not None else None
        metadata = ResponseMetadata()
        reason = event.delta.stop_reason
        if reason is not None and reason != self._finish_reason:
            self._finish_reason = reason
            self.builder.finish(0, reason)
            metadata = ResponseMetadata(
                finish_reason=reason, stop_sequence=event.delta.stop_sequence
            )
        elif usage is None:
            return None
        return AIMessageChunk(usage_metadata=usage, response_metadata=metadata)

    def _usage_delta(self, update: AnthropicUsage) -> UsageMetadata | None:
        self._usage = self._usage.updated(update)
        return self._deltas.delta(usage_metadata(self._usage))

    def produced_nothing(self) -> bool:
        return not self._started


def _block_kind(kind: str) -> str:
    """How an error names a content block rillet cannot represent."""
    if kind == "server_tool_use":
        # Not a tool call: Anthropic's server runs it (web search, web fetch, code execution)
        # and streams its result in a block of its own; the caller must not run it again.
        return "a 'server_tool_use' content block (a tool Anthropic's server runs itself)"
    return f"a {kind!r} content block"


def _remedy(what: str) -> str:
    if "server_tool_use" in what or "_tool_result" in what:
        return (
            "remove the server tool (web_search, web_fetch, code_execution...) from the "
            "request's tools"
        )
    return "drop the request option that asks for it"


def _reasoning(text: str, signature: str | None = None) -> AIMessageChunk:
    return AIMessageChunk(content=[ReasoningBlock(reasoning=text, signature=signature)])


def citation(wire: Mapping[str, object]) -> Citation:
    """An Anthropic citation object as a ``Citation`` (null fields left out)."""
    cited = wire.get("cited_text")
    return Citation(
        str(wire.get("type", "")),
        cited if isinstance(cited, str) else None,
        {k: v for k, v in wire.items() if k not in ("type", "cited_text") and v is not None},
    )


def _text_block(block: WireBlock) -> TextBlock:
    return TextBlock(block.text or "", [citation(c) for c in block.citations or ()])


def messages_message(message: Message) -> AIMessage:
    """The message of a whole (non-streamed) Messages response."""
    content: list[ContentBlock] = []
    calls: list[ToolCall | InvalidToolCall] = []
    for block in message.content:
        if block.type == "text":
            if block.text or block.citations:
                content.append(_text_block(block))
        elif block.type == "thinking":
            content.append(
                ReasoningBlock(reasoning=block.thinking or "", signature=block.signature or None)
            )
        elif block.type == "redacted_thinking":
            content.append(RedactedThinkingBlock(block.data or ""))
        elif block.type == "tool_use":
            call_id = block.id or default_call_id(message.id or None, len(calls))
            calls.append(ToolCall(name=block.name or "", args=block.input or {}, id=call_id))
        else:
            what = _block_kind(block.type)
            raise UnsupportedOutputError(
                f"the Anthropic message carries {what}, which rillet's ChatAnthropic cannot "
                f"represent yet; {_remedy(what)}",
                what=what,
            )
    plain = all(isinstance(block, TextBlock) and not block.citations for block in content)
    return AIMessage(
        content="".join(b.text for b in content if isinstance(b, TextBlock)) if plain else content,
        tool_calls=[c for c in calls if isinstance(c, ToolCall)],
        usage_metadata=usage_metadata(message.usage),
        response_metadata=ResponseMetadata(
            finish_reason=message.stop_reason,
            model_name=message.model or None,
            id=message.id or None,
            stop_sequence=message.stop_sequence,
            model_provider=PROVIDER,
        ),
    )


# -- requests --------------------------------------------------------------------------------------


def _image(block: ImageBlock) -> dict[str, object]:
    if block.url is not None:
        return {"type": "image", "source": {"type": "url", "url": block.url}}
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": block.mime_type, "data": block.base64},
    }


def _blocks(content: str | Sequence[object], *, assistant: bool = False) -> str | list[object]:
    """Content in the Messages API's shape: a str, or text (with its citations), image (and,
    from the assistant, signed thinking and redacted thinking) blocks; a refusal (OpenAI's) is
    not sent."""
    if isinstance(content, str):
        return content
    blocks: list[object] = []
    for block in content:
        if isinstance(block, str):
            blocks.append({"type": "text", "text": block})
        elif isinstance(block, TextBlock):
            if block.citations:
                blocks.append(
                    {
                        "type": "text",
                        "text": block.text,
                        "citations": [
                            {"type": c.type, "cited_text": c.cited_text, **c.details}
                            if c.cited_text is not None
                            else {"type": c.type, **c.details}
                            for c in block.citations
                        ],
                    }
                )
            else:
                blocks.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            blocks.append(_image(block))
        elif isinstance(block, RedactedThinkingBlock) and assistant:
            blocks.append({"type": "redacted_thinking", "data": block.data})  # verbatim
        elif isinstance(block, ReasoningBlock) and assistant and block.signature:
            # Thinking goes back only with its signature (the API checks it).
            blocks.append(
                {"type": "thinking", "thinking": block.reasoning, "signature": block.signature}
            )
    return blocks


def _text_of(content: str | Sequence[object]) -> str:
    if isinstance(content, str):
        return content
    return "".join(
        block if isinstance(block, str) else block.text
        for block in content
        if isinstance(block, (str, TextBlock))
    )


def anthropic_messages(
    messages: Sequence[AnyMessage],
) -> tuple[list[str], list[dict[str, object]]]:
    """The system prompts (the API has no system role: they go to ``system``) and the turns."""
    system: list[str] = []
    turns: list[dict[str, object]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            system.append(_text_of(message.content))
        elif isinstance(message, HumanMessage):
            turns.append({"role": "user", "content": _blocks(message.content)})
        elif isinstance(message, (AIMessage, AIMessageChunk)):
            content = _blocks(message.content, assistant=True)
            if message.tool_calls:  # the round trip of tool calls (issue 13 adds bind_tools)
                blocks = (
                    [{"type": "text", "text": content}] if isinstance(content, str) else content
                )
                blocks = [b for b in blocks if b != {"type": "text", "text": ""}]
                blocks.extend(
                    {"type": "tool_use", "id": call.id, "name": call.name, "input": call.args}
                    for call in message.tool_calls
                )
                content = blocks
            turns.append({"role": "assistant", "content": content})
        elif isinstance(message, ToolMessage):
            turns.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": message.tool_call_id,
                            "content": _blocks(message.content),
                        }
                    ],
                }
            )
    return system, turns


class ChatMessagesApi(ChatHTTPApi[ChatAnthropicSettings, ServerSentEvent, Message]):
    """``POST {base_url}/v1/messages`` with a message list (system messages go to ``system``)."""

    call_options = CallOptions(ChatAnthropicCallOptions)

    path = "/v1/messages"
    what = "an Anthropic message"
    provider = PROVIDER

    def headers(self, *, stream: bool) -> dict[str, str]:
        return anthropic_headers(self.settings, stream=stream)

    def body(
        self,
        messages: Sequence[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        *,
        stream: bool,
    ) -> bytes:
        settings = self.settings
        system, turns = anthropic_messages(messages)
        if settings.system is not None:
            system.insert(0, settings.system)
        body: dict[str, object] = {
            "model": settings.model,
            "max_tokens": settings.max_tokens,
            "messages": turns,
        }
        if stream:
            body["stream"] = True
        optional: dict[str, object | None] = {
            "system": "\n\n".join(system) or None,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "top_k": settings.top_k,
            "stop_sequences": (stop_list(stop) if stop is not None else settings.stop) or None,
            "thinking": settings.thinking,
        }
        return encode_body(body, optional, extra_body=settings.extra_body, overrides=overrides)

    def reader(self) -> ChatMessagesReader:
        return ChatMessagesReader(url=self.url)

    def decode(self, content: bytes) -> Message:
        return message_decoder.decode(content)

    def message(self, payload: Message) -> AIMessage:
        return messages_message(payload)
