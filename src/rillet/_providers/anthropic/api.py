"""Anthropic Messages (``POST {base_url}/v1/messages``): settings and requests.

Pure: no I/O. ``MessagesApi`` is the API as an ``HTTPApi`` (``_providers/base.py``), spoken by
``_async/provider.py``; its stream is read by ``read.py``'s ``AnthropicReader`` into the structs
of ``wire.py``. System messages of a message list go to ``system``; one prompt per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from ..._values.errors import ConfigError
from ..._values.inputs import ChatInput, ChatMessage, chat_messages
from ..._values.options import AnthropicCallOptions, CallOptions
from ..._values.outputs import (
    GenerationBuilder,
    LLMResult,
)
from ..._values.secret import Secret
from ..._wire.sse import ServerSentEvent
from ..base import HTTPApi, Stop
from ..settings import (
    check_int,
    check_option_types,
    default_header_dict,
    encode_body,
    env,
    http_url,
    json_headers,
    resolve_key,
    stop_list,
)
from .read import AnthropicReader, message_result
from .wire import Message, message_decoder

__all__ = [
    "AnthropicSettings",
    "MessagesApi",
    "anthropic_headers",
    "resolve_anthropic_settings",
]


DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"


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
    default_headers: dict[str, str | Secret]
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
    check_option_types(
        AnthropicCallOptions,
        {"max_tokens": max_tokens, "temperature": temperature, "top_p": top_p, "top_k": top_k},
    )
    check_int("max_tokens", max_tokens, minimum=1)  # the Messages API requires it
    check_int("top_k", top_k, minimum=1, optional=True)
    check_int("max_retries", max_retries, minimum=0)
    raw_url = base_url or env("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
    url = http_url(
        raw_url,
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
        default_headers=default_header_dict(default_headers, url=raw_url),
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


def anthropic_headers(settings: AnthropicSettings, *, stream: bool) -> dict[str, str]:
    """The headers of the Messages API (the LLM's and the chat model's)."""
    auth = {"anthropic-version": settings.anthropic_version}
    if settings.api_key is not None:
        auth["x-api-key"] = settings.api_key.get_secret_value()
    return json_headers(
        accept="text/event-stream" if stream else "application/json",
        auth=auth,
        default_headers=settings.default_headers,
    )


class MessagesApi(HTTPApi[AnthropicSettings, ServerSentEvent, Message]):
    """``POST {base_url}/v1/messages``: a str prompt is one user message (system messages of a
    message list go to ``system``); one prompt per request."""

    path = "/v1/messages"
    call_options = CallOptions(AnthropicCallOptions)
    what = "an Anthropic message"
    takes_messages = True

    def headers(self, *, stream: bool) -> dict[str, str]:
        return anthropic_headers(self.settings, stream=stream)

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
