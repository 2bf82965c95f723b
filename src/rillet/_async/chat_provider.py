"""``AsyncHTTPChatModel``: the chat-model runnable of every HTTP provider.

The provider is a ``ChatHTTPApi`` (pure: requests from messages, readers, messages; see
``_providers/chat_base.py``); this class does the I/O for all of them with the machinery the LLMs
use: a streamed request goes through ``stream_batches`` (the one read loop: retries before the
first byte, timeouts, typed stream errors with the partial text, the response closed the moment
the caller stops), a whole one through ``read_json``. Everything else (input coercion, ids,
events, batch, generate) is ``AsyncBaseChatModel``'s.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Generic, TypeVar

import httpx

from .._abort import Resources
from .._providers.base import Settings, Stop, call_ls_params
from .._providers.chat_base import ChatHTTPApi
from .._rate_limit import RateLimiter
from .._values.messages import AIMessage, AIMessageChunk, AnyMessage
from .._wire.limits import DEFAULT_LIMITS, SizeLimits
from .chat_model import AsyncBaseChatModel
from .http import read_json
from .read_loop import stream_batches
from .stream import each_chunk

__all__ = ["AsyncHTTPChatModel"]

S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")


class AsyncHTTPChatModel(AsyncBaseChatModel, Generic[S, Frame, Payload]):
    """A chat model served over HTTP, speaking ``api`` through ``client``."""

    streams = True

    def __init__(
        self,
        *,
        name: str,
        api: ChatHTTPApi[S, Frame, Payload],
        client: httpx.AsyncClient,
        total_timeout: float | None = None,
        limits: SizeLimits = DEFAULT_LIMITS,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(name=name)
        self.api = api
        self.client = client
        self.total_timeout = total_timeout
        self.limits = limits
        self.rate_limiter = rate_limiter
        self.max_retries = api.settings.max_retries
        self.ls_provider = api.provider
        self.call_options = api.call_options

    def _ls_params(self) -> dict[str, object]:
        params = super()._ls_params()
        params.update(self.api.ls_params())
        params.update(call_ls_params(self.bound_overrides))
        return params

    def _post(self, body: bytes, *, stream: bool) -> httpx.Request:
        return self.client.build_request(
            "POST", self.api.url, content=body, headers=self.api.headers(stream=stream)
        )

    def _stream_reply(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncGenerator[AIMessageChunk, None]:
        return each_chunk(self._stream_reply_batches(messages, stop, overrides, resources))

    def _stream_reply_batches(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncGenerator[list[AIMessageChunk], None]:
        api = self.api
        request = self._post(api.body(messages, stop, overrides, stream=True), stream=True)
        return stream_batches(
            self.client,
            request,
            api.reader(),
            max_retries=self.max_retries,
            resources=resources,
            total_timeout=self.total_timeout,
            limits=self.limits,
            rate_limiter=self.rate_limiter,
        )

    async def _generate_reply(
        self, messages: list[AnyMessage], stop: Stop, overrides: Mapping[str, object]
    ) -> AIMessage | AIMessageChunk:
        """One non-streamed request, or (``streaming=True``) the stream drained."""
        if self.api.settings.streaming:
            return await super()._generate_reply(messages, stop, overrides)
        api = self.api
        request = self._post(api.body(messages, stop, overrides, stream=False), stream=False)
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
        return api.message(payload)
