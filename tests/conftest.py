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
