"""The provider models users construct: ``OpenAI`` (completions), and the others alike.

Each is a thin facade: it validates its arguments into one immutable settings struct and builds
the provider runnable of each twin around an httpx client (see ``HTTPModel``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from ._async.openai import AsyncOpenAICompletions
from ._facade import HTTPModel
from ._openai import OpenAISettings, resolve_settings
from ._secret import Secret
from ._sync.openai import SyncOpenAICompletions

__all__ = ["OpenAI"]


class OpenAI(HTTPModel):
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
        self.settings: OpenAISettings = resolve_settings(
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
            timeout=timeout,
            http_client=http_client,
            http_async_client=http_async_client,
            name=name,
        )

    @property
    def model(self) -> str:
        return self.settings.model

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.settings.model!r}, base_url={self.settings.base_url!r})"

    def _make_sync(self, client: httpx.Client) -> SyncOpenAICompletions:
        return SyncOpenAICompletions(name=self.get_name(), settings=self.settings, client=client)

    def _make_async(self, client: httpx.AsyncClient) -> AsyncOpenAICompletions:
        return AsyncOpenAICompletions(name=self.get_name(), settings=self.settings, client=client)
