"""The recorded tool-call streams through ChatOpenAI and ChatAnthropic over real HTTP, cut into
HTTP chunks every way (per event, 1 byte, random): the exact tool names, ids and arguments
(compared as JSON) of the independent jq extraction in tests/fixtures/SOURCES.md."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from rillet import AIMessageChunk, BaseChatModel, ChatAnthropic, ChatOpenAI
from rillet.testing import FakeServer
from tests._helpers.recordings import FIXTURES, SPLITS, recording, reply_for
from tests.unit.test_partial_json import is_partial

pytestmark = pytest.mark.anyio

NAMES = [
    "openai-chat-gpt-4o-mini-2026-tool-call.sse",
    "anthropic-messages-claude-3-5-sonnet-tool-use.sse",
]


def expected_calls(name: str) -> list[dict[str, Any]]:
    """The jq-extracted calls of ``name`` (SOURCES.md, "Tool calls in the recorded streams")."""
    sources = (FIXTURES / "SOURCES.md").read_text()
    section = sources[sources.index("## Tool calls in the recorded streams") :]
    match = re.search(re.escape(f"`{name}`") + r"[^\n]*\n\n```json\n(.*?)\n```", section, re.S)
    assert match is not None, name
    calls: list[dict[str, Any]] = json.loads(match.group(1))
    return calls


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("name", NAMES)
async def test_recorded_tool_calls_decode_exactly(
    server: FakeServer, name: str, split: str
) -> None:
    rec = recording(name)
    expected = expected_calls(name)
    model: BaseChatModel
    if name.startswith("anthropic-"):
        model = ChatAnthropic(
            model="claude-3-5-sonnet-20240620",
            base_url=server.root_url,
            api_key="k",
            streaming=True,  # invoke streams too: the recording is a stream
        )
    else:
        model = ChatOpenAI(
            model="gpt-4o-mini", base_url=server.base_url, api_key="k", streaming=True
        )
    async with model:
        server.queue(reply_for(rec, split), reply_for(rec, split))
        full: AIMessageChunk | None = None
        async for chunk in model.astream("What is the weather?"):
            full = chunk if full is None else full + chunk
            assert full.invalid_tool_calls == []
            for call in full.tool_calls:  # every prefix: a valid partial of the final arguments
                [want] = [c for c in expected if c["id"] == call.id]
                assert call.name == want["name"]
                assert is_partial(call.args, want["arguments"])
        assert full is not None
        assert full.text == rec.text
        got = [
            {"id": c.id, "name": c.name, "arguments": c.args} for c in full.to_message().tool_calls
        ]
        assert got == [{k: c[k] for k in ("id", "name", "arguments")} for c in expected]
        indexes = sorted({c.index for c in full.tool_call_chunks if c.index is not None})
        assert indexes == [c["index"] for c in expected]
        message = await model.ainvoke("What is the weather?")  # streamed inside, then summed
        assert [(c.id, c.name, c.args) for c in message.tool_calls] == [
            (c["id"], c["name"], c["arguments"]) for c in expected
        ]
