"""``ChatOpenAI``, the chat model over OpenAI's chat completions (and compatible servers): a
thin facade (``_facade/chat_provider.py``'s ``APIChatModel``) around ``chat.py``'s
``ChatCompletionsApi``, with the settings of ``api.py``. Imported on first use: ``import rillet``
does not load the chat stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import httpx

from ..._facade.chat_provider import APIChatModel
from ..._rate_limit import RateLimiter
from ..._values.secret import Secret
from ..._wire.limits import SizeLimits
from ..._wire.sse import ServerSentEvent
from ..reasoning_tags import reasoning_tags
from .api import OpenAISettings, resolve_settings
from .chat import ChatCompletionsApi, ChatPayload
from .chat_calls import BoundChatOpenAI, ChatOpenAICalls

if TYPE_CHECKING:
    from ..._values.options import Stop

__all__ = ["ChatOpenAI"]


class ChatOpenAI(ChatOpenAICalls, APIChatModel[OpenAISettings, ServerSentEvent, ChatPayload]):
    """A chat model over chat completions: OpenAI (``gpt-4o-mini``...) or any compatible server
    through ``base_url`` (vLLM, llama.cpp, Groq, OpenRouter, Together, DeepSeek, Ollama's
    ``/v1``...). Messages in, an ``AIMessage`` out, streamed as ``AIMessageChunk``s: text in
    ``content``, the reasoning some servers stream (``reasoning_content``, ``reasoning``) as
    ``ReasoningBlock``s, usage on the stream (``stream_options.include_usage`` is always sent),
    ``response_metadata`` with the finish reason, model, id and fingerprint.

    Same parameters and environment variables as ``OpenAIChat`` (``$OPENAI_API_KEY``,
    ``$OPENAI_BASE_URL``), but one reply per call (no ``n``). ``max_tokens`` is sent as
    ``max_tokens``; for OpenAI's reasoning models pass ``extra_body={"max_completion_tokens":
    ...}``. ``streaming=True`` makes ``invoke``/``generate`` stream internally.
    ``extract_reasoning=True`` splits the reasoning some models write into their text between
    ``<think>`` and ``</think>`` (DeepSeek-R1 through Together) off into ``ReasoningBlock``s (a
    pair of other tags: ``extract_reasoning=("<reasoning>", "</reasoning>")``); off by default,
    as in LangChain: the text is then kept whole.
    """

    def __init__(
        self,
        *,
        model: str = "gpt-4o-mini",
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
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
        extract_reasoning: bool | tuple[str, str] = False,
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
            n=1,
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
            ChatCompletionsApi(settings, reasoning_tags=reasoning_tags(extract_reasoning)),
            timeout=timeout,
            total_timeout=total_timeout,
            limits=limits,
            rate_limiter=rate_limiter,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    def _bind(self, stop: Stop, overrides: Mapping[str, object]) -> BoundChatOpenAI:
        return BoundChatOpenAI(self, stop=stop, overrides=overrides)
