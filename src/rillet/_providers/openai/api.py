"""OpenAI completions and chat: settings resolved from arguments and the environment, bodies.

Pure: no I/O. ``CompletionsApi`` and ``ChatApi`` are the two endpoints as ``HTTPApi``s, spoken
by ``_async/provider.py`` (streams are read by ``read.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

import msgspec

from ..._values.errors import ConfigError
from ..._values.inputs import ChatInput, chat_messages, to_prompt
from ..._values.options import CallOptions, OpenAICallOptions, OpenAIChatCallOptions
from ..._values.outputs import GenerationBuilder, LLMResult
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
from .wire import (
    ChatChoice,
    CompletionChoice,
    OpenAIPayload,
    chat_completion_decoder,
    completion_decoder,
)

if TYPE_CHECKING:
    from .read import (
        ChatStreamReader,
        ChatTextReader,
        CompletionsStreamReader,
        CompletionsTextReader,
    )

__all__ = ["ChatApi", "CompletionsApi", "OpenAISettings", "openai_headers", "resolve_settings"]

Choice = TypeVar("Choice")

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAISettings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a request needs, fixed at construction (one immutable config per model)."""

    model: str
    base_url: str
    api_key: Secret | None
    organization: str | None
    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    n: int
    best_of: int | None
    frequency_penalty: float | None
    presence_penalty: float | None
    seed: int | None
    logprobs: int | None
    logit_bias: dict[str, int] | None
    stop: list[str] | None
    max_retries: int
    default_headers: dict[str, str | Secret]
    extra_body: dict[str, object] | None
    streaming: bool
    batch_size: int


def resolve_settings(
    *,
    model: str,
    base_url: str | None,
    api_key: str | Secret | None,
    organization: str | None,
    temperature: float | None,
    max_tokens: int | None,
    top_p: float | None,
    n: int,
    best_of: int | None,
    frequency_penalty: float | None,
    presence_penalty: float | None,
    seed: int | None,
    logprobs: int | None,
    logit_bias: Mapping[str, int] | None,
    stop: str | Sequence[str] | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    extra_body: Mapping[str, object] | None,
    streaming: bool,
    batch_size: int,
) -> OpenAISettings:
    """Validate the constructor arguments and fill the rest from the environment.

    Serves both endpoints (completions and chat; chat passes ``best_of=None``, ``logprobs=None``,
    ``batch_size=1``). ``api_key`` falls back to ``OPENAI_API_KEY``; ``base_url`` to
    ``OPENAI_BASE_URL`` (then LangChain's ``OPENAI_API_BASE``); ``organization`` to
    ``OPENAI_ORG_ID``. A key is required only for api.openai.com: local OpenAI-compatible servers
    (vLLM, llama.cpp, Ollama...) need none.
    """
    if not isinstance(model, str) or not model:
        raise ConfigError(f"model must be a non-empty str, got {model!r}")
    check_option_types(
        OpenAICallOptions,
        {
            "temperature": temperature,
            "max_tokens": max_tokens,
            "top_p": top_p,
            "best_of": best_of,
            "frequency_penalty": frequency_penalty,
            "presence_penalty": presence_penalty,
            "seed": seed,
            "logprobs": logprobs,
            "logit_bias": logit_bias,
        },
    )
    check_int("n", n, minimum=1)
    if streaming and (best_of or 1) > 1:
        # OpenAI refuses to stream best_of > 1 (the server picks the best candidate at the end).
        raise ConfigError("streaming=True cannot be combined with best_of > 1")
    check_int("max_retries", max_retries, minimum=0)
    if max_tokens == -1:
        raise ConfigError(
            "max_tokens must be a positive int or None, got -1 "
            "('the rest of the context' is not supported)"
        )
    check_int("max_tokens", max_tokens, minimum=1, optional=True)
    check_int("batch_size", batch_size, minimum=1)
    raw_url = base_url or env("OPENAI_BASE_URL", "OPENAI_API_BASE") or DEFAULT_BASE_URL
    url = http_url(
        raw_url,
        name="base_url",
        example=DEFAULT_BASE_URL,
    )
    return OpenAISettings(
        model=model,
        base_url=url,
        api_key=resolve_key(
            api_key, env_names=["OPENAI_API_KEY"], url=url, required_for="api.openai.com"
        ),
        organization=organization or env("OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
        temperature=temperature,
        max_tokens=max_tokens,
        top_p=top_p,
        n=n,
        best_of=best_of,
        frequency_penalty=frequency_penalty,
        presence_penalty=presence_penalty,
        seed=seed,
        logprobs=logprobs,
        logit_bias=dict(logit_bias) if logit_bias is not None else None,
        stop=stop_list(stop),
        max_retries=max_retries,
        default_headers=default_header_dict(default_headers, url=raw_url),
        extra_body=dict(extra_body) if extra_body is not None else None,
        streaming=streaming,
        batch_size=batch_size,
    )


def openai_headers(settings: OpenAISettings, *, stream: bool) -> dict[str, str]:
    """The headers of every OpenAI endpoint (completions, chat, the chat model's)."""
    auth: dict[str, str] = {}
    if settings.api_key is not None:
        auth["authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    if settings.organization:
        auth["openai-organization"] = settings.organization
    return json_headers(
        accept="text/event-stream" if stream else "application/json",
        auth=auth,
        default_headers=settings.default_headers,
    )


class _OpenAIApi(HTTPApi[OpenAISettings, ServerSentEvent, OpenAIPayload[Choice]]):
    """What both OpenAI endpoints share: auth headers and every parameter but the input."""

    def headers(self, *, stream: bool) -> dict[str, str]:
        return openai_headers(self.settings, stream=stream)

    def _encode(
        self, body: dict[str, object], stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> bytes:
        settings = self.settings
        optional: dict[str, object | None] = {
            "temperature": settings.temperature,
            "max_tokens": settings.max_tokens,
            "top_p": settings.top_p,
            "frequency_penalty": settings.frequency_penalty,
            "presence_penalty": settings.presence_penalty,
            "seed": settings.seed,
            "logprobs": settings.logprobs,
            "logit_bias": settings.logit_bias,
            "n": settings.n if settings.n != 1 else None,
            "best_of": settings.best_of if (settings.best_of or 1) > 1 else None,
            "stop": (stop_list(stop) if stop is not None else settings.stop) or None,
        }
        if stream:
            # Usage is then reported at the end of the stream (a `choices: []` chunk).
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return encode_body(body, optional, extra_body=settings.extra_body, overrides=overrides)


class CompletionsApi(_OpenAIApi[CompletionChoice]):
    """``POST {base_url}/completions``: up to ``batch_size`` prompts share a non-streamed
    request (the endpoint takes a list; choice ``i`` answers prompt ``i // n``)."""

    path = "/completions"
    call_options = CallOptions(OpenAICallOptions)
    what = "a completion"

    def __init__(self, settings: OpenAISettings) -> None:
        super().__init__(settings)
        self.batch_size = settings.batch_size

    def body(
        self, prompt: ChatInput, stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> bytes:
        body: dict[str, object] = {"model": self.settings.model, "prompt": to_prompt(prompt)}
        return self._encode(body, stop, overrides, stream=stream)

    def batch_body(
        self, prompts: list[ChatInput], stop: Stop, overrides: Mapping[str, object]
    ) -> bytes:
        body: dict[str, object] = {
            "model": self.settings.model,
            "prompt": [to_prompt(p) for p in prompts],
        }
        return self._encode(body, stop, overrides, stream=False)

    def reader(self, builder: GenerationBuilder) -> CompletionsStreamReader:
        from .read import CompletionsStreamReader  # the stream machinery loads on first use

        return CompletionsStreamReader(builder, url=self.url)

    def text_reader(self, builder: GenerationBuilder) -> CompletionsTextReader:
        from .read import CompletionsTextReader  # the stream machinery loads on first use

        return CompletionsTextReader(builder, url=self.url)

    def decode(self, content: bytes) -> OpenAIPayload[CompletionChoice]:
        return completion_decoder().decode(content)

    def result(self, payload: OpenAIPayload[CompletionChoice], prompts: int) -> LLMResult:
        from .read import completions_result

        return completions_result(payload, prompts, self.settings.n)


class ChatApi(_OpenAIApi[ChatChoice]):
    """``POST {base_url}/chat/completions``: a str prompt is one user message (a list of
    messages is sent as messages); one prompt per request."""

    path = "/chat/completions"
    call_options = CallOptions(OpenAIChatCallOptions)
    what = "a chat completion"
    takes_messages = True

    def body(
        self, prompt: ChatInput, stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> bytes:
        body: dict[str, object] = {"model": self.settings.model, "messages": chat_messages(prompt)}
        return self._encode(body, stop, overrides, stream=stream)

    def reader(self, builder: GenerationBuilder) -> ChatStreamReader:
        from .read import ChatStreamReader  # the stream machinery loads on first use

        return ChatStreamReader(builder, url=self.url)

    def text_reader(self, builder: GenerationBuilder) -> ChatTextReader:
        from .read import ChatTextReader  # the stream machinery loads on first use

        return ChatTextReader(builder, url=self.url)

    def decode(self, content: bytes) -> OpenAIPayload[ChatChoice]:
        return chat_completion_decoder().decode(content)

    def result(self, payload: OpenAIPayload[ChatChoice], prompts: int) -> LLMResult:
        from .read import chat_result

        return chat_result(payload)
