"""astream_events (and its generated sync twin stream_events): sequences pinned against LangChain's
(langchain-core's documented astream_events output), except the rows of the compatibility table in README."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest

from rillet import (
    LLM,
    ChainStreamEvent,
    ConfigError,
    CustomEvent,
    LLMEndEvent,
    LLMStartEvent,
    LLMStreamEvent,
    NoRunError,
    PromptTemplate,
    RunnableLambda,
    StreamEvent,
    StreamProviderError,
    StrOutputParser,
    adispatch_custom_event,
    dispatch_custom_event,
)
from rillet._async_compat import sleep
from rillet.testing import FakeServer, Reply
from tests._helpers.leaks import living_tasks

from .conftest import MakeLLM

pytestmark = pytest.mark.anyio

CONFIG = {"tags": ["T"], "metadata": {"m": 1}, "run_name": "mychain"}


class HelloLLM(LLM):
    """Streams "Hello", " world", "!" (the LLM of the transcribed LangChain sequences)."""

    def _stream(self, prompt: str, stop: list[str] | None = None) -> Iterator[str]:
        yield from ["Hello", " world", "!"]


Row = tuple[str, str, tuple[str, ...], tuple[int, ...], tuple[str, ...]]


def rows(events: list[StreamEvent]) -> list[Row]:
    """(event, name, sorted tags, parent run numbers, data keys), run ids numbered R0, R1..."""
    numbers: dict[str, int] = {}
    for event in events:
        numbers.setdefault(event.run_id, len(numbers))
    out: list[Row] = []
    for event in events:
        data = msgspec.to_builtins(event.data)
        keys = tuple(sorted(data)) if isinstance(data, dict) else ()
        tag = type(event).__struct_config__.tag
        assert isinstance(tag, str)
        parents = tuple(numbers[p] for p in event.parent_ids)
        out.append((tag, event.name, tuple(sorted(event.tags)), parents, keys))
    return out


async def collect(stream: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in stream]


async def test_llm_alone_v2_sequence_with_usage(make_llm: MakeLLM, server: FakeServer) -> None:
    server.queue(Reply(tokens=["Hello", " world", "!"], finish_reason="length"))
    llm = make_llm()
    events = await collect(llm.astream_events("hi", version="v2"))
    assert rows(events) == [
        ("on_llm_start", "OpenAI", (), (), ("input",)),
        ("on_llm_stream", "OpenAI", (), (), ("chunk",)),
        ("on_llm_stream", "OpenAI", (), (), ("chunk",)),
        ("on_llm_stream", "OpenAI", (), (), ("chunk",)),
        ("on_llm_end", "OpenAI", (), (), ("input", "output")),
    ]
    start, end = events[0], events[-1]
    assert isinstance(start, LLMStartEvent)
    assert start.data.input.prompts == ["hi"]
    assert start.metadata["ls_model_type"] == "llm"
    assert [e.data.chunk.text for e in events if isinstance(e, LLMStreamEvent)] == [
        "Hello",
        " world",
        "!",
    ]
    assert isinstance(end, LLMEndEvent)
    assert end.data.output is not None
    generation = end.data.output.generations[0][0]
    assert generation.text == "Hello world!"
    assert generation.generation_info is not None
    assert generation.generation_info.finish_reason == "length"
    llm_output = end.data.output.llm_output
    assert llm_output is not None
    assert llm_output.token_usage is not None  # LangChain's streaming path has no usage
    assert llm_output.token_usage.completion_tokens == 3
    encoded = msgspec.json.decode(msgspec.json.encode(end))
    assert isinstance(encoded, dict)
    assert sorted(encoded) == ["data", "event", "metadata", "name", "parent_ids", "run_id", "tags"]


async def test_llm_alone_v1_sequence(make_llm: MakeLLM, server: FakeServer) -> None:
    server.queue(Reply(tokens=["Hello", " world", "!"]))
    events = await collect(make_llm().astream_events("hi", version="v1"))
    assert [r[0] for r in rows(events)] == [
        "on_llm_start",
        "on_llm_stream",
        "on_llm_stream",
        "on_llm_stream",
        "on_llm_end",
    ]
    assert all(event.parent_ids == [] for event in events)


def chain_rows(version: str) -> list[Row]:
    parents = (0,) if version == "v2" else ()
    step: list[Row] = [
        ("on_chain_start", "mychain", ("T",), (), ("input",)),
        ("on_prompt_start", "PromptTemplate", ("T", "seq:step:1"), parents, ("input",)),
        ("on_prompt_end", "PromptTemplate", ("T", "seq:step:1"), parents, ("input", "output")),
        ("on_llm_start", "HelloLLM", ("T", "seq:step:2"), parents, ("input",)),
        ("on_llm_stream", "HelloLLM", ("T", "seq:step:2"), parents, ("chunk",)),
        ("on_parser_start", "StrOutputParser", ("T", "seq:step:3"), parents, ()),
        ("on_parser_stream", "StrOutputParser", ("T", "seq:step:3"), parents, ("chunk",)),
        ("on_chain_stream", "mychain", ("T",), (), ("chunk",)),
    ]
    fan_out: list[Row] = [
        ("on_llm_stream", "HelloLLM", ("T", "seq:step:2"), parents, ("chunk",)),
        ("on_parser_stream", "StrOutputParser", ("T", "seq:step:3"), parents, ("chunk",)),
        ("on_chain_stream", "mychain", ("T",), (), ("chunk",)),
    ]
    end: list[Row] = [
        ("on_llm_end", "HelloLLM", ("T", "seq:step:2"), parents, ("input", "output")),
        ("on_parser_end", "StrOutputParser", ("T", "seq:step:3"), parents, ("input", "output")),
        ("on_chain_end", "mychain", ("T",), (), ("input", "output")),
    ]
    return step + fan_out + fan_out + end


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_prompt_llm_parser_chain_sequence(version: str) -> None:
    chain = PromptTemplate.from_template("Say {x}") | HelloLLM() | StrOutputParser()
    events = await collect(chain.astream_events({"x": "hi"}, CONFIG, version=version))  # type: ignore[arg-type]  # parametrized literal
    assert rows(events) == chain_rows(version)
    streamed = [e.data.chunk for e in events if isinstance(e, ChainStreamEvent)]
    assert streamed == ["Hello", " world", "!"]
    assert all(e.metadata["m"] == 1 for e in events)


async def test_seed_example_break_after_five_events_closes_the_response(
    make_llm: MakeLLM, server: FakeServer
) -> None:
    server.queue(Reply(tokens=["tok"] * 400, delay=0.01))
    llm = make_llm()
    printed: list[str] = []
    idx = 0  # the seed's code, as written (no context manager, a bare break)
    async for event in llm.astream_events(
        "Write me a 1 verse song about goldfish on the moon", version="v1"
    ):
        idx += 1
        if idx >= 5:  # Truncate the output
            printed.append("...Truncated")
            break
        printed.append(repr(event))
    # No await since the break: the abandoned stream shut its connection down synchronously.
    assert len(printed) == 5
    assert server.wait_for_disconnect(timeout=5)
    assert server.tokens_sent[-1] < 400


def reverse(text: str) -> str:
    dispatch_custom_event("event1", {"x": 1})
    dispatch_custom_event("event2", "foo")
    return text[::-1]


async def test_custom_events_v2_in_order_with_the_lambda_run_id() -> None:
    run_id = uuid.UUID(int=7)
    events = await collect(RunnableLambda(reverse).astream_events("hello", {"run_id": run_id}))
    assert [(type(e).__struct_config__.tag, e.name) for e in events] == [
        ("on_chain_start", "reverse"),
        ("on_custom_event", "event1"),
        ("on_custom_event", "event2"),
        ("on_chain_stream", "reverse"),
        ("on_chain_end", "reverse"),
    ]
    assert {e.run_id for e in events} == {str(run_id)}
    custom = [e for e in events if isinstance(e, CustomEvent)]
    assert [c.data for c in custom] == [{"x": 1}, "foo"]


async def test_v1_has_no_custom_events() -> None:
    events = await collect(RunnableLambda(reverse).astream_events("hello", version="v1"))
    assert not any(isinstance(e, CustomEvent) for e in events)


async def test_custom_events_from_a_nested_lambda_carry_parent_ids() -> None:
    async def shout(text: str) -> str:
        await adispatch_custom_event("progress", {"done": 1})
        return text.upper()

    chain = RunnableLambda(reverse) | RunnableLambda(shout, name="shout")
    events = await collect(chain.astream_events("abc"))
    root = events[0]
    progress = [e for e in events if isinstance(e, CustomEvent) and e.name == "progress"]
    assert len(progress) == 1
    assert progress[0].parent_ids == [root.run_id]


def test_dispatch_outside_a_run_is_an_error() -> None:
    with pytest.raises(NoRunError, match="outside of a run"):
        dispatch_custom_event("x", 1)


async def test_filters_follow_langchain_rules() -> None:
    chain = PromptTemplate.from_template("Say {x}") | HelloLLM() | StrOutputParser()
    only_llm = await collect(chain.astream_events({"x": "hi"}, include_types=["llm"]))
    assert {type(e).__struct_config__.tag for e in only_llm} == {
        "on_llm_start",
        "on_llm_stream",
        "on_llm_end",
    }
    by_name = await collect(chain.astream_events({"x": "hi"}, include_names=["StrOutputParser"]))
    assert {e.name for e in by_name} == {"StrOutputParser"}
    no_step2 = await collect(chain.astream_events({"x": "hi"}, exclude_tags=["seq:step:2"]))
    assert not any(e.name == "HelloLLM" for e in no_step2)
    custom = await collect(RunnableLambda(reverse).astream_events("ab", include_types=["event1"]))
    assert [e.name for e in custom] == ["event1"]


async def test_unknown_version_is_a_clear_error() -> None:
    method = HelloLLM().astream_events.__name__  # the sync twin calls stream_events
    with pytest.raises(ConfigError, match=f"unsupported {method} version 'v9'"):
        HelloLLM().astream_events("hi", version="v9")  # type: ignore[arg-type]  # the point


async def test_error_in_a_step_comes_after_the_events_with_the_partial_text(
    make_llm: MakeLLM, server: FakeServer
) -> None:
    body = (
        b'data: {"choices":[{"text":"Hello","index":0}]}\n\ndata: {"error":{"message":"boom"}}\n\n'
    )
    server.queue(Reply(body=body))
    chain = PromptTemplate.from_template("Say {x}") | make_llm() | StrOutputParser()
    tasks_before = living_tasks()
    seen: list[StreamEvent] = []
    with pytest.raises(StreamProviderError) as caught:
        async for event in chain.astream_events({"x": "hi"}):
            seen.append(event)
    assert caught.value.partial_text == "Hello"
    assert [e.data.chunk for e in seen if isinstance(e, ChainStreamEvent)] == ["Hello"]
    # Events flow inline: rillet starts no task. (Under trio, httpx's own body generators, left
    # suspended by the early close, are finalized in short-lived system tasks: let them end.)
    for _ in range(200):
        if living_tasks() <= tasks_before:
            break
        await sleep(0.01)
    assert living_tasks() <= tasks_before
