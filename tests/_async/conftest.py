"""Fixtures of the async tests (generated into tests/_sync/conftest.py for the sync twin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest

from rillet import Anthropic, BaseLLM, Ollama, OpenAI, OpenAIChat
from rillet.testing import FakeServer

M = TypeVar("M", bound=BaseLLM)

MakeLLM = Callable[..., OpenAI]
MakeChat = Callable[..., OpenAIChat]
MakeAnthropic = Callable[..., Anthropic]
MakeOllama = Callable[..., Ollama]


@pytest.fixture
async def made() -> AsyncIterator[list[BaseLLM]]:
    """The models a test built through the make_* fixtures; all are closed after the test."""
    models: list[BaseLLM] = []
    yield models
    for model in models:
        await model.aclose()


def _maker(cls: Callable[..., M], made: list[BaseLLM], **defaults: Any) -> Callable[..., M]:
    def make(**kwargs: Any) -> M:
        model = cls(**{**defaults, **kwargs})
        made.append(model)
        return model

    return make


@pytest.fixture
def make_llm(server: FakeServer, made: list[BaseLLM]) -> MakeLLM:
    """Build OpenAI (completions) models pointed at the fake server."""
    return _maker(
        OpenAI, made, base_url=server.base_url, api_key="sk-test-key", temperature=0, max_tokens=512
    )


@pytest.fixture
def make_chat(server: FakeServer, made: list[BaseLLM]) -> MakeChat:
    """Build OpenAIChat models pointed at the fake server (``server.base_url``, with /v1)."""
    return _maker(OpenAIChat, made, base_url=server.base_url, api_key="sk-test-key")


@pytest.fixture
def make_anthropic(server: FakeServer, made: list[BaseLLM]) -> MakeAnthropic:
    """Build Anthropic models pointed at the fake server (``server.root_url``, no /v1)."""
    return _maker(
        Anthropic, made, model="claude-test", base_url=server.root_url, api_key="sk-ant-test"
    )


@pytest.fixture
def make_ollama(server: FakeServer, made: list[BaseLLM]) -> MakeOllama:
    """Build Ollama models pointed at the fake server (``server.root_url``)."""
    return _maker(Ollama, made, model="llama-test", base_url=server.root_url)
