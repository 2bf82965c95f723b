"""Ollama's native chat API as a chat model (``ChatOllama``): messages in, ``AIMessageChunk``s out.

Pure: no I/O. ``ChatApi`` is ``POST {base_url}/api/chat`` as a ``ChatHTTPApi``; the I/O is
``_async/chat_provider.py``'s.

The stream is NDJSON (Ollama's docs/api.md, "Generate a chat completion"): one object per line,
``{model, created_at, message: {role, content, thinking?, tool_calls?}, done}``; the line with
``"done": true`` ends it and carries ``done_reason`` and the eval counts (the usage; absent when
zero). ``message.thinking`` is reasoning, never text. Tool calls arrive whole, their
``arguments`` a JSON object: each becomes one ``ToolCallChunk`` whose ``args`` is that object's
JSON text, ``index`` its ``function.index`` (or its position in the reply). Images the model
outputs (``message.images``, base64 without a media type) are ``ImageBlock``s whose
``mime_type`` is read from the image's first bytes (PNG, JPEG, GIF, WebP; another format is an
``UnsupportedOutputError``). An ``{"error": ...}`` line raises ``StreamProviderError``;
``logprobs`` (asked for by the caller) an ``UnsupportedOutputError``, never dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Final

import msgspec

from ..._values.errors import InvalidInputError, UnsupportedOutputError
from ..._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    ContentBlock,
    ImageBlock,
    ReasoningBlock,
    ResponseMetadata,
    TextBlock,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
)
from ..._values.options import OLLAMA_HINT, CallOptions, ChatOllamaCallOptions
from ..._values.outputs import GenerationBuilder
from ..._wire.reader import NDJSONStreamReader
from ..base import Stop
from ..chat_base import ChatHTTPApi, whole_reply
from ..settings import encode_body, stop_list
from .api import OllamaSettings, merge_options, ollama_headers

__all__ = [
    "ChatApi",
    "ChatLine",
    "ChatOllamaSettings",
    "ChatReader",
    "chat_line_decoder",
    "line_message",
    "ollama_messages",
]

PROVIDER: Final = "ollama"


class ChatOllamaSettings(OllamaSettings, frozen=True, kw_only=True):
    """``OllamaSettings`` and the chat model's own: ``think`` (``True``/``False``, or a level
    ``"low"``/``"medium"``/``"high"`` for the models that take one; None: the model's default)."""

    think: bool | str | None = None


# -- wire structs ----------------------------------------------------------------------------------


class OllamaFunction(msgspec.Struct, frozen=True, gc=False):
    name: str = ""
    arguments: dict[str, object] = {}
    index: int | None = None


class OllamaToolCall(msgspec.Struct, frozen=True, gc=False):
    function: OllamaFunction = OllamaFunction()
    id: str | None = None


class LineMessage(msgspec.Struct, frozen=True, gc=False):
    content: str = ""
    thinking: str | None = None
    tool_calls: list[OllamaToolCall] | None = None
    images: list[str] | None = None  # base64, no media type


class ChatLine(msgspec.Struct, frozen=True, gc=False):
    """One NDJSON line of ``/api/chat`` (a whole response when not streamed). Metrics are
    ``omitempty`` upstream: absent when zero."""

    model: str = ""
    message: LineMessage | None = None
    done: bool = False
    done_reason: str | None = None
    prompt_eval_count: int | None = None
    eval_count: int | None = None
    error: str | None = None
    logprobs: object = None  # asked for with `logprobs`: rillet cannot represent them (an error)


chat_line_decoder: Final = msgspec.json.Decoder(ChatLine)
_encode_json: Final = msgspec.json.encode


def _usage(line: ChatLine) -> UsageMetadata:
    prompt = line.prompt_eval_count or 0
    completion = line.eval_count or 0
    return UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
    )


# -- reading ---------------------------------------------------------------------------------------


class ChatReader(NDJSONStreamReader[AIMessageChunk]):
    """Reads an ``/api/chat`` stream into ``AIMessageChunk``s."""

    terminal = 'a line with "done": true'
    __slots__ = ("_calls", "_started", "_texts")

    def __init__(self, *, url: str) -> None:
        super().__init__(GenerationBuilder(), url=url)
        self._texts = self.builder.text_parts(0)
        self._started = False
        self._calls = 0

    def feed(self, frame: bytes) -> AIMessageChunk | None:
        try:
            line = chat_line_decoder.decode(frame)
        except msgspec.DecodeError as exc:
            raise self.decode_error("Ollama NDJSON line", frame, exc) from exc
        message = line.message
        if (
            self._started
            and message is not None
            and not line.done
            and message.thinking is None
            and message.tool_calls is None
            and message.images is None
            and line.error is None
            and line.logprobs is None
        ):
            # The hot path: one token of text, nothing else.
            text = message.content
            if not text:
                return None
            self._texts.append(text)
            return AIMessageChunk(text)
        return self._slow(line, frame)

    def _slow(self, line: ChatLine, frame: bytes) -> AIMessageChunk | None:
        if line.error is not None:  # after output has started, errors come as a line
            raise self.provider_error(line.error, body={"error": line.error}, raw=frame)
        if line.logprobs is not None:
            raise _logprobs_error(f"the stream from {self.url}", self.builder.text(0))
        builder = self.builder
        metadata: ResponseMetadata | None = None
        if not self._started:
            self._started = True
            builder.model_name = line.model or None
            metadata = ResponseMetadata(model_name=line.model or None, model_provider=PROVIDER)
        usage: UsageMetadata | None = None
        if line.done:
            self.done = True
            reason = line.done_reason or "stop"
            builder.finish(0, reason)
            usage = _usage(line)
            metadata = (
                ResponseMetadata(finish_reason=reason)
                if metadata is None
                else msgspec.structs.replace(metadata, finish_reason=reason)
            )
        message = line.message
        text = message.content if message is not None else ""
        thinking = message.thinking if message is not None else None
        images = _images(message, f"the stream from {self.url}", builder.text(0))
        calls: list[ToolCallChunk] = []
        for call in (message.tool_calls or ()) if message is not None else ():
            function = call.function
            index = function.index if function.index is not None else self._calls
            self._calls = max(self._calls, index + 1)
            calls.append(
                ToolCallChunk(
                    name=function.name,
                    args=_encode_json(function.arguments).decode(),
                    id=call.id,
                    index=index,
                )
            )
        if text:
            self._texts.append(text)
        if not (text or thinking or images or calls or usage is not None or metadata is not None):
            return None
        return AIMessageChunk(
            content=_content(text, thinking, images),
            tool_call_chunks=calls,
            usage_metadata=usage,
            response_metadata=metadata if metadata is not None else ResponseMetadata(),
        )

    def produced_nothing(self) -> bool:
        return not self._started


def _content(
    text: str, thinking: str | None, images: list[ImageBlock] | None = None
) -> str | list[ContentBlock]:
    if not thinking and not images:
        return text
    blocks: list[ContentBlock] = []
    if thinking:
        blocks.append(ReasoningBlock(reasoning=thinking))
    if text:
        blocks.append(TextBlock(text=text))
    blocks.extend(images or ())
    return blocks


# The signatures (first bytes) of the image formats a chat message can hold, as the fixed base64
# prefix each gives at the start of the data.
_IMAGE_SIGNATURES: Final = (
    (base64.b64encode(b"\x89PNG\r\n\x1a\n")[:10].decode(), "image/png"),
    (base64.b64encode(b"\xff\xd8\xff")[:4].decode(), "image/jpeg"),
    (base64.b64encode(b"GIF87a")[:8].decode(), "image/gif"),
    (base64.b64encode(b"GIF89a")[:8].decode(), "image/gif"),
)
_RIFF: Final = base64.b64encode(b"RIFF")[:5].decode()


def _mime_type(data: str) -> str | None:
    """The media type of a base64 image, from its signature; None for another format."""
    for prefix, mime_type in _IMAGE_SIGNATURES:
        if data.startswith(prefix):
            return mime_type
    if data.startswith(_RIFF):  # WebP: "RIFF", 4 bytes of size, "WEBP"
        try:
            head = base64.b64decode(data[:16], validate=True)
        except ValueError:
            return None
        if head[8:12] == b"WEBP":
            return "image/webp"
    return None


def _images(message: LineMessage | None, where: str, partial_text: str) -> list[ImageBlock]:
    """The images of a reply as ``ImageBlock``s (an image of unknown format is an error)."""
    blocks: list[ImageBlock] = []
    for data in (message.images or ()) if message is not None else ():
        mime_type = _mime_type(data)
        if mime_type is None:
            what = "an image in `message.images` of a format rillet does not recognize"
            raise UnsupportedOutputError(
                f"{where} carries {what} (not PNG, JPEG, GIF or WebP base64 data), so "
                "rillet cannot give it a media type; ask the model for PNG or JPEG output",
                what=what,
                partial_text=partial_text,
            )
        blocks.append(ImageBlock(base64=data, mime_type=mime_type))
    return blocks


def _logprobs_error(where: str, partial_text: str) -> UnsupportedOutputError:
    return UnsupportedOutputError(
        f"{where} carries `logprobs`, which rillet's chat models cannot represent; drop the "
        "request option that asks for them",
        what="`logprobs`",
        partial_text=partial_text,
    )


def line_message(line: ChatLine) -> AIMessage | AIMessageChunk:
    """The message of a whole (``"stream": false``) chat response (a chunk when its tool calls
    have no ids: see ``whole_reply``)."""
    if line.logprobs is not None:
        raise _logprobs_error("the Ollama chat response", "")
    message = line.message or LineMessage()
    images = _images(message, "the Ollama chat response", message.content)
    return whole_reply(
        AIMessageChunk(
            content=_content(message.content, message.thinking, images),
            tool_call_chunks=[
                ToolCallChunk(
                    call.function.name,
                    _encode_json(call.function.arguments).decode(),
                    call.id,
                    call.function.index if call.function.index is not None else position,
                )
                for position, call in enumerate(message.tool_calls or ())
            ],
            usage_metadata=_usage(line),
            response_metadata=ResponseMetadata(
                finish_reason=line.done_reason,
                model_name=line.model or None,
                model_provider=PROVIDER,
            ),
            chunk_position="last",
        )
    )


# -- requests --------------------------------------------------------------------------------------


def _text_and_images(content: str | Sequence[object]) -> tuple[str, list[str], str]:
    """Ollama's message shape: the text, the images (base64, in their own list) and, from the
    assistant, the reasoning (sent back as ``thinking``)."""
    if isinstance(content, str):
        return content, [], ""
    texts: list[str] = []
    images: list[str] = []
    reasoning: list[str] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ReasoningBlock):
            reasoning.append(block.reasoning)
        elif isinstance(block, ImageBlock):
            if block.base64 is None:
                raise InvalidInputError(
                    f"Ollama takes images as base64 data, not URLs (got {block.url!r}): "
                    "download the image and pass ImageBlock(base64=..., mime_type=...)"
                )
            images.append(block.base64)
    return "".join(texts), images, "".join(reasoning)


_ROLES: Final = {
    "system": "system",
    "human": "user",
    "ai": "assistant",
    "AIMessageChunk": "assistant",
    "tool": "tool",
}


def ollama_messages(messages: Sequence[AnyMessage]) -> list[dict[str, object]]:
    """``messages`` as ``/api/chat``'s ``messages``."""
    out: list[dict[str, object]] = []
    for message in messages:
        role = _ROLES[message.type]
        text, images, reasoning = _text_and_images(message.content)
        entry: dict[str, object] = {"role": role, "content": text}
        if images:
            entry["images"] = images
        if reasoning and role == "assistant":
            entry["thinking"] = reasoning
        if isinstance(message, (AIMessage, AIMessageChunk)) and message.tool_calls:
            # the round trip of tool calls (issue 13 adds bind_tools)
            entry["tool_calls"] = [
                {"function": {"name": call.name, "arguments": call.args}}
                for call in message.tool_calls
            ]
        if isinstance(message, ToolMessage):
            entry["tool_call_id"] = message.tool_call_id
        out.append(entry)
    return out


class ChatApi(ChatHTTPApi[ChatOllamaSettings, bytes, ChatLine]):
    """``POST {base_url}/api/chat`` with a message list."""

    call_options = CallOptions(ChatOllamaCallOptions, hint=OLLAMA_HINT)

    path = "/api/chat"
    what = "an Ollama chat response"
    provider = PROVIDER

    def headers(self, *, stream: bool) -> dict[str, str]:
        return ollama_headers(self.settings, stream=stream)

    def ls_params(self) -> dict[str, object]:
        # Ollama's sampling parameters live in `options` (max tokens: `num_predict`).
        options = self.settings.options
        params: dict[str, object] = {"ls_model_name": self.settings.model}
        for option, name in (("temperature", "ls_temperature"), ("num_predict", "ls_max_tokens")):
            if options.get(option) is not None:
                params[name] = options[option]
        return params

    def body(
        self,
        messages: Sequence[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        *,
        stream: bool,
    ) -> bytes:
        """``stream`` is always sent: Ollama streams by default. A call's ``stop`` replaces the
        instance's (inside ``options``); a call's ``options=...`` is merged over the instance's;
        ``extra_body`` and the other call-time ``overrides`` are top-level keys."""
        settings = self.settings
        options, overrides = merge_options(settings.options, overrides)
        if stop is not None:
            options["stop"] = stop_list(stop)
        chat = ollama_messages(messages)
        if settings.system is not None:
            chat.insert(0, {"role": "system", "content": settings.system})
        body: dict[str, object] = {"model": settings.model, "messages": chat, "stream": stream}
        optional: dict[str, object | None] = {
            "options": options or None,
            "keep_alive": settings.keep_alive,
            "think": settings.think,
        }
        return encode_body(body, optional, extra_body=settings.extra_body, overrides=overrides)

    def reader(self) -> ChatReader:
        return ChatReader(url=self.url)

    def decode(self, content: bytes) -> ChatLine:
        return chat_line_decoder.decode(content)

    def message(self, payload: ChatLine) -> AIMessage | AIMessageChunk:
        return line_message(payload)
