"""The async default transport (DESIGN.md decision 8): aiohttp's under asyncio, httpx's own under
trio and in the sync twin; a caller's client always wins. Every async test of the suite runs on
both backends, so the whole suite exercises both transports."""

from __future__ import annotations

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from rillet import OpenAI
from rillet.testing import FakeServer

pytestmark = pytest.mark.anyio


async def test_the_async_default_transport_follows_the_event_loop(
    server: FakeServer, anyio_backend: str
) -> None:
    async with OpenAI(base_url=server.base_url, api_key="k") as llm:
        assert await llm.ainvoke("hi")
        client = llm._owned_async_client()
        assert client is not None
        transport = client._transport
        if anyio_backend == "asyncio":
            assert isinstance(transport, AiohttpTransport)
        else:
            assert isinstance(transport, httpx.AsyncHTTPTransport)


async def test_a_callers_client_always_wins(server: FakeServer) -> None:
    client = httpx.AsyncClient()
    async with (
        client,
        OpenAI(base_url=server.base_url, api_key="k", http_async_client=client) as llm,
    ):
        assert await llm.ainvoke("hi")
        assert llm._owned_async_client() is None


def test_the_sync_twin_uses_httpx_own_transport(server: FakeServer) -> None:
    with OpenAI(base_url=server.base_url, api_key="k") as llm:
        assert llm.invoke("hi")
        client = llm._owned_client
        assert client is not None
        assert isinstance(client._transport, httpx.HTTPTransport)
