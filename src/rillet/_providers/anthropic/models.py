"""``Anthropic`` and ``ChatAnthropic``: the Messages API models (see ``_facade/provider.py`` for the shared machinery)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import httpx
import msgspec

from ..._facade.chat_provider import APIChatModel
from ..._facade.provider import APIModel
from ..._rate_limit import RateLimiter
from ..._values.errors import ConfigError
from ..._values.secret import Secret
from ..._wire.limits import SizeLimits
from ..._wire.sse import ServerSentEvent
from .api import (
    API_VERSION,
    AnthropicSettings,
    MessagesApi,
    resolve_anthropic_settings,
)
from .calls import AnthropicCalls, BoundAnthropic, BoundChatAnthropic, ChatAnthropicCalls
from .chat import ChatAnthropicSettings, ChatMessagesApi
from .wire import Message

if TYPE_CHECKING:
    from ..._values.options import Stop

__all__ = ["Anthropic", "ChatAnthropic"]


class Anthropic(AnthropicCalls, APIModel[AnthropicSettings, ServerSentEvent, Message]):
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
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundAnthropic:
        return BoundAnthropic(self, stop=stop, overrides=overrides)


class ChatAnthropic(
    ChatAnthropicCalls, APIChatModel[ChatAnthropicSettings, ServerSentEvent, Message]
):
    """A chat model over Anthropic's Messages API (``claude-sonnet-4-5``...): messages in (system
    messages go to the request's ``system``), an ``AIMessage`` out, streamed as
    ``AIMessageChunk``s: text in ``content``, thinking as ``ReasoningBlock``s (with their
    signature), tool-use input as ``tool_call_chunks``, usage as deltas that add up to the final
    counts (Anthropic reports running totals), the ``stop_reason`` as
    ``response_metadata.finish_reason``.

    Same parameters and environment variables as ``Anthropic`` (``$ANTHROPIC_API_KEY``,
    ``$ANTHROPIC_BASE_URL``; ``max_tokens`` defaults to 1024), plus ``thinking``: the request's
    object, e.g. ``{"type": "enabled", "budget_tokens": 2048}``.
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
        thinking: Mapping[str, object] | None = None,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        anthropic_version: str = API_VERSION,
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
        if thinking is not None and not isinstance(thinking, Mapping):
            raise ConfigError(
                "thinking must be the request's object, e.g. "
                f'{{"type": "enabled", "budget_tokens": 2048}}, got {thinking!r}'
            )
        super().__init__(
            ChatMessagesApi(
                ChatAnthropicSettings(
                    **msgspec.structs.asdict(settings),
                    thinking=dict(thinking) if thinking is not None else None,
                )
            ),
            timeout=timeout,
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundChatAnthropic:
        return BoundChatAnthropic(self, stop=stop, overrides=overrides)
