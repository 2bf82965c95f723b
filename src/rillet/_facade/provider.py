"""The facades of models served over HTTP: ``HTTPClients`` (one httpx client per twin, per event
loop for async) and ``APIModel`` (an LLM speaking one provider ``HTTPApi``, whose twins are the
shared HTTP runnables of ``_async/provider.py``). Each provider's ``models.py`` subclasses them;
the chat models' ``APIChatModel`` is in ``chat_provider.py`` (loaded with the first chat model).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from .._providers.base import HTTPApi, Settings
from .._rate_limit import RateLimiter
from .._values.errors import ConfigError
from .._values.options import CallOptions
from .._wire.limits import DEFAULT_LIMITS, SizeLimits
from .llm import BaseLLM

if TYPE_CHECKING:
    from .._async.llm import AsyncBaseLLM  # noqa: F401  # named in a base class, as a string
    from .._async.provider import AsyncHTTPLLM
    from .._sync.llm import SyncBaseLLM  # noqa: F401  # named in a base class, as a string
    from .._sync.provider import SyncHTTPLLM

__all__ = ["APIModel", "HTTPClients", "HTTPModel"]


S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")
SyncTwin = TypeVar("SyncTwin")
AsyncTwin = TypeVar("AsyncTwin")

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)


# Every live owner of clients, for the fork hook below.
_owners: weakref.WeakSet[HTTPClients[Any, Any]] = weakref.WeakSet()
# Clients a forked child inherited: never used again, never closed (closing could shut the
# parent's TLS sessions down), only kept so their sockets are not collected with warnings.
_inherited: list[object] = []


def _after_fork_in_child() -> None:
    for owner in list(_owners):
        owner._forget_connections()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class HTTPClients(Generic[SyncTwin, AsyncTwin]):
    """Owns one httpx client per twin (per event loop for async) unless the caller passes its
    own, which it then never closes; builds each twin around its client (``_make_sync`` /
    ``_make_async``). Shared by the HTTP LLMs and the HTTP chat models.

    Thread-safe: the clients are created once, under a lock, however many threads make the
    first call at once. One async client per event loop (two threads' ``asyncio.run``, or one
    after another), closed when its loop ends. Fork-safe: a forked child drops the clients (and
    so the pooled connections) it inherited and makes its own on first use; a client you passed
    in is yours to recreate after a fork.
    """

    if not TYPE_CHECKING:  # type checkers read the model's own __init__

        def __new__(cls, *args, **kwargs):
            from .arguments import check_arguments  # on first use: import rillet stays lean

            check_arguments(cls, args, kwargs)  # an argument the model does not take: say so
            return super().__new__(cls)

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
        if not (
            timeout is None
            or isinstance(timeout, httpx.Timeout)
            or (isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0)
        ):
            raise ConfigError(
                f"timeout must be a positive number of seconds, an httpx.Timeout or None, "
                f"got {timeout!r}"
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
        # Per event loop: the async twin, the client this object owns for it (None: yours), and
        # the guard that closes that client when its loop ends.
        self._async: dict[Hashable, tuple[AsyncTwin, httpx.AsyncClient | None, object]] = {}
        self._lock = threading.Lock()
        _owners.add(self)

    def _forget_connections(self) -> None:
        """In a forked child: drop the inherited clients without touching their sockets."""
        self._lock = threading.Lock()  # it may have been held by a parent thread at the fork
        _inherited.append(self._owned_client)
        _inherited.append(self._async)
        self._owned_client = self._sync = None
        self._async = {}

    def _make_sync(self, client: httpx.Client) -> SyncTwin:
        raise NotImplementedError

    def _make_async(self, client: httpx.AsyncClient) -> AsyncTwin:
        raise NotImplementedError

    def _new_client(self) -> httpx.Client:
        # Redirects are not followed (httpx's default): a key is never sent to another origin.
        return httpx.Client(timeout=self._timeout)

    def _new_async_client(self) -> httpx.AsyncClient:
        # On asyncio: httpx over aiohttp's transport (DESIGN.md decision 8); under trio: httpx's.
        from .._async_compat import default_transport  # the async world loads on first use

        transport = default_transport(self._timeout)
        return httpx.AsyncClient(timeout=self._timeout, transport=transport)

    def __del__(self) -> None:
        # A model dropped without aclose(): release its async connections now (an aiohttp
        # session would otherwise report itself unclosed at exit).
        for _, client, _ in getattr(self, "_async", {}).values():
            if client is not None:
                from .._async_compat import release_client  # loaded with the client

                release_client(client)

    def _sync_twin(self) -> SyncTwin:
        twin = self._sync
        if twin is not None:
            return twin
        with self._lock:
            if self._sync is None:
                client = self._http_client
                if client is None:
                    client = self._owned_client = self._new_client()
                self._sync = self._make_sync(client)
            return self._sync

    def _async_twin(self) -> AsyncTwin:
        # An httpx.AsyncClient belongs to the event loop it first ran on: one per loop, closed
        # when that loop ends (two threads' asyncio.run, or asyncio.run twice, each get theirs).
        from .._async_compat import (  # not at import: sync code needs none
            close_with_loop,
            loop_token,
        )

        token = None if self._http_async_client is not None else loop_token()
        found = self._async.get(token)
        if found is not None:
            return found[0]
        with self._lock:
            found = self._async.get(token)
            if found is not None:
                return found[0]  # made by another thread meanwhile
            client = self._http_async_client
            owned = None
            if client is None:
                client = owned = self._new_async_client()
            twin = self._make_async(client)
            guard = None if owned is None else close_with_loop(owned, self._async, token)
            # Kept alive by the twin (which every stream of it holds), not by this model: a
            # model used as a temporary must not close the client under its running stream.
            twin.close_guard = guard  # type: ignore[attr-defined]  # both twin kinds have it
            self._async[token] = (twin, owned, guard)
            return twin

    def _owned_async_client(self) -> httpx.AsyncClient | None:
        """The client made for the running event loop (None: none yet, or yours)."""
        from .._async_compat import loop_token

        token = None if self._http_async_client is not None else loop_token()
        found = self._async.get(token)
        return None if found is None else found[1]

    def close(self) -> None:
        client, self._owned_client, self._sync = self._owned_client, None, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        from .._async_compat import loop_token

        token = None if self._http_async_client is not None else loop_token()
        found = self._async.pop(token, None)
        if found is None:
            return
        twin, client, guard = found
        twin.close_guard = None  # type: ignore[attr-defined]  # both twin kinds have it
        close = getattr(guard, "aclose", None)
        if close is not None:
            await close()  # its `finally` closes the client
        elif client is not None:
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


def check_limits(limits: SizeLimits | None) -> SizeLimits:
    if limits is not None and not isinstance(limits, SizeLimits):
        raise ConfigError(
            f"limits must be a rillet.SizeLimits, got {limits!r}: "
            "e.g. limits=SizeLimits(max_event_bytes=8 * 1024 * 1024)"
        )
    return limits or DEFAULT_LIMITS


def check_rate_limiter(rate_limiter: RateLimiter | None) -> RateLimiter | None:
    if rate_limiter is not None and not isinstance(rate_limiter, RateLimiter):
        raise ConfigError(
            f"rate_limiter must be a rillet.RateLimiter, got {rate_limiter!r}: "
            "e.g. rate_limiter=RateLimiter(requests_per_second=5)"
        )
    return rate_limiter


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
        limits: SizeLimits | None = None,
        rate_limiter: RateLimiter | None = None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        self._api = api
        self._total_timeout = check_total_timeout(total_timeout)
        self._limits = check_limits(limits)
        self._rate_limiter = check_rate_limiter(rate_limiter)
        super().__init__(
            timeout=timeout, http_client=http_client, http_async_client=http_async_client, name=name
        )

    def _call_options(self) -> CallOptions:
        return self._api.call_options

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
            name=self.get_name(),
            api=self._api,
            client=client,
            total_timeout=self._total_timeout,
            limits=self._limits,
            rate_limiter=self._rate_limiter,
        )

    def _make_async(self, client: httpx.AsyncClient) -> AsyncHTTPLLM[S, Frame, Payload]:
        from .._async.provider import AsyncHTTPLLM

        return AsyncHTTPLLM(
            name=self.get_name(),
            api=self._api,
            client=client,
            total_timeout=self._total_timeout,
            limits=self._limits,
            rate_limiter=self._rate_limiter,
        )
