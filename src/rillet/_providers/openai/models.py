"""The OpenAI LLMs users construct: ``OpenAI`` (completions) and ``OpenAIChat`` (a string-in LLM
over chat completions, LangChain's legacy name). The chat model ``ChatOpenAI`` is in
``chat_model.py``; it, ``Anthropic`` and ``Ollama`` are imported on first use, so ``import
rillet`` stays light.

Each is a thin facade (``_facade/provider.py``'s ``APIModel``): it validates its arguments into one
immutable settings struct, wraps it in its ``HTTPApi`` (``api.py``, pure), and runs it through the
one HTTP runnable of each twin (``AsyncHTTPLLM``/``SyncHTTPLLM``) around an httpx client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import httpx

from ..._facade.provider import APIModel
from ..._rate_limit import RateLimiter
from ..._values.secret import Secret
from ..._wire.limits import SizeLimits
from ..._wire.sse import ServerSentEvent
from .api import ChatApi, CompletionsApi, OpenAISettings, resolve_settings
from .calls import (
    BoundOpenAI,
    BoundOpenAIChat,
    OpenAICalls,
    OpenAIChatCalls,
)
from .wire import ChatChoice, CompletionChoice, OpenAIPayload

if TYPE_CHECKING:
    from ..._values.options import Stop

__all__ = ["OpenAI", "OpenAIChat"]


class OpenAI(
    OpenAICalls, APIModel[OpenAISettings, ServerSentEvent, OpenAIPayload[CompletionChoice]]
):
    """OpenAI's completions endpoint (``gpt-3.5-turbo-instruct``), or any server that speaks it
    (vLLM, llama.cpp, LM Studio, Ollama's ``/v1``...) through ``base_url``.

    ``api_key`` defaults to ``$OPENAI_API_KEY``, ``base_url`` to ``$OPENAI_BASE_URL``.
    ``stop`` is the default stop list; a call's ``stop=`` replaces it. ``extra_body`` adds keys to
    every request body (e.g. ``{"top_k": 20}`` for vLLM). ``http_client``/``http_async_client``:
    your own httpx clients (you keep ownership). ``streaming=True`` makes ``invoke``/``generate``
    stream internally.
    """

    def __init__(
        self,
        *,
        model: str = "gpt-3.5-turbo-instruct",
        temperature: float | None = 0.7,
        max_tokens: int | None = 256,
        top_p: float | None = 1,
        n: int = 1,
        best_of: int | None = None,
        frequency_penalty: float | None = 0,
        presence_penalty: float | None = 0,
        seed: int | None = None,
        logprobs: int | None = None,
        logit_bias: Mapping[str, int] | None = None,
        stop: str | Sequence[str] | None = None,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        total_timeout: float | None = None,
        limits: SizeLimits | None = None,
        rate_limiter: RateLimiter | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, object] | None = None,
        streaming: bool = False,
        batch_size: int = 20,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        name: str | None = None,
    ) -> None:
        settings = resolve_settings(
            model=model,
            base_url=base_url,
            api_key=api_key,
            organization=organization,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            n=n,
            best_of=best_of,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            seed=seed,
            logprobs=logprobs,
            logit_bias=logit_bias,
            stop=stop,
            max_retries=max_retries,
            default_headers=default_headers,
            extra_body=extra_body,
            streaming=streaming,
            batch_size=batch_size,
        )
        super().__init__(
            CompletionsApi(settings),
            timeout=timeout,
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundOpenAI:
        return BoundOpenAI(self, stop=stop, overrides=overrides)


class OpenAIChat(
    OpenAIChatCalls, APIModel[OpenAISettings, ServerSentEvent, OpenAIPayload[ChatChoice]]
):
    """OpenAI's chat completions endpoint (``gpt-4o-mini``...), or any server that speaks it
    (vLLM, llama.cpp, Ollama's ``/v1``, LM Studio, Groq, Together, OpenRouter...) through
    ``base_url``: an LLM, text in and text out, the prompt sent as one user message.

    Same parameters and environment variables as ``OpenAI`` (``$OPENAI_API_KEY``,
    ``$OPENAI_BASE_URL``), without the completions-only ``best_of``, ``logprobs`` and
    ``batch_size``. ``n > 1``: ``generate`` returns each choice as its own ``Generation``;
    ``stream`` yields choice 0. ``max_tokens`` is sent as ``max_tokens`` (what compatible servers
    read); for OpenAI's reasoning models pass ``extra_body={"max_completion_tokens": ...}``.
    """

    def __init__(
        self,
        *,
        model: str = "gpt-4o-mini",
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
        n: int = 1,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        seed: int | None = None,
        logit_bias: Mapping[str, int] | None = None,
        stop: str | Sequence[str] | None = None,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        total_timeout: float | None = None,
        limits: SizeLimits | None = None,
        rate_limiter: RateLimiter | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, object] | None = None,
        streaming: bool = False,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        name: str | None = None,
    ) -> None:
        settings = resolve_settings(
            model=model,
            base_url=base_url,
            api_key=api_key,
            organization=organization,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            n=n,
            best_of=None,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            seed=seed,
            logprobs=None,
            logit_bias=logit_bias,
            stop=stop,
            max_retries=max_retries,
            default_headers=default_headers,
            extra_body=extra_body,
            streaming=streaming,
            batch_size=1,
        )
        super().__init__(
            ChatApi(settings),
            timeout=timeout,
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundOpenAIChat:
        return BoundOpenAIChat(self, stop=stop, overrides=overrides)
