"""Every recorded chat stream in tests/fixtures/ through its chat model over real HTTP, cut into
chunks every way: the text of SOURCES.md, the reasoning extracted there with jq, the usage and the
finish reason; and the chunks added with ``+`` equal what ``invoke`` returns for the same stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rillet import (
    AIMessage,
    AIMessageChunk,
    BaseChatModel,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    StreamProviderError,
)
from rillet.testing import FakeServer
from tests._helpers.recordings import SPLITS, Recording, recording, recordings, reply_for

pytestmark = pytest.mark.anyio

PROMPT = "Tell me a joke about OpenTelemetry"
CHAT = (
    "openai-chat-",
    "groq-",
    "novita-",
    "together-",
    "openrouter-",
    "anthropic-",
    "ollama-chat-",
)
NAMES = [name for prefix in CHAT for name in recordings(prefix)]
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


@pytest.fixture
async def models() -> AsyncIterator[list[BaseChatModel]]:
    made: list[BaseChatModel] = []
    yield made
    for model in made:
        await model.aclose()


def model_for(name: str, server: FakeServer, made: list[BaseChatModel]) -> BaseChatModel:
    """The chat model that reads this recording, streaming internally for invoke()."""
    model: BaseChatModel
    if name.startswith("anthropic-"):
        model = ChatAnthropic(
            model="claude-test", base_url=server.root_url, api_key="sk-ant-test", streaming=True
        )
    elif name.startswith("ollama-"):
        model = ChatOllama(model="qwen3", base_url=server.root_url, streaming=True)
    else:
        model = ChatOpenAI(base_url=server.base_url, api_key="sk-test-key", streaming=True)
    made.append(model)
    return model


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def check_facts(rec: Recording, message: AIMessageChunk | AIMessage) -> None:
    assert message.text == rec.text
    assert message.reasoning == rec.reasoning
    assert message.response_metadata.finish_reason == rec.finish_reason
    usage = message.usage_metadata
    assert usage is not None
    assert rec.usage is not None
    assert (usage.input_tokens, usage.output_tokens) == rec.usage
    assert usage.total_tokens == rec.usage[0] + rec.usage[1]


@pytest.mark.parametrize(("name", "split"), CASES)
async def test_recorded_chat_stream(
    server: FakeServer, models: list[BaseChatModel], name: str, split: str
) -> None:
    rec = recording(name)
    reply = reply_for(rec, split)
    server.queue(reply, reply)
    model = model_for(name, server, models)
    chunks: list[AIMessageChunk] = []
    if rec.error is not None:
        # OpenRouter: reasoning and a finish reason, then an error chunk (which carries the
        # usage) inside the 200 stream: typed, with what came before it.
        with pytest.raises(StreamProviderError) as caught:
            async for chunk in model.astream(PROMPT):
                chunks.append(chunk)
        assert caught.value.message.endswith(rec.error)
        assert caught.value.partial_text == rec.text
        usage = caught.value.usage  # the usage that rode on the error chunk
        assert usage is not None
        assert (usage.input_tokens, usage.output_tokens) == rec.usage
        full = total(chunks)
        assert (full.text, full.reasoning) == (rec.text, rec.reasoning)
        assert full.response_metadata.finish_reason == rec.finish_reason
        with pytest.raises(StreamProviderError):
            await model.ainvoke(PROMPT)
        return
    async for chunk in model.astream(PROMPT):
        chunks.append(chunk)
    full = total(chunks)
    check_facts(rec, full)
    assert full.chunk_position == "last"
    # Text chunks are plain str content; reasoning never lands in .text.
    assert all(isinstance(c.content, str) for c in chunks if c.text)

    message = await model.ainvoke(PROMPT)
    check_facts(rec, message)
    summed = full.to_message()
    assert (summed.content, summed.usage_metadata, summed.response_metadata) == (
        message.content,
        message.usage_metadata,
        message.response_metadata,
    )
    assert summed.tool_calls == message.tool_calls


TAGGED = [(name, split) for name, split in CASES if recording(name).tagged is not None]


@pytest.mark.parametrize(("name", "split"), TAGGED)
async def test_recorded_think_tags_split_off_with_extract_reasoning(
    server: FakeServer, models: list[BaseChatModel], name: str, split: str
) -> None:
    # DeepSeek-R1 through Together writes its reasoning into `content` between <think> tags.
    # By default that is text (test_recorded_chat_stream: SOURCES.md's text, no reasoning);
    # extract_reasoning=True splits it off, into the reasoning and text jq extracted.
    rec = recording(name)
    assert rec.tagged is not None
    reply = reply_for(rec, split)
    server.queue(reply, reply)
    model = ChatOpenAI(
        base_url=server.base_url, api_key="sk-test-key", streaming=True, extract_reasoning=True
    )
    models.append(model)
    chunks = [chunk async for chunk in model.astream(PROMPT)]
    full = total(chunks)
    assert (full.reasoning, full.text) == (rec.tagged["reasoning"], rec.tagged["text"])
    assert full.response_metadata.finish_reason == rec.finish_reason
    usage = full.usage_metadata
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens) == rec.usage
    # Never half a tag in a chunk, never reasoning in .text.
    assert not any("<think" in c.text or "</think" in c.text for c in chunks)
    assert all(isinstance(c.content, str) for c in chunks if c.text)
    message = await model.ainvoke(PROMPT)
    summed = full.to_message()
    assert (summed.content, summed.usage_metadata, summed.response_metadata) == (
        message.content,
        message.usage_metadata,
        message.response_metadata,
    )
