"""Fixtures of the async tests (generated into tests/_sync/conftest.py for the sync twin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rillet import OpenAI
from rillet.testing import FakeServer

MakeLLM = Callable[..., OpenAI]


@pytest.fixture
async def make_llm(server: FakeServer) -> AsyncIterator[MakeLLM]:
    """Build OpenAI models pointed at the fake server; all are closed after the test."""
    made: list[OpenAI] = []

    def make(**kwargs: Any) -> OpenAI:
        options: dict[str, Any] = {
            "base_url": server.base_url,
            "api_key": "sk-test-key",
            "temperature": 0,
            "max_tokens": 512,
        }
        options.update(kwargs)
        model = OpenAI(**options)
        made.append(model)
        return model

    yield make
    for model in made:
        await model.aclose()
