"""LangChain's own standard tests (langchain-tests) against ``rillet.langchain.RilletChatModel``.

Unit tests in full; integration tests against rillet's fake server (every request gets its song,
streamed as OpenAI chat completions with usage). Run with ``make langchain-tests``.
"""

from __future__ import annotations

from typing import Any

from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from rillet.langchain import RilletChatModel
from rillet.testing import FakeServer

_server: FakeServer | None = None


def _base_url() -> str:
    global _server
    if _server is None:
        _server = FakeServer()
        _server.start()
    return _server.base_url


class TestRilletChatModelUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[RilletChatModel]:
        return RilletChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gpt-4o-mini", "api_key": "test"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return ({"OPENAI_API_KEY": "sk-from-env"}, {"model": "gpt-4o-mini"}, {})


class TestRilletChatModelIntegration(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[RilletChatModel]:
        return RilletChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gpt-4o-mini", "base_url": _base_url(), "api_key": "sk-test"}
