"""Fixtures shared by the async tests and their generated sync twins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rillet.testing import FakeServer


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs on asyncio and on trio."""
    backend: str = request.param
    return backend


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A fresh fake OpenAI server on 127.0.0.1 (real HTTP), stopped after the test."""
    with FakeServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def module_server() -> Iterator[FakeServer]:
    """One fake server for a whole test module (starting and stopping one costs ~0.2 s)."""
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def reused_server(module_server: FakeServer) -> FakeServer:
    """The module's server, reset (no queued replies, no recorded requests) for this test; a
    module uses it by overriding ``server``: ``def server(reused_server): return reused_server``."""
    module_server.reset()
    return module_server
