"""The soak of tests/_async/test_soak.py through httpx-aiohttp's transport, rillet's default on
asyncio (asyncio only, so not generated)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rillet.testing import FakeServer
from tests._async.test_soak import LIMITS, TIMEOUT, faulty_server, soak

pytestmark = pytest.mark.anyio


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with faulty_server() as fake:
        yield fake


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_soak_over_aiohttp(server: FakeServer) -> None:
    from httpx_aiohttp import AiohttpTransport

    transport = AiohttpTransport(limits=LIMITS)
    await soak(server, httpx.AsyncClient(timeout=TIMEOUT, transport=transport))
