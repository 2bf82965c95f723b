"""OpenAI completions (``POST {base_url}/completions``) and every server that speaks it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping

import httpx
import msgspec

from .._errors import (
    APIConnectionError,
    APITimeoutError,
    IncompleteStreamError,
    StreamDecodeError,
    StreamProviderError,
)
from .._openai import OpenAISettings, completions_body, request_headers
from .._outputs import (
    Generation,
    GenerationBuilder,
    GenerationChunk,
    GenerationInfo,
    LLMOutput,
    LLMResult,
    TokenUsage,
)
from .._resources import Resources
from .._schema import Completion, completion_chunk_decoder, completion_decoder
from .._sse import SSEDecoder
from ._http import request_id, send, socket_aborter
from ._stream import closing_iter
from .llm import AsyncBaseLLM, Stop

__all__ = ["AsyncOpenAICompletions"]


class AsyncOpenAICompletions(AsyncBaseLLM):
    streams = True

    def __init__(self, *, name: str, settings: OpenAISettings, client: httpx.AsyncClient) -> None:
        super().__init__(name=name)
        self.settings = settings
        self.client = client
        self._url = f"{settings.base_url}/completions"

    def _request(
        self, prompt: str | list[str], stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> httpx.Request:
        settings = self.settings
        body = completions_body(settings, prompt, stop=stop, stream=stream, overrides=overrides)
        return self.client.build_request(
            "POST", self._url, content=body, headers=request_headers(settings, stream=stream)
        )

    async def _generate_prompts(
        self, prompts: list[str], stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        if self.settings.streaming:
            return await self._generate_streaming(prompts, stop, overrides)
        generations: list[list[Generation]] = []
        usage: TokenUsage | None = None
        model_name: str | None = None
        fingerprint: str | None = None
        size = self.settings.batch_size
        for start in range(0, len(prompts), size):
            batch = prompts[start : start + size]
            completion = await self._complete(batch, stop, overrides)
            generations.extend(_group_choices(completion, len(batch), self.settings.n))
            if completion.usage is not None:
                usage = completion.usage if usage is None else usage + completion.usage
            model_name = model_name or completion.model or None
            fingerprint = fingerprint or completion.system_fingerprint
        output = LLMOutput(token_usage=usage, model_name=model_name, system_fingerprint=fingerprint)
        return LLMResult(generations=generations, llm_output=output)

    async def _complete(
        self, prompts: list[str], stop: Stop, overrides: Mapping[str, object]
    ) -> Completion:
        request = self._request(prompts, stop, overrides, stream=False)
        response = await send(self.client, request, max_retries=self.settings.max_retries)
        try:
            content = await response.aread()
        except httpx.TransportError as exc:
            raise _interrupted(exc, request, "") from exc
        finally:
            await response.aclose()
        try:
            return completion_decoder.decode(content)
        except msgspec.DecodeError as exc:
            raise StreamDecodeError(
                f"{request.method} {request.url} returned a body that is not a completion: {exc}",
                raw=content,
                request_id=request_id(response),
            ) from exc

    async def _generate_streaming(
        self, prompts: list[str], stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        generations: list[list[Generation]] = []
        usage: TokenUsage | None = None
        model_name: str | None = None
        for prompt in prompts:
            builder = GenerationBuilder()
            async for _ in self._stream_generation(prompt, stop, overrides, builder, Resources()):
                pass
            generations.append(builder.generations())
            if builder.usage is not None:
                usage = builder.usage if usage is None else usage + builder.usage
            model_name = model_name or builder.model_name
        return LLMResult(
            generations=generations, llm_output=LLMOutput(token_usage=usage, model_name=model_name)
        )

    async def _stream_generation(
        self,
        prompt: str,
        stop: Stop,
        overrides: Mapping[str, object],
        builder: GenerationBuilder,
        resources: Resources,
    ) -> AsyncGenerator[GenerationChunk, None]:
        request = self._request(prompt, stop, overrides, stream=True)
        response = await send(self.client, request, max_retries=self.settings.max_retries)
        abort = socket_aborter(response)
        if abort is not None:
            resources.register(abort)
        rid = request_id(response)
        decoder = SSEDecoder()
        done = False
        try:
            async with closing_iter(response.aiter_bytes()) as body:
                async for raw in body:
                    if done:
                        # Read to the end after [DONE] (normally nothing is left): an exhausted
                        # response returns its connection to the pool for the next request.
                        continue
                    for event in decoder.feed(raw):
                        data = event.data
                        if data == b"[DONE]":
                            done = True
                            break
                        try:
                            chunk = completion_chunk_decoder.decode(data)
                        except msgspec.DecodeError as exc:
                            raise StreamDecodeError(
                                f"undecodable completion event from {request.url}: {exc}",
                                raw=data,
                                partial_text=builder.text(0),
                                request_id=rid,
                            ) from exc
                        if chunk.error is not None:
                            message = chunk.error.message or "the server reported an error"
                            raise StreamProviderError(
                                f"error inside the stream from {request.url}: {message}",
                                body=msgspec.to_builtins(chunk.error),
                                raw=data,
                                partial_text=builder.text(0),
                                request_id=rid,
                            )
                        if chunk.usage is not None:
                            builder.usage = chunk.usage
                        if builder.model_name is None and chunk.model:
                            builder.model_name = chunk.model
                            builder.system_fingerprint = chunk.system_fingerprint
                        for choice in chunk.choices:
                            text = choice.text
                            info = None
                            if choice.finish_reason is not None or choice.logprobs is not None:
                                info = GenerationInfo(choice.finish_reason, choice.logprobs)
                            if choice.index == 0:
                                if text or info is not None:
                                    out = GenerationChunk(text or "", info)
                                    builder.add_chunk(0, out)
                                    if text:
                                        yield out
                            elif text or info is not None:
                                builder.add_chunk(choice.index, GenerationChunk(text or "", info))
        except httpx.TransportError as exc:
            raise _interrupted(exc, request, builder.text(0)) from exc
        finally:
            if abort is not None:
                resources.unregister(abort)
            await response.aclose()
        if not done and not builder.finished:
            raise IncompleteStreamError(
                f"the stream from {request.url} ended without data: [DONE]"
                + (" (a partial event was discarded)" if decoder.discarded_pending else ""),
                partial_text=builder.text(0),
                request_id=rid,
            )


def _interrupted(
    exc: httpx.TransportError, request: httpx.Request, partial_text: str
) -> APIConnectionError:
    where = f"{request.method} {request.url}"
    error: APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        error = APITimeoutError(
            f"{where} timed out while reading the response ({type(exc).__name__})",
            method=request.method,
            url=str(request.url),
        )
    else:
        error = APIConnectionError(
            f"{where}: the connection broke while reading the response: {exc!r}",
            method=request.method,
            url=str(request.url),
        )
    error.partial_text = partial_text
    return error


def _group_choices(completion: Completion, prompts: int, n: int) -> list[list[Generation]]:
    groups: list[list[Generation]] = [[] for _ in range(prompts)]
    for choice in sorted(completion.choices, key=lambda c: c.index):
        info = None
        if choice.finish_reason is not None or choice.logprobs is not None:
            info = GenerationInfo(choice.finish_reason, choice.logprobs)
        slot = min(choice.index // n, prompts - 1)
        groups[slot].append(Generation(choice.text or "", info))
    return groups
