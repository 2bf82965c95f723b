"""Reading an Anthropic Messages stream (SSE, https://docs.anthropic.com/en/api/messages-streaming).

Pure: no I/O; ``_async/read_loop.py`` feeds ``AnthropicReader`` the SSE events. Only
``text_delta``s are text: thinking, signature, tool-input (``input_json_delta``) and citation
deltas never reach the output. Usage arrives in ``message_start`` and again in ``message_delta``,
whose counts are cumulative: each reported field replaces the previous value, never adds to it.
``ping`` is ignored, an ``error`` event raises ``StreamProviderError``, ``message_stop`` ends the
stream, and an event of an unknown type is skipped with an ``UnknownEventWarning`` (Anthropic may
add event types).
"""

from __future__ import annotations

import warnings
from typing import Final, TypeVar, get_args

import msgspec

from ..._values.errors import UnexpectedToolCallError, UnknownEventWarning
from ..._values.outputs import (
    Generation,
    GenerationBuilder,
    GenerationChunk,
    GenerationInfo,
    LLMOutput,
    LLMResult,
)
from ..._wire.reader import SSEStreamReader
from ..._wire.sse import ServerSentEvent
from .wire import (
    AnthropicEvent,
    AnthropicUsage,
    ContentBlockDelta,
    ContentBlockStart,
    ErrorEvent,
    Message,
    MessageDelta,
    MessageStart,
    MessageStop,
    event_decoder,
)

__all__ = ["AnthropicReader", "message_result", "skip_unknown_event"]

Chunk = TypeVar("Chunk")


class _Typed(msgspec.Struct, frozen=True):
    type: str


_typed_decoder: Final = msgspec.json.Decoder(_Typed)
_KNOWN_TYPES: Final = frozenset(member.__struct_config__.tag for member in get_args(AnthropicEvent))


class AnthropicReader(SSEStreamReader[GenerationChunk]):
    """Reads a Messages stream into candidate 0 of the builder."""

    terminal = "a message_stop event"
    __slots__ = ("_usage",)

    def __init__(self, builder: GenerationBuilder, *, url: str) -> None:
        super().__init__(builder, url=url)
        self._usage = AnthropicUsage()

    def feed(self, frame: ServerSentEvent) -> GenerationChunk | None:
        data = frame.data
        try:
            event = event_decoder.decode(data)
        except msgspec.DecodeError as exc:
            skip_unknown_event(self, data, exc)
            return None
        text: str | None = None
        if isinstance(event, ContentBlockDelta):
            if event.delta.type == "text_delta":
                text = event.delta.text
        elif isinstance(event, ContentBlockStart):
            # Anthropic starts a text block empty; a compatible server may not.
            block = event.content_block
            if block.type == "text":
                text = block.text
            elif block.type == "tool_use":  # never dropped in silence
                raise UnexpectedToolCallError(
                    tool_name=block.name,
                    llm="Anthropic",
                    chat_model="ChatAnthropic",
                    partial_text=self.builder.text(0),
                )
        elif isinstance(event, MessageStart):
            self.builder.model_name = event.message.model or None
            self._update_usage(event.message.usage)
        elif isinstance(event, MessageDelta):
            if event.usage is not None:
                self._update_usage(event.usage)
            if event.delta.stop_reason is not None:
                self.builder.finish(0, event.delta.stop_reason)
        elif isinstance(event, MessageStop):
            self.done = True
        elif isinstance(event, ErrorEvent):
            error = event.error
            raise self.provider_error(error.message, body=msgspec.to_builtins(error), raw=data)
        # ping, content_block_stop: nothing to record
        if not text:
            return None
        chunk = GenerationChunk(text)
        self.builder.add_chunk(0, chunk)
        return chunk

    def _update_usage(self, update: AnthropicUsage) -> None:
        self._usage = self._usage.updated(update)
        self.builder.usage = self._usage.token_usage()


def skip_unknown_event(
    reader: SSEStreamReader[Chunk], data: bytes, exc: msgspec.DecodeError
) -> None:
    """An event ``data`` that did not decode: skipped with an ``UnknownEventWarning`` if its type
    is one rillet does not know (Anthropic may add event types), else a ``StreamDecodeError``."""
    try:
        event_type = _typed_decoder.decode(data).type
    except msgspec.DecodeError:
        event_type = None
    if event_type is None or event_type in _KNOWN_TYPES:
        raise reader.decode_error("Anthropic event", data, exc) from exc
    warnings.warn(
        UnknownEventWarning(
            f"skipped an Anthropic stream event of unknown type {event_type!r} from "
            f"{reader.url}; a newer rillet may understand it",
            event_type=event_type,
            raw=data,
        ),
        stacklevel=2,
    )


def message_result(message: Message) -> LLMResult:
    """A whole (non-streamed) Messages response: its text blocks joined."""
    text = "".join(block.text or "" for block in message.content if block.type == "text")
    for block in message.content:
        if block.type == "tool_use":
            raise UnexpectedToolCallError(
                tool_name=block.name, llm="Anthropic", chat_model="ChatAnthropic", partial_text=text
            )
    info = GenerationInfo(message.stop_reason) if message.stop_reason is not None else None
    output = LLMOutput(token_usage=message.usage.token_usage(), model_name=message.model or None)
    return LLMResult(generations=[[Generation(text, info)]], llm_output=output)
