"""Anthropic Messages (``POST {base_url}/v1/messages``): settings, request, events, stream reader.

Pure: no I/O. ``MessagesApi`` is the API as an ``HTTPApi``, spoken by ``_async/_provider.py``.

The stream (research/wire.md §3.1) is SSE whose every ``data`` is a JSON object tagged by
``type``; it is decoded straight into the ``AnthropicEvent`` union. Only ``text_delta``s are text:
thinking, signature, tool-input (``input_json_delta``) and citation deltas never reach the output.
Usage arrives in ``message_start`` and again in ``message_delta``, whose counts are cumulative:
each reported field replaces the previous value, never adds to it. ``ping`` is ignored, an
``error`` event raises ``StreamProviderError``, ``message_stop`` ends the stream, and an event of
an unknown type is skipped with an ``UnknownEventWarning`` (Anthropic may add event types).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Final, TypeAlias, get_args

import msgspec

from ._errors import ConfigError, UnknownEventWarning
from ._http_api import HTTPApi, Stop
from ._inputs import ChatInput, ChatMessage, chat_messages
from ._outputs import (
    Generation,
    GenerationBuilder,
    GenerationChunk,
    GenerationInfo,
    LLMOutput,
    LLMResult,
    TokenUsage,
)
from ._secret import Secret
from ._settings import check_int, encode_body, env, http_url, json_headers, resolve_key, stop_list
from ._sse import ServerSentEvent
from ._stream_reader import SSEStreamReader

__all__ = [
    "AnthropicEvent",
    "AnthropicReader",
    "AnthropicSettings",
    "AnthropicUsage",
    "ContentBlockDelta",
    "ContentBlockStart",
    "ContentBlockStop",
    "ErrorEvent",
    "Message",
    "MessageDelta",
    "MessageStart",
    "MessageStop",
    "MessagesApi",
    "Ping",
    "event_decoder",
    "message_decoder",
    "message_result",
    "resolve_anthropic_settings",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"


# -- settings and requests ------------------------------------------------------------------------


class AnthropicSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a request needs, fixed at construction."""

    model: str
    base_url: str
    api_key: Secret | None
    anthropic_version: str
    max_tokens: int
    temperature: float | None
    top_p: float | None
    top_k: int | None
    stop: list[str] | None
    system: str | None
    max_retries: int
    default_headers: dict[str, str]
    extra_body: dict[str, object] | None
    streaming: bool


def resolve_anthropic_settings(
    *,
    model: str,
    max_tokens: int,
    temperature: float | None,
    top_p: float | None,
    top_k: int | None,
    stop: str | Sequence[str] | None,
    system: str | None,
    api_key: str | Secret | None,
    base_url: str | None,
    anthropic_version: str,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    extra_body: Mapping[str, object] | None,
    streaming: bool,
) -> AnthropicSettings:
    """Validate the constructor arguments; ``api_key`` falls back to ``ANTHROPIC_API_KEY`` and
    ``base_url`` to ``ANTHROPIC_BASE_URL`` (the root, without ``/v1``)."""
    if not isinstance(model, str) or not model:
        raise ConfigError(
            f"model must be a non-empty str such as 'claude-sonnet-4-5', got {model!r}"
        )
    check_int("max_tokens", max_tokens, minimum=1)  # the Messages API requires it
    check_int("top_k", top_k, minimum=1, optional=True)
    check_int("max_retries", max_retries, minimum=0)
    url = http_url(
        base_url or env("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL,
        name="base_url",
        example=DEFAULT_BASE_URL,
    )
    if url.endswith("/v1"):
        raise ConfigError(
            f"base_url is the API root, without /v1 (rillet appends /v1/messages): got {url!r}"
        )
    return AnthropicSettings(
        model=model,
        base_url=url,
        api_key=resolve_key(
            api_key, env_names=["ANTHROPIC_API_KEY"], url=url, required_for="api.anthropic.com"
        ),
        anthropic_version=anthropic_version,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        stop=stop_list(stop),
        system=system,
        max_retries=max_retries,
        default_headers=dict(default_headers or {}),
        extra_body=dict(extra_body) if extra_body is not None else None,
        streaming=streaming,
    )


def _split_system(prompt: ChatInput) -> tuple[list[str], list[ChatMessage]]:
    """System messages go to the top-level ``system`` field: the API has no system role."""
    system: list[str] = []
    messages: list[ChatMessage] = []
    for message in chat_messages(prompt):
        if message["role"] == "system":
            system.append(message["content"])
        else:
            messages.append(message)
    return system, messages


# -- wire structs ---------------------------------------------------------------------------------


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
    """A content block; only text blocks carry output text."""

    type: str
    text: str | None = None


class Message(msgspec.Struct, frozen=True, gc=False):
    """A whole Messages response (and the empty shell that ``message_start`` carries)."""

    id: str = ""
    model: str = ""
    content: list[ContentBlock] = []
    stop_reason: str | None = None
    usage: AnthropicUsage = AnthropicUsage()


class MessageStart(msgspec.Struct, frozen=True, gc=False, tag="message_start"):
    message: Message


class ContentBlockStart(msgspec.Struct, frozen=True, gc=False, tag="content_block_start"):
    index: int
    content_block: ContentBlock


class BlockDelta(msgspec.Struct, frozen=True, gc=False):
    """``text_delta{text}``, ``thinking_delta``, ``signature_delta``, ``input_json_delta``,
    ``citations_delta``, ...: only the type and a text delta's text are read."""

    type: str
    text: str | None = None


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


class _Typed(msgspec.Struct, frozen=True):
    type: str


event_decoder: Final[msgspec.json.Decoder[AnthropicEvent]] = msgspec.json.Decoder(AnthropicEvent)
message_decoder: Final = msgspec.json.Decoder(Message)
_typed_decoder: Final = msgspec.json.Decoder(_Typed)
_KNOWN_TYPES: Final = frozenset(member.__struct_config__.tag for member in get_args(AnthropicEvent))


# -- reading --------------------------------------------------------------------------------------


class AnthropicReader(SSEStreamReader):
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
            self._unknown_or_raise(data, exc)
            return None
        text: str | None = None
        if isinstance(event, ContentBlockDelta):
            if event.delta.type == "text_delta":
                text = event.delta.text
        elif isinstance(event, ContentBlockStart):
            # Anthropic starts a text block empty; a compatible server may not.
            if event.content_block.type == "text":
                text = event.content_block.text
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

    def _unknown_or_raise(self, data: bytes, exc: msgspec.DecodeError) -> None:
        try:
            event_type = _typed_decoder.decode(data).type
        except msgspec.DecodeError:
            event_type = None
        if event_type is None or event_type in _KNOWN_TYPES:
            raise self.decode_error("Anthropic event", data, exc) from exc
        warnings.warn(
            UnknownEventWarning(
                f"skipped an Anthropic stream event of unknown type {event_type!r} from "
                f"{self.url}; a newer rillet may understand it",
                event_type=event_type,
                raw=data,
            ),
            stacklevel=2,
        )


def message_result(message: Message) -> LLMResult:
    """A whole (non-streamed) Messages response: its text blocks joined."""
    text = "".join(block.text or "" for block in message.content if block.type == "text")
    info = GenerationInfo(message.stop_reason) if message.stop_reason is not None else None
    output = LLMOutput(token_usage=message.usage.token_usage(), model_name=message.model or None)
    return LLMResult(generations=[[Generation(text, info)]], llm_output=output)


class MessagesApi(HTTPApi[AnthropicSettings, ServerSentEvent, Message]):
    """``POST {base_url}/v1/messages``: a str prompt is one user message (system messages of a
    message list go to ``system``); one prompt per request."""

    path = "/v1/messages"
    what = "an Anthropic message"
    takes_messages = True

    def headers(self, *, stream: bool) -> dict[str, str]:
        settings = self.settings
        auth = {"anthropic-version": settings.anthropic_version}
        if settings.api_key is not None:
            auth["x-api-key"] = settings.api_key.get_secret_value()
        return json_headers(
            accept="text/event-stream" if stream else "application/json",
            auth=auth,
            default_headers=settings.default_headers,
        )

    def body(
        self, prompt: ChatInput, stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> bytes:
        settings = self.settings
        system, messages = _split_system(prompt)
        if settings.system is not None:
            system.insert(0, settings.system)
        body: dict[str, object] = {
            "model": settings.model,
            "max_tokens": settings.max_tokens,
            "messages": messages,
        }
        if stream:
            body["stream"] = True
        optional: dict[str, object | None] = {
            "system": "\n\n".join(system) or None,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "top_k": settings.top_k,
            "stop_sequences": (stop_list(stop) if stop is not None else settings.stop) or None,
        }
        return encode_body(body, optional, extra_body=settings.extra_body, overrides=overrides)

    def reader(self, builder: GenerationBuilder) -> AnthropicReader:
        return AnthropicReader(builder, url=self.url)

    def decode(self, content: bytes) -> Message:
        return message_decoder.decode(content)

    def result(self, payload: Message, prompts: int) -> LLMResult:
        return message_result(payload)
