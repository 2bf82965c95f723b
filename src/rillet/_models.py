"""The provider models users construct: ``OpenAI`` (completions), ``OpenAIChat``, ``Anthropic``
and ``Ollama``.

Each is a thin facade: it validates its arguments into one immutable settings struct, wraps it in
its ``HTTPApi`` (pure), and runs it through the one HTTP runnable of each twin
(``AsyncHTTPLLM``/``SyncHTTPLLM``) around an httpx client (see ``HTTPModel``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

import httpx

from ._anthropic import (
    API_VERSION,
    AnthropicSettings,
    Message,
    MessagesApi,
    resolve_anthropic_settings,
)
from ._async._provider import AsyncHTTPLLM
from ._facade import HTTPModel
from ._http_api import HTTPApi, Settings
from ._ollama import GenerateApi, OllamaLine, OllamaSettings, resolve_ollama_settings
from ._openai import ChatApi, CompletionsApi, OpenAISettings, resolve_settings
from ._schema import ChatChoice, CompletionChoice, OpenAIPayload
from ._secret import Secret
from ._sse import ServerSentEvent
from ._sync._provider import SyncHTTPLLM

__all__ = ["Anthropic", "Ollama", "OpenAI", "OpenAIChat"]

S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")


class _APIModel(HTTPModel, Generic[S, Frame, Payload]):
    """A model speaking one ``HTTPApi``; its twins are the shared HTTP runnables."""

    def __init__(
        self,
        api: HTTPApi[S, Frame, Payload],
        *,
        timeout: float | httpx.Timeout | None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        self._api = api
        super().__init__(
            timeout=timeout, http_client=http_client, http_async_client=http_async_client, name=name
        )

    @property
    def settings(self) -> S:
        """The resolved settings (immutable; the API key is a ``Secret``)."""
        return self._api.settings

    @property
    def model(self) -> str:
        return self._api.settings.model

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.settings.base_url!r})"

    def _make_sync(self, client: httpx.Client) -> SyncHTTPLLM[S, Frame, Payload]:
        return SyncHTTPLLM(name=self.get_name(), api=self._api, client=client)

    def _make_async(self, client: httpx.AsyncClient) -> AsyncHTTPLLM[S, Frame, Payload]:
        return AsyncHTTPLLM(name=self.get_name(), api=self._api, client=client)


class OpenAI(_APIModel[OpenAISettings, ServerSentEvent, OpenAIPayload[CompletionChoice]]):
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
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )


class OpenAIChat(_APIModel[OpenAISettings, ServerSentEvent, OpenAIPayload[ChatChoice]]):
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
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )


class Anthropic(_APIModel[AnthropicSettings, ServerSentEvent, Message]):
    """Anthropic's Messages API (``claude-sonnet-4-5``...): an LLM, text in and text out, the
    prompt sent as one user message. Only text is output: thinking and tool-use blocks are not.

    ``api_key`` defaults to ``$ANTHROPIC_API_KEY``, ``base_url`` to ``$ANTHROPIC_BASE_URL`` then
    ``https://api.anthropic.com`` (the root: ``/v1/messages`` is appended). ``max_tokens`` is
    required by the API (default 1024). ``system`` is the system prompt. Stream events of a type
    rillet does not know are skipped with an ``UnknownEventWarning``.
    """

    def __init__(
        self,
        *,
        model: str,
        max_tokens: int = 1024,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop: str | Sequence[str] | None = None,
        system: str | None = None,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        anthropic_version: str = API_VERSION,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, object] | None = None,
        streaming: bool = False,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        name: str | None = None,
    ) -> None:
        settings = resolve_anthropic_settings(
            model=model,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            stop=stop,
            system=system,
            api_key=api_key,
            base_url=base_url,
            anthropic_version=anthropic_version,
            max_retries=max_retries,
            default_headers=default_headers,
            extra_body=extra_body,
            streaming=streaming,
        )
        super().__init__(
            MessagesApi(settings),
            timeout=timeout,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )


class Ollama(_APIModel[OllamaSettings, bytes, OllamaLine]):
    """A model served by Ollama, through its native ``/api/generate`` (NDJSON streaming).

    ``base_url`` defaults to ``$OLLAMA_HOST`` (``host:port`` is fine, as for the Ollama CLI), then
    ``http://127.0.0.1:11434``. The sampling parameters (``temperature``, ``num_predict``,
    ``num_ctx``...) go into the request's ``options``, on top of ``options``. ``thinking`` text
    is not output. (Ollama also speaks chat completions at ``{host}/v1``: ``OpenAIChat`` works.)
    """

    def __init__(
        self,
        *,
        model: str,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        num_predict: int | None = None,
        num_ctx: int | None = None,
        repeat_penalty: float | None = None,
        seed: int | None = None,
        stop: str | Sequence[str] | None = None,
        options: Mapping[str, object] | None = None,
        system: str | None = None,
        keep_alive: float | str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, object] | None = None,
        streaming: bool = False,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        name: str | None = None,
    ) -> None:
        settings = resolve_ollama_settings(
            model=model,
            base_url=base_url,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            num_predict=num_predict,
            num_ctx=num_ctx,
            repeat_penalty=repeat_penalty,
            seed=seed,
            stop=stop,
            options=options,
            system=system,
            keep_alive=keep_alive,
            max_retries=max_retries,
            default_headers=default_headers,
            extra_body=extra_body,
            streaming=streaming,
        )
        super().__init__(
            GenerateApi(settings),
            timeout=timeout,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )
