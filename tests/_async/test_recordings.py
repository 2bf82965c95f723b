"""Every recorded stream in tests/fixtures/ (chat, Anthropic, Ollama; completions are in
test_openai.py) through its provider over real HTTP, cut into chunks every way: the exact text of
SOURCES.md, and the finish reason and usage where the recording has them."""

from __future__ import annotations

import pytest

from rillet import BaseLLM, StreamProviderError, UnexpectedToolCallError
from rillet.testing import FakeServer
from tests._helpers.recordings import SPLITS, recording, recordings, reply_for

from .conftest import MakeAnthropic, MakeChat, MakeOllama

pytestmark = pytest.mark.anyio

PROMPT = "Tell me a joke about OpenTelemetry"

CHAT = ("openai-chat-", "groq-", "novita-", "together-", "openrouter-")
NAMES = [
    name for prefix in (*CHAT, "anthropic-", "ollama-generate-") for name in recordings(prefix)
]
# The 285 KB Together stream one byte per HTTP chunk takes seconds per request; its random
# split still goes down to single bytes.
CASES = [
    (name, split)
    for name in NAMES
    for split in SPLITS
    if not (split == "1-byte" and len(recording(name).body) > 64 * 1024)
]


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


def model_for(
    name: str, make_chat: MakeChat, make_anthropic: MakeAnthropic, make_ollama: MakeOllama
) -> BaseLLM:
    """The provider that reads this recording, streaming internally for generate()."""
    if name.startswith("anthropic-"):
        return make_anthropic(streaming=True)
    if name.startswith("ollama-"):
        return make_ollama(streaming=True)
    return make_chat(streaming=True)


@pytest.mark.parametrize(("name", "split"), CASES)
async def test_recorded_stream_decodes_to_its_text(
    server: FakeServer,
    make_chat: MakeChat,
    make_anthropic: MakeAnthropic,
    make_ollama: MakeOllama,
    name: str,
    split: str,
) -> None:
    rec = recording(name)
    reply = reply_for(rec, split)
    server.queue(reply, reply)
    llm = model_for(name, make_chat, make_anthropic, make_ollama)
    if rec.error is not None:  # a mid-stream error: typed, with the text streamed before it
        with pytest.raises(StreamProviderError) as caught:
            async for _ in llm.astream(PROMPT):
                pass
        assert caught.value.message.endswith(rec.error)
        assert caught.value.partial_text == rec.text
        return
    calls = rec.facts.get("tool_calls") or [
        block for block in rec.facts.get("blocks", ()) if block["type"] == "tool_use"
    ]
    if calls:  # a string LLM cannot return a tool call: a typed error, never a silent ''
        for attempt in ("stream", "generate"):
            with pytest.raises(UnexpectedToolCallError) as refused:
                if attempt == "stream":
                    async for _ in llm.astream(PROMPT):
                        pass
                else:
                    await llm.agenerate([PROMPT])
            assert refused.value.tool_name == calls[0]["name"]
            assert rec.text.startswith(refused.value.partial_text)
        return
    chunks = [chunk async for chunk in llm.astream(PROMPT)]
    assert "".join(chunks) == rec.text
    assert all(chunks), "an empty chunk was yielded"

    result = await llm.agenerate([PROMPT])
    [[generation]] = result.generations
    assert generation.text == rec.text
    assert generation.generation_info is not None
    assert generation.generation_info.finish_reason == rec.finish_reason
    assert result.llm_output is not None
    usage = result.llm_output.token_usage
    if rec.usage is None:
        assert usage is None
    else:
        assert usage is not None
        assert (usage.prompt_tokens, usage.completion_tokens) == rec.usage
        assert usage.total_tokens == sum(rec.usage)
