"""``AsyncHTTPLLM``: the LLM runnable of every HTTP provider.

The provider is an ``HTTPApi`` (pure: requests, readers, results; see ``_providers/base.py``); this
class does the I/O for all of them: one streamed request per prompt through ``stream_batches``,
non-streamed requests of ``api.batch_size`` prompts, or (``settings.streaming``) generating by
streaming, with usage summed across requests.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Generic, TypeVar

import httpx

from .._abort import Resources
from .._providers.base import HTTPApi, Settings, call_ls_params
from .._rate_limit import RateLimiter
from .._values.outputs import GenerationBuilder, GenerationChunk, LLMResult, combine_results
from .._wire.limits import DEFAULT_LIMITS, SizeLimits
from .._wire.reader import StreamReader
from .http import read_json
from .llm import AsyncBaseLLM, Prompt, Stop
from .read_loop import stream_batches
from .stream import closing_iter

__all__ = ["AsyncHTTPLLM"]

S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")
Chunk = TypeVar("Chunk")


class AsyncHTTPLLM(AsyncBaseLLM, Generic[S, Frame, Payload]):
    """An LLM served over HTTP, speaking ``api``."""

    streams = True

    def __init__(
        self,
        *,
        name: str,
        api: HTTPApi[S, Frame, Payload],
        client: httpx.AsyncClient,
        total_timeout: float | None = None,
        limits: SizeLimits = DEFAULT_LIMITS,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(name=name)
        self.total_timeout = total_timeout
        self.limits = limits
        self.rate_limiter = rate_limiter
        self.api = api
        self.takes_messages = api.takes_messages
        self.call_options = api.call_options
        self.client = client
        self.max_retries = api.settings.max_retries

    def _ls_params(self) -> dict[str, object]:
        params = super()._ls_params()
        params["ls_model_name"] = self.api.settings.model
        for name in ("temperature", "max_tokens"):
            value = getattr(self.api.settings, name, None)
            if value is not None:
                params[f"ls_{name}"] = value
        params.update(call_ls_params(self.bound_overrides))
        return params

    def _post(self, body: bytes, *, stream: bool) -> httpx.Request:
        return self.client.build_request(
            "POST", self.api.url, content=body, headers=self.api.headers(stream=stream)
        )

    async def _generate_prompts(
        self, prompts: list[Prompt], stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        results: list[LLMResult] = []
        if self.api.settings.streaming:
            for prompt in prompts:
                results.append(await self._collect(prompt, stop, overrides))
        else:
            size = self.api.batch_size
            for start in range(0, len(prompts), size):
                results.append(await self._complete(prompts[start : start + size], stop, overrides))
        return combine_results(results)

    async def _complete(
        self, prompts: list[Prompt], stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        api = self.api
        request = self._post(api.batch_body(prompts, stop, overrides), stream=False)
        payload = await read_json(
            self.client,
            request,
            api.decode,
            max_retries=self.max_retries,
            what=api.what,
            total_timeout=self.total_timeout,
            limits=self.limits,
            rate_limiter=self.rate_limiter,
        )
        result = api.result(payload, len(prompts))
        if self.rate_limiter is not None and result.llm_output is not None:
            usage = result.llm_output.token_usage
            self.rate_limiter.record_tokens(usage.total_tokens if usage is not None else 0)
        return result

    def _stream_generation(
        self,
        prompt: Prompt,
        stop: Stop,
        overrides: Mapping[str, object],
        builder: GenerationBuilder,
        resources: Resources,
    ) -> AsyncGenerator[list[GenerationChunk], None]:
        return self._stream_read(prompt, stop, overrides, self.api.reader(builder), resources)

    async def _stream_texts(
        self, prompt: Prompt, stop: Stop, overrides: Mapping[str, object], resources: Resources
    ) -> AsyncGenerator[list[str], None]:
        # A generator of this model, not the read loop's itself: a stream holds its model (and
        # with it the guard that closes the model's own client), however temporary the model.
        reader = self.api.text_reader(GenerationBuilder())
        batches = (
            super()._stream_texts(prompt, stop, overrides, resources)
            if reader is None
            else self._stream_read(prompt, stop, overrides, reader, resources)
        )
        async with closing_iter(batches) as each:
            async for batch in each:
                yield batch

    def _stream_read(
        self,
        prompt: Prompt,
        stop: Stop,
        overrides: Mapping[str, object],
        reader: StreamReader[Frame, Chunk],
        resources: Resources,
    ) -> AsyncGenerator[list[Chunk], None]:
        """One streamed request for ``prompt``, read by ``reader``."""
        api = self.api
        request = self._post(api.body(prompt, stop, overrides, stream=True), stream=True)
        return stream_batches(
            self.client,
            request,
            reader,
            max_retries=self.max_retries,
            resources=resources,
            total_timeout=self.total_timeout,
            limits=self.limits,
            rate_limiter=self.rate_limiter,
        )
