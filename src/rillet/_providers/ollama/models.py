"""``Ollama`` and ``ChatOllama``: the native ``/api/generate`` and ``/api/chat`` models (see ``_facade/provider.py`` for the shared machinery)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import httpx
import msgspec

from ..._facade.chat_provider import APIChatModel
from ..._facade.provider import APIModel
from ..._rate_limit import RateLimiter
from ..._values.errors import ConfigError
from ..._wire.limits import SizeLimits
from .api import GenerateApi, OllamaSettings, resolve_ollama_settings
from .calls import BoundChatOllama, BoundOllama, ChatOllamaCalls, OllamaCalls
from .chat import ChatApi, ChatLine, ChatOllamaSettings
from .wire import OllamaLine

if TYPE_CHECKING:
    from ..._values.options import Stop

__all__ = ["ChatOllama", "Ollama"]


class Ollama(OllamaCalls, APIModel[OllamaSettings, bytes, OllamaLine]):
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
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundOllama:
        return BoundOllama(self, stop=stop, overrides=overrides)


class ChatOllama(ChatOllamaCalls, APIChatModel[ChatOllamaSettings, bytes, ChatLine]):
    """A chat model served by Ollama, through its native ``/api/chat`` (NDJSON streaming):
    messages in (images as base64 ``ImageBlock``s), an ``AIMessage`` out, streamed as
    ``AIMessageChunk``s: text in ``content``, ``thinking`` as ``ReasoningBlock``s, tool calls
    whole, usage and ``done_reason`` on the last chunk.

    Same parameters and environment variables as ``Ollama`` (``$OLLAMA_HOST``), plus
    ``reasoning`` (LangChain's name; sent as Ollama's ``think``): ``True``/``False``, or a level
    (``"low"``, ``"medium"``, ``"high"``) for the models that take one; None leaves it to the
    model. Thinking the server streams is read whatever this says.
    """

    def __init__(
        self,
        *,
        model: str,
        reasoning: bool | str | None = None,
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
        if reasoning is not None and not isinstance(reasoning, (bool, str)):
            raise ConfigError(
                f"reasoning must be True, False, a level such as 'high', or None, got {reasoning!r}"
            )
        super().__init__(
            ChatApi(ChatOllamaSettings(**msgspec.structs.asdict(settings), think=reasoning)),
            timeout=timeout,
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundChatOllama:
        return BoundChatOllama(self, stop=stop, overrides=overrides)
