"""Anthropic Messages wire structs: the response, its usage and the stream's tagged events.

Pure: no I/O. Every stream ``data`` is a JSON object tagged by ``type``, decoded straight into the
``AnthropicEvent`` union (``event_decoder``); a whole response is a ``Message``
(``message_decoder``). Unknown fields are ignored. Reference:
https://docs.anthropic.com/en/api/messages-streaming and https://docs.anthropic.com/en/api/messages
"""

from __future__ import annotations

from typing import Final, TypeAlias

import msgspec

from ..._values.outputs import (
    TokenUsage,
)

__all__ = [
    "AnthropicEvent",
    "AnthropicUsage",
    "ContentBlockDelta",
    "ContentBlockStart",
    "ContentBlockStop",
    "ErrorEvent",
    "Message",
    "MessageDelta",
    "MessageStart",
    "MessageStop",
    "Ping",
    "event_decoder",
    "message_decoder",
]


class AnthropicUsage(msgspec.Struct, frozen=True, gc=False):
    """Token counts as Anthropic reports them; a field left out means "unchanged"."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None

    def updated(self, update: AnthropicUsage) -> AnthropicUsage:
        """These counts with every field ``update`` reports replaced (they are running totals)."""
        changes = {
            name: value
            for name in update.__struct_fields__
            if (value := getattr(update, name)) is not None
        }
        return msgspec.structs.replace(self, **changes)

    def token_usage(self) -> TokenUsage:
        """As ``TokenUsage``: prompt tokens include the cached ones (Anthropic's
        ``input_tokens`` counts only the uncached part)."""
        prompt = (
            (self.input_tokens or 0)
            + (self.cache_creation_input_tokens or 0)
            + (self.cache_read_input_tokens or 0)
        )
        completion = self.output_tokens or 0
        return TokenUsage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )


class ContentBlock(msgspec.Struct, frozen=True, gc=False):
    """A content block: ``text`` (with its ``citations``), ``thinking`` (with its
    ``signature``), ``redacted_thinking`` (``data``), ``tool_use`` (``id``, ``name``,
    ``input``); empty at ``content_block_start``, whole in a response. Only text blocks carry
    output text."""

    type: str
    text: str | None = None
    thinking: str | None = None
    signature: str | None = None
    id: str | None = None
    name: str | None = None
    input: dict[str, object] | None = None
    data: str | None = None
    citations: list[dict[str, object]] | None = None


class Message(msgspec.Struct, frozen=True, gc=False):
    """A whole Messages response (and the empty shell that ``message_start`` carries)."""

    id: str = ""
    model: str = ""
    content: list[ContentBlock] = []
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: AnthropicUsage = AnthropicUsage()


class MessageStart(msgspec.Struct, frozen=True, gc=False, tag="message_start"):
    message: Message


class ContentBlockStart(msgspec.Struct, frozen=True, gc=False, tag="content_block_start"):
    index: int
    content_block: ContentBlock


class BlockDelta(msgspec.Struct, frozen=True, gc=False):
    """``text_delta{text}``, ``thinking_delta{thinking}``, ``signature_delta{signature}``,
    ``input_json_delta{partial_json}``, ``citations_delta{citation}``: only text deltas are
    text."""

    type: str
    text: str | None = None
    thinking: str | None = None
    signature: str | None = None
    partial_json: str | None = None
    citation: dict[str, object] | None = None


class ContentBlockDelta(msgspec.Struct, frozen=True, gc=False, tag="content_block_delta"):
    index: int
    delta: BlockDelta


class ContentBlockStop(msgspec.Struct, frozen=True, gc=False, tag="content_block_stop"):
    index: int


class StopInfo(msgspec.Struct, frozen=True, gc=False):
    stop_reason: str | None = None
    stop_sequence: str | None = None


class MessageDelta(msgspec.Struct, frozen=True, gc=False, tag="message_delta"):
    delta: StopInfo = StopInfo()
    usage: AnthropicUsage | None = None


class MessageStop(msgspec.Struct, frozen=True, gc=False, tag="message_stop"):
    pass


class Ping(msgspec.Struct, frozen=True, gc=False, tag="ping"):
    pass


class ErrorDetail(msgspec.Struct, frozen=True):
    type: str = ""
    message: str = ""


class ErrorEvent(msgspec.Struct, frozen=True, tag="error"):
    error: ErrorDetail = ErrorDetail()


AnthropicEvent: TypeAlias = (
    MessageStart
    | ContentBlockStart
    | ContentBlockDelta
    | ContentBlockStop
    | MessageDelta
    | MessageStop
    | Ping
    | ErrorEvent
)


event_decoder: Final[msgspec.json.Decoder[AnthropicEvent]] = msgspec.json.Decoder(AnthropicEvent)
message_decoder: Final = msgspec.json.Decoder(Message)
