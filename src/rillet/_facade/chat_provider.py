"""The facade of chat models served over HTTP: ``APIChatModel``, a chat model speaking one
``ChatHTTPApi`` (``_providers/chat_base.py``), whose twins are the shared HTTP chat runnables of
``_async/chat_provider.py``; it owns its httpx clients as the LLMs do (``provider.py``'s
``HTTPClients``). Each provider's chat model subclasses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic

import httpx

from .._providers.chat_base import ChatHTTPApi
from .._rate_limit import RateLimiter
from .._values.tools import TOOL_FORMATS, ToolFormat
from .._wire.limits import SizeLimits
from .chat_model import BaseChatModel
from .provider import (
    Frame,
    HTTPClients,
    Payload,
    S,
    check_limits,
    check_rate_limiter,
    check_total_timeout,
)

if TYPE_CHECKING:
    from .._async.chat_provider import AsyncHTTPChatModel
    from .._sync.chat_provider import SyncHTTPChatModel
    from .._values.options import CallOptions

__all__ = ["APIChatModel"]


class APIChatModel(
    HTTPClients["SyncHTTPChatModel[S, Frame, Payload]", "AsyncHTTPChatModel[S, Frame, Payload]"],
    BaseChatModel,
    Generic[S, Frame, Payload],
):
    """A chat model speaking one ``ChatHTTPApi``; its twins are the shared HTTP chat runnables
    of ``_async/chat_provider.py``."""

    def __init__(
        self,
        api: ChatHTTPApi[S, Frame, Payload],
        *,
        timeout: float | httpx.Timeout | None,
        total_timeout: float | None,
        limits: SizeLimits | None = None,
        rate_limiter: RateLimiter | None = None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        super().__init__(name=name)
        self._api = api
        self._total_timeout = check_total_timeout(total_timeout)
        self._limits = check_limits(limits)
        self._rate_limiter = check_rate_limiter(rate_limiter)
        self._init_clients(
            timeout=timeout, http_client=http_client, http_async_client=http_async_client
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

    def _call_options(self) -> CallOptions:
        return self._api.call_options

    def _tool_format(self) -> ToolFormat | None:
        """Tools go out in the shape of the API this model speaks (issue 13)."""
        return TOOL_FORMATS.get(self._api.provider)

    def _make_sync(self, client: httpx.Client) -> SyncHTTPChatModel[S, Frame, Payload]:
        from .._sync.chat_provider import SyncHTTPChatModel

        return SyncHTTPChatModel(
            name=self.get_name(),
            api=self._api,
            client=client,
            total_timeout=self._total_timeout,
            limits=self._limits,
            rate_limiter=self._rate_limiter,
        )

    def _make_async(self, client: httpx.AsyncClient) -> AsyncHTTPChatModel[S, Frame, Payload]:
        from .._async.chat_provider import AsyncHTTPChatModel

        return AsyncHTTPChatModel(
            name=self.get_name(),
            api=self._api,
            client=client,
            total_timeout=self._total_timeout,
            limits=self._limits,
            rate_limiter=self._rate_limiter,
        )
