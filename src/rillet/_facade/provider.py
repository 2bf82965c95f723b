"""The facades of models served over HTTP: ``HTTPClients`` (one httpx client per twin, per event
loop for async), ``APIModel`` (an LLM speaking one provider ``HTTPApi``, whose twins are the
shared HTTP runnables of ``_async/provider.py``) and ``APIChatModel`` (a chat model speaking one
``ChatHTTPApi``, twins in ``_async/chat_provider.py``). Each provider's ``models.py`` subclasses
them.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from .._async_compat import default_transport, loop_token, release_client
from .._providers.base import HTTPApi, Settings
from .._providers.chat_base import ChatHTTPApi
from .._values.errors import ConfigError
from .chat_model import BaseChatModel
from .llm import BaseLLM

if TYPE_CHECKING:
    from .._async.chat_provider import AsyncHTTPChatModel
    from .._async.llm import AsyncBaseLLM  # noqa: F401  # named in a base class, as a string
    from .._async.provider import AsyncHTTPLLM
    from .._sync.chat_provider import SyncHTTPChatModel
    from .._sync.llm import SyncBaseLLM  # noqa: F401  # named in a base class, as a string
    from .._sync.provider import SyncHTTPLLM

__all__ = ["APIChatModel", "APIModel", "HTTPClients", "HTTPModel"]


S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")
SyncTwin = TypeVar("SyncTwin")
AsyncTwin = TypeVar("AsyncTwin")

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)


class HTTPClients(Generic[SyncTwin, AsyncTwin]):
    """Owns one httpx client per twin (per event loop for async) unless the caller passes its
    own, which it then never closes; builds each twin around its client (``_make_sync`` /
    ``_make_async``). Shared by the HTTP LLMs and the HTTP chat models."""

    def _init_clients(
        self,
        *,
        timeout: float | httpx.Timeout | None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigError(f"http_client must be an httpx.Client, got {http_client!r}")
        if http_async_client is not None and not isinstance(http_async_client, httpx.AsyncClient):
            raise ConfigError(
                f"http_async_client must be an httpx.AsyncClient, got {http_async_client!r}"
            )
        if isinstance(timeout, httpx.Timeout):
            self._timeout = timeout
        elif timeout is not None:
            self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        else:
            self._timeout = DEFAULT_TIMEOUT
        self._http_client = http_client
        self._http_async_client = http_async_client
        self._sync: SyncTwin | None = None
        self._owned_client: httpx.Client | None = None
        self._async: tuple[Hashable, AsyncTwin] | None = None
        self._owned_async_client: httpx.AsyncClient | None = None

    def _make_sync(self, client: httpx.Client) -> SyncTwin:
        raise NotImplementedError

    def _make_async(self, client: httpx.AsyncClient) -> AsyncTwin:
        raise NotImplementedError

    def _new_client(self) -> httpx.Client:
        # Redirects are not followed (httpx's default): a key is never sent to another origin.
        return httpx.Client(timeout=self._timeout)

    def _new_async_client(self) -> httpx.AsyncClient:
        # On asyncio: httpx over aiohttp's transport (DESIGN.md decision 8); under trio: httpx's.
        transport = default_transport(self._timeout)
        return httpx.AsyncClient(timeout=self._timeout, transport=transport)

    def __del__(self) -> None:
        # A model dropped without aclose(): release its async connections now (an aiohttp
        # session would otherwise report itself unclosed at exit).
        client = getattr(self, "_owned_async_client", None)
        if client is not None:
            release_client(client)

    def _sync_twin(self) -> SyncTwin:
        if self._sync is None:
            client = self._http_client
            if client is None:
                client = self._owned_client = self._new_client()
            self._sync = self._make_sync(client)
        return self._sync

    def _async_twin(self) -> AsyncTwin:
        # An httpx.AsyncClient belongs to the event loop it first ran on: keep one per loop.
        token = loop_token()
        if self._async is not None and (
            self._async[0] == token or self._http_async_client is not None
        ):
            return self._async[1]
        client = self._http_async_client
        if client is None:
            if self._owned_async_client is not None:
                # The client of an earlier event loop (e.g. a previous asyncio.run): its
                # connections cannot be awaited from here; drop them.
                release_client(self._owned_async_client)
            client = self._owned_async_client = self._new_async_client()
        twin = self._make_async(client)
        self._async = (token, twin)
        return twin

    def close(self) -> None:
        client, self._owned_client, self._sync = self._owned_client, None, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        client, self._owned_async_client, self._async = self._owned_async_client, None, None
        if client is not None:
            await client.aclose()


def check_total_timeout(total_timeout: float | None) -> float | None:
    if total_timeout is not None and (
        isinstance(total_timeout, bool)
        or not isinstance(total_timeout, (int, float))
        or total_timeout <= 0
    ):
        raise ConfigError(
            f"total_timeout must be a positive number of seconds or None, got {total_timeout!r}"
        )
    return total_timeout


class HTTPModel(HTTPClients["SyncBaseLLM", "AsyncBaseLLM"], BaseLLM):
    """An LLM served over HTTP (see ``HTTPClients``)."""

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout | None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        self.name = name
        self._init_clients(
            timeout=timeout, http_client=http_client, http_async_client=http_async_client
        )


class APIModel(HTTPModel, Generic[S, Frame, Payload]):
    """A model speaking one ``HTTPApi``; its twins are the shared HTTP runnables."""

    def __init__(
        self,
        api: HTTPApi[S, Frame, Payload],
        *,
        timeout: float | httpx.Timeout | None,
        total_timeout: float | None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        self._api = api
        self._total_timeout = check_total_timeout(total_timeout)
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
        from .._sync.provider import SyncHTTPLLM

        return SyncHTTPLLM(
            name=self.get_name(), api=self._api, client=client, total_timeout=self._total_timeout
        )

    def _make_async(self, client: httpx.AsyncClient) -> AsyncHTTPLLM[S, Frame, Payload]:
        from .._async.provider import AsyncHTTPLLM

        return AsyncHTTPLLM(
            name=self.get_name(), api=self._api, client=client, total_timeout=self._total_timeout
        )


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
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        super().__init__(name=name)
        self._api = api
        self._total_timeout = check_total_timeout(total_timeout)
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

    def _make_sync(self, client: httpx.Client) -> SyncHTTPChatModel[S, Frame, Payload]:
        from .._sync.chat_provider import SyncHTTPChatModel

        return SyncHTTPChatModel(
            name=self.get_name(), api=self._api, client=client, total_timeout=self._total_timeout
        )

    def _make_async(self, client: httpx.AsyncClient) -> AsyncHTTPChatModel[S, Frame, Payload]:
        from .._async.chat_provider import AsyncHTTPChatModel

        return AsyncHTTPChatModel(
            name=self.get_name(), api=self._api, client=client, total_timeout=self._total_timeout
        )
