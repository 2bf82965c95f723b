"""FakeListLLM and FakeStreamingListLLM: scripted in-process LLMs for users' tests."""

from __future__ import annotations

from typing import Literal

import pytest

from rillet import (
    ConfigError,
    FakeListLLM,
    FakeListLLMError,
    FakeStreamingListLLM,
    LLMEndEvent,
    LLMStreamEvent,
)

pytestmark = pytest.mark.anyio


async def test_streaming_fake_streams_character_by_character_in_turn() -> None:
    llm = FakeStreamingListLLM(responses=["Hi!", "Yo"])
    assert [c async for c in llm.astream("anything")] == ["H", "i", "!"]
    assert [c async for c in llm.astream("anything")] == ["Y", "o"]
    assert await llm.ainvoke("again") == "Hi!"  # cycles back to the first
    assert llm.i == 1


async def test_list_fake_streams_one_chunk_the_documented_fallback() -> None:
    llm = FakeListLLM(responses=["Hello world", "Bye"])
    assert [c async for c in llm.astream("x")] == ["Hello world"]
    assert await llm.abatch(["a", "b"], {"max_concurrency": 1}) == ["Bye", "Hello world"]
    result = await llm.agenerate(["p"])
    assert result.generations[0][0].text == "Bye"


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_events_carry_each_character(version: Literal["v1", "v2"]) -> None:
    llm = FakeStreamingListLLM(responses=["abc"])
    events = [event async for event in llm.astream_events("x", version=version)]
    chunks = [e.data.chunk.text for e in events if isinstance(e, LLMStreamEvent)]
    assert chunks == ["a", "b", "c"]
    [end] = [e for e in events if isinstance(e, LLMEndEvent)]
    assert end.data.output is not None
    assert end.data.output.generations[0][0].text == "abc"


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_events_of_the_non_streaming_fake_are_one_chunk(version: Literal["v1", "v2"]) -> None:
    llm = FakeListLLM(responses=["abc"])
    events = [event async for event in llm.astream_events("x", version=version)]
    chunks = [e.data.chunk.text for e in events if isinstance(e, LLMStreamEvent)]
    assert chunks == ["abc"]


async def test_scripted_error_keeps_the_partial_text() -> None:
    llm = FakeStreamingListLLM(responses=["abcdef"], error_on_chunk_number=3, sleep=0.001)
    received: list[str] = []
    with pytest.raises(FakeListLLMError, match="chunk 3") as caught:
        async for piece in llm.astream("x"):
            received.append(piece)
    assert received == ["a", "b", "c"]
    assert caught.value.partial_text == "abc"


def test_responses_are_checked() -> None:
    with pytest.raises(ConfigError, match="not be empty"):
        FakeListLLM(responses=[])
    with pytest.raises(ConfigError, match="list of str"):
        FakeListLLM(responses="abc")  # type: ignore[arg-type]  # run-time check under test
    with pytest.raises(TypeError, match="unexpected keyword argument 'sleep'"):
        FakeListLLM(responses=["a"], sleep=1)  # type: ignore[call-arg]  # streaming fake only
