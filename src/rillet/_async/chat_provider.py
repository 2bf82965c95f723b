"""``AsyncChatHTTP``: the I/O of every HTTP chat model.

The provider is a ``ChatHTTPApi`` (pure: requests from messages, readers, messages; see
``_providers/chat_base.py``); this class does the I/O for all of them with the machinery the LLMs
use: a streamed request goes through ``stream_response`` (the one read loop: retries before the
first byte, timeouts, typed stream errors with the partial text, the response closed the moment
the caller stops), a whole one through ``read_json``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Generic, TypeVar

import httpx

from .._abort import Resources
from .._providers.base import Settings, Stop
from .._providers.chat_base import ChatHTTPApi
from .._values.messages import AIMessage, AIMessageChunk, AnyMessage
from .http import read_json
from .read_loop import stream_response

__all__ = ["AsyncChatHTTP"]

S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")


class AsyncChatHTTP(Generic[S, Frame, Payload]):
    """Speaks ``api`` through ``client``."""

    def __init__(
        self,
        api: ChatHTTPApi[S, Frame, Payload],
        client: httpx.AsyncClient,
        *,
        total_timeout: float | None = None,
    ) -> None:
        self.api = api
        self.client = client
        self.total_timeout = total_timeout
        self.max_retries = api.settings.max_retries

    def _post(self, body: bytes, *, stream: bool) -> httpx.Request:
        return self.client.build_request(
            "POST", self.api.url, content=body, headers=self.api.headers(stream=stream)
        )

    def stream(
        self,
        messages: Sequence[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncGenerator[AIMessageChunk, None]:
        """The reply's chunks as they arrive (``resources`` aborts the response if the stream
        is abandoned)."""
        api = self.api
        request = self._post(api.body(messages, stop, overrides, stream=True), stream=True)
        return stream_response(
            self.client,
            request,
            api.reader(),
            max_retries=self.max_retries,
            resources=resources,
            total_timeout=self.total_timeout,
        )

    async def complete(
        self, messages: Sequence[AnyMessage], stop: Stop, overrides: Mapping[str, object]
    ) -> AIMessage:
        """The whole reply of one non-streamed request."""
        api = self.api
        request = self._post(api.body(messages, stop, overrides, stream=False), stream=False)
        payload = await read_json(
            self.client,
            request,
            api.decode,
            max_retries=self.max_retries,
            what=api.what,
            total_timeout=self.total_timeout,
        )
        return api.message(payload)
