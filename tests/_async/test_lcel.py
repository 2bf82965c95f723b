"""LangChain's how-to examples ("stream runnables", "RunnablePassthrough/assign", "fallbacks",
"parallel") against the fake server, matched with what langchain-core 1.8.3 / langchain-openai
1.7.4 printed for the same script against the same server (transcribed below; the script is
in the issue note, /work/notes/issue-9.md). Deliberate differences are in README's compatibility
table: rillet never streams an empty str (LangChain's OpenAI yields a final ""), and a function
gets the run's config only through a ``config`` parameter.

Also: concurrent RunnableParallel (both requests in flight, both closed on a break), with_retry,
RunnableBranch, @chain, batch_as_completed, and event fidelity (tags, names, causal order).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import msgspec
import pytest

from rillet import (
    AddableDict,
    APIStatusError,
    BaseEvent,
    ChainStartEvent,
    ConfigError,
    EndData,
    FakeListChatModel,
    JsonOutputParser,
    PromptTemplate,
    RilletError,
    Runnable,
    RunnableBranch,
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    StreamEvent,
    StrOutputParser,
    chain,
)
from rillet._async_compat import sleep
from rillet.testing import FakeServer, Reply
from tests._helpers.leaks import living_tasks
from tests._helpers.scripted import ScriptedLLM

from .conftest import MakeLLM

pytestmark = pytest.mark.anyio

COUNTRIES = (
    '{"countries": [{"name": "France", "population": 67391582}, {"name": "Spain", '
    '"population": 47351567}, {"name": "Japan", "population": 125584838}]}'
)


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


Row = tuple[str, str, tuple[int, ...], tuple[str, ...]]


def rows(events: list[StreamEvent]) -> list[Row]:
    """(event, name, parent run numbers, tags) with run ids numbered in order of appearance."""
    numbers: dict[str, int] = {}
    out: list[Row] = []
    for event in events:
        numbers.setdefault(event.run_id, len(numbers))
        tag = type(event).__struct_config__.tag
        assert isinstance(tag, str)
        parents = tuple(numbers.get(p, -1) for p in event.parent_ids)  # -1: filtered out
        out.append((tag, event.name, parents, tuple(event.tags)))
    return out


async def settled(condition: Callable[[], bool]) -> bool:
    """Under trio, httpx's body generators left suspended by an early close are finalized in
    short-lived system tasks: give them a moment (rillet itself starts none)."""
    for _ in range(200):
        if condition():
            return True
        await sleep(0.01)
    return condition()


def both(func: Any, afunc: Any) -> Runnable[Any, Any]:
    """A lambda with a sync and an async function (each twin runs its own)."""
    runnable: Runnable[Any, Any] = RunnableLambda(func, afunc)
    return runnable


def total(chunks: list[Any]) -> Any:
    result = chunks[0]
    for chunk in chunks[1:]:
        result = result + chunk
    return result


# -- "stream runnables" ---------------------------------------------------------------------------


async def test_howto_stream_json_parser(make_llm: MakeLLM, server: FakeServer) -> None:
    server.queue(Reply(tokens=pieces(COUNTRIES, 7)))
    chain_ = make_llm() | JsonOutputParser()
    partials = [p async for p in chain_.astream("countries")]
    # LangChain printed these partials for the same 7-character tokens:
    assert partials[:6] == [
        {},
        {"countries": [{}]},
        {"countries": [{"name": "Fra"}]},
        {"countries": [{"name": "France"}]},
        {"countries": [{"name": "France", "population": 6}]},
        {"countries": [{"name": "France", "population": 67391582}]},
    ]
    assert partials[-1] == json.loads(COUNTRIES)
    assert len(partials) == 15


async def test_howto_stream_breaking_and_generator_functions(
    make_llm: MakeLLM, server: FakeServer
) -> None:
    def _extract_country_names(inputs: Any) -> Any:
        if not isinstance(inputs, dict) or "countries" not in inputs:
            return ""
        countries = inputs["countries"]
        if not isinstance(countries, list):
            return ""
        return [c.get("name") for c in countries if isinstance(c, dict)]

    async def _extract_country_names_streaming(
        input_stream: AsyncIterator[Any],
    ) -> AsyncIterator[str]:
        country_names_so_far: set[str] = set()
        async for input in input_stream:
            if not isinstance(input, dict) or "countries" not in input:
                continue
            countries = input["countries"]
            if not isinstance(countries, list):
                continue
            for country in countries:
                name = country.get("name")
                if name and name not in country_names_so_far:
                    yield name
                    country_names_so_far.add(name)

    llm = make_llm()
    server.queue(Reply(tokens=pieces(COUNTRIES, 7)))
    breaking = llm | JsonOutputParser() | _extract_country_names
    assert [c async for c in breaking.astream("countries")] == [["France", "Spain", "Japan"]]
    server.queue(Reply(tokens=pieces(COUNTRIES, 7)))
    streaming = llm | JsonOutputParser() | RunnableLambda(_extract_country_names_streaming)
    # LangChain: ['Fra', 'France', 'S', 'Spain', 'Japan']
    assert [c async for c in streaming.astream("countries")] == [
        "Fra",
        "France",
        "S",
        "Spain",
        "Japan",
    ]


async def test_howto_stream_events_names_and_filters(make_llm: MakeLLM, server: FakeServer) -> None:
    llm = make_llm()
    chain_ = llm.with_config({"run_name": "model"}) | JsonOutputParser().with_config(
        {"run_name": "my_parser"}
    )
    server.queue(Reply(tokens=pieces('{"a": [1, 2]}', 4)))
    events = [e async for e in chain_.astream_events("countries")]
    # LangChain's rows, one event per token fanned out (its trailing "" token aside):
    assert rows(events) == [
        ("on_chain_start", "RunnableSequence", (), ()),
        ("on_llm_start", "model", (0,), ("seq:step:1",)),
        ("on_llm_stream", "model", (0,), ("seq:step:1",)),
        ("on_parser_start", "my_parser", (0,), ("seq:step:2",)),
        ("on_parser_stream", "my_parser", (0,), ("seq:step:2",)),
        ("on_chain_stream", "RunnableSequence", (), ()),
        ("on_llm_stream", "model", (0,), ("seq:step:1",)),
        ("on_parser_stream", "my_parser", (0,), ("seq:step:2",)),
        ("on_chain_stream", "RunnableSequence", (), ()),
        ("on_llm_stream", "model", (0,), ("seq:step:1",)),
        ("on_parser_stream", "my_parser", (0,), ("seq:step:2",)),
        ("on_chain_stream", "RunnableSequence", (), ()),
        ("on_llm_stream", "model", (0,), ("seq:step:1",)),
        ("on_llm_end", "model", (0,), ("seq:step:1",)),
        ("on_parser_end", "my_parser", (0,), ("seq:step:2",)),
        ("on_chain_end", "RunnableSequence", (), ()),
    ]
    end = events[-1].data
    assert isinstance(end, EndData)
    assert end.output == {"a": [1, 2]}
    server.queue(Reply(tokens=pieces('{"a": [1, 2]}', 4)))
    named = [e async for e in chain_.astream_events("countries", include_names=["my_parser"])]
    assert [r[0] for r in rows(named)] == [
        "on_parser_start",
        "on_parser_stream",
        "on_parser_stream",
        "on_parser_stream",
        "on_parser_end",
    ]
    tagged_chain = (llm | JsonOutputParser()).with_config({"tags": ["my_chain"]})
    server.queue(Reply(tokens=pieces('{"a": [1, 2]}', 4)))
    tagged = [e async for e in tagged_chain.astream_events("x", include_tags=["my_chain"])]
    # LangChain's tag order: the step's own tag first, then the inherited ones
    assert [r[3] for r in rows(tagged)][:3] == [
        ("my_chain",),
        ("seq:step:1", "my_chain"),
        ("seq:step:1", "my_chain"),
    ]


async def test_howto_functions_taking_config_report_children_in_order() -> None:
    def reverse(word: str) -> str:
        return word[::-1]

    reverse_word = RunnableLambda(reverse).with_config(run_name="reverse_word")

    def correct(word: str, config: RunnableConfig) -> str:
        return reverse_word.invoke(word, config)

    async def acorrect(word: str, config: RunnableConfig) -> str:
        return await reverse_word.ainvoke(word, config)

    events = [e async for e in both(correct, acorrect).astream_events("hello")]
    # LangChain (transcribed):
    assert rows(events) == [
        ("on_chain_start", "correct", (), ()),
        ("on_chain_start", "reverse_word", (0,), ()),
        ("on_chain_end", "reverse_word", (0,), ()),
        ("on_chain_stream", "correct", (), ()),
        ("on_chain_end", "correct", (), ()),
    ]

    # a sync function alone (the async methods run it on a worker thread) reports the same
    sync_only = [e async for e in RunnableLambda(correct).astream_events("hello")]
    assert [r[:3] for r in rows(sync_only)] == [r[:3] for r in rows(events)]

    @chain
    async def reverse_and_double(word: str, config: RunnableConfig) -> str:
        return await reverse_word.ainvoke(word, config) * 2

    events = [e async for e in reverse_and_double.astream_events("1234")]
    assert [r[:3] for r in rows(events)] == [
        ("on_chain_start", "reverse_and_double", ()),
        ("on_chain_start", "reverse_word", (0,)),
        ("on_chain_end", "reverse_word", (0,)),
        ("on_chain_stream", "reverse_and_double", ()),
        ("on_chain_end", "reverse_and_double", ()),
    ]
    assert await reverse_and_double.ainvoke("1234") == "43214321"


async def test_generator_function_children_come_out_at_its_next_yield() -> None:
    def increment(x: int) -> int:
        return x + 1

    inner = RunnableLambda(increment).with_config(run_name="inner")

    async def gen(values: AsyncIterator[int], config: RunnableConfig) -> AsyncIterator[int]:
        async for value in values:
            yield await inner.ainvoke(value, config)
            yield await inner.ainvoke(value * 10, config)

    events = [e async for e in RunnableLambda(gen).astream_events(1)]
    assert [r[:3] for r in rows(events)] == [
        ("on_chain_start", "gen", ()),
        ("on_chain_start", "inner", (0,)),
        ("on_chain_end", "inner", (0,)),
        ("on_chain_stream", "gen", ()),
        ("on_chain_start", "inner", (0,)),
        ("on_chain_end", "inner", (0,)),
        ("on_chain_stream", "gen", ()),
        ("on_chain_end", "gen", ()),
    ]


# -- "RunnablePassthrough" and "assign" -----------------------------------------------------------


async def test_howto_passthrough() -> None:
    runnable: RunnableParallel[dict[str, int]] = RunnableParallel(
        passed=RunnablePassthrough(), modified=lambda x: x["num"] + 1
    )
    assert await runnable.ainvoke({"num": 1}) == {"passed": {"num": 1}, "modified": 2}
    streamed = [p async for p in runnable.astream({"num": 1})]
    # LangChain: [{'passed': {'num': 1}}, {'modified': 2}] (branches concurrent: any order)
    assert sorted(streamed, key=lambda p: sorted(p)) == [{"modified": 2}, {"passed": {"num": 1}}]
    assert all(isinstance(p, AddableDict) for p in streamed)


async def test_howto_assign() -> None:
    runnable: RunnableParallel[dict[str, int]] = RunnableParallel(
        extra=RunnablePassthrough.assign(mult=lambda x: x["num"] * 3),
        modified=lambda x: x["num"] + 1,
    )
    assert await runnable.ainvoke({"num": 1}) == {"extra": {"num": 1, "mult": 3}, "modified": 2}
    streamed = [p async for p in runnable.astream({"num": 1})]
    # LangChain: [{'modified': 2}, {'extra': {'num': 1}}, {'extra': {'mult': 3}}]
    assert [p for p in streamed if "extra" in p] == [{"extra": {"num": 1}}, {"extra": {"mult": 3}}]
    assert [p for p in streamed if "modified" in p] == [{"modified": 2}]
    assert total(streamed) == {"extra": {"num": 1, "mult": 3}, "modified": 2}


async def test_howto_assign_streams_the_generation(make_llm: MakeLLM, server: FakeServer) -> None:
    def retriever(question: str) -> str:
        return "[Document(page_content='harrison worked at kensho')]"

    prompt = PromptTemplate.from_template("Answer based only on: {context}\nQuestion: {question}")
    generation_chain = prompt | make_llm() | StrOutputParser()
    # LangChain's example pipes a dict literal; mypy types `dict | runnable` by dict's own
    # __or__, so typed code spells the parallel out.
    inputs: RunnableParallel[str] = RunnableParallel(
        context=retriever, question=RunnablePassthrough()
    )
    retrieval_chain = inputs | RunnablePassthrough.assign(output=generation_chain)
    tokens = ["H", "arrison", " worked", " at", " Kens", "ho", "."]
    server.queue(Reply(tokens=tokens))
    streamed = [c async for c in retrieval_chain.astream("where did harrison work?")]
    # LangChain printed the two input pieces, then one piece per token (and a final '')
    assert sorted(streamed[:2], key=lambda p: sorted(p)) == [
        {"context": "[Document(page_content='harrison worked at kensho')]"},
        {"question": "where did harrison work?"},
    ]
    assert streamed[2:] == [{"output": t} for t in tokens]
    server.queue(Reply(tokens=tokens))
    assert await retrieval_chain.ainvoke("where did harrison work?") == {
        "context": "[Document(page_content='harrison worked at kensho')]",
        "question": "where did harrison work?",
        "output": "Harrison worked at Kensho.",
    }
    server.queue(Reply(tokens=["H", "i"]))
    events = [e async for e in retrieval_chain.astream_events("q?")]
    names = [r[1] for r in rows(events)]
    assert "RunnableParallel<context,question>" in names
    assert "RunnableAssign<output>" in names
    assert "RunnableParallel<output>" in names
    end = events[-1].data
    assert isinstance(end, EndData)
    assert end.output == {
        "context": "[Document(page_content='harrison worked at kensho')]",
        "question": "q?",
        "output": "Hi",
    }


async def test_pick() -> None:
    assign_then_pick = RunnablePassthrough.assign(
        b=lambda x: x["a"] * 2
    ) | RunnablePassthrough().pick(["b"])
    assert await assign_then_pick.ainvoke({"a": 1}) == {"b": 2}  # LangChain: {'b': 2}
    assert await RunnablePassthrough().pick("a").ainvoke({"a": 1, "b": 2}) == 1
    parallel: RunnableParallel[int] = RunnableParallel(a=lambda x: 1, b=lambda x: 2)
    picked = parallel.pick(["a"])
    assert [c async for c in picked.astream(0)] == [{"a": 1}]  # LangChain: [{'a': 1}]


# -- "fallbacks" ---------------------------------------------------------------------------------


@pytest.fixture
def second_server() -> Any:
    with FakeServer() as fake:
        yield fake


async def test_howto_fallbacks(
    make_llm: MakeLLM, server: FakeServer, second_server: FakeServer
) -> None:
    bad = make_llm(max_retries=0)
    good = make_llm(max_retries=0, base_url=second_server.base_url)
    llm = bad.with_fallbacks([good])
    server.queue(Reply(status=500))
    second_server.queue(Reply(tokens=["Good", " answer"]))
    assert await llm.ainvoke("Why did the chicken cross the road?") == "Good answer"
    server.queue(Reply(status=500))
    second_server.queue(Reply(tokens=["Good", " answer"]))
    assert [c async for c in llm.astream("Why?")] == ["Good", " answer"]  # LangChain: + ''
    server.queue(Reply(status=500))
    second_server.queue(Reply(tokens=["Good", " answer"]))
    events = [e async for e in llm.astream_events("why")]
    # LangChain's rows (its trailing '' token aside): the failed model starts, never ends
    assert [r[:3] for r in rows(events)] == [
        ("on_chain_start", "RunnableWithFallbacks", ()),
        ("on_llm_start", "OpenAI", (0,)),
        ("on_llm_start", "OpenAI", (0,)),
        ("on_llm_stream", "OpenAI", (0,)),
        ("on_chain_stream", "RunnableWithFallbacks", ()),
        ("on_llm_stream", "OpenAI", (0,)),
        ("on_chain_stream", "RunnableWithFallbacks", ()),
        ("on_llm_end", "OpenAI", (0,)),
        ("on_chain_end", "RunnableWithFallbacks", ()),
    ]
    assert len({e.run_id for e in events if e.name == "OpenAI"}) == 2


async def test_howto_fallbacks_for_sequences(
    make_llm: MakeLLM, server: FakeServer, second_server: FakeServer
) -> None:
    bad = make_llm(max_retries=0)
    good = make_llm(max_retries=0, base_url=second_server.base_url)
    bad_chain = (
        PromptTemplate.from_template(
            "Instructions: be nice. Question: why did the {animal} cross the road"
        )
        | bad
        | StrOutputParser()
    )
    good_chain = (
        PromptTemplate.from_template("Question: why did the {animal} cross the road?\nAnswer:")
        | good
    )
    chain_ = bad_chain.with_fallbacks([good_chain])
    server.queue(Reply(status=500))
    second_server.queue(Reply(tokens=["To", " get"]))
    assert await chain_.ainvoke({"animal": "turtle"}) == "To get"
    server.queue(Reply(status=500))
    second_server.queue(Reply(tokens=["To", " get"]))
    events = [e async for e in chain_.astream_events({"animal": "turtle"})]
    assert [r[:3] for r in rows(events)] == [
        ("on_chain_start", "RunnableWithFallbacks", ()),
        ("on_chain_start", "RunnableSequence", (0,)),
        ("on_prompt_start", "PromptTemplate", (0, 1)),
        ("on_prompt_end", "PromptTemplate", (0, 1)),
        ("on_llm_start", "OpenAI", (0, 1)),
        ("on_chain_start", "RunnableSequence", (0,)),
        ("on_prompt_start", "PromptTemplate", (0, 4)),
        ("on_prompt_end", "PromptTemplate", (0, 4)),
        ("on_llm_start", "OpenAI", (0, 4)),
        ("on_llm_stream", "OpenAI", (0, 4)),
        ("on_chain_stream", "RunnableSequence", (0,)),
        ("on_chain_stream", "RunnableWithFallbacks", ()),
        ("on_llm_stream", "OpenAI", (0, 4)),
        ("on_chain_stream", "RunnableSequence", (0,)),
        ("on_chain_stream", "RunnableWithFallbacks", ()),
        ("on_llm_end", "OpenAI", (0, 4)),
        ("on_chain_end", "RunnableSequence", (0,)),
        ("on_chain_end", "RunnableWithFallbacks", ()),
    ]


async def test_fallbacks_only_before_the_first_chunk(
    make_llm: MakeLLM, server: FakeServer, second_server: FakeServer
) -> None:
    llm = make_llm(max_retries=0).with_fallbacks(
        [make_llm(max_retries=0, base_url=second_server.base_url)]
    )
    server.queue(Reply(tokens=["a", "b", "c", "d"], error_after=2))
    received: list[str] = []
    with pytest.raises(RilletError) as caught:
        async for chunk in llm.astream("q"):
            received.append(chunk)
    assert received == ["a", "b"]
    assert caught.value.partial_text == "ab"
    assert second_server.requests == []  # LangChain raises too; no fallback after a chunk


async def test_fallbacks_only_for_the_exceptions_to_handle(
    make_llm: MakeLLM, server: FakeServer, second_server: FakeServer
) -> None:
    llm = make_llm(max_retries=0).with_fallbacks(
        [make_llm(max_retries=0, base_url=second_server.base_url)],
        exceptions_to_handle=(KeyError,),
    )
    server.queue(Reply(status=500))
    with pytest.raises(APIStatusError):  # LangChain: InternalServerError
        await llm.ainvoke("q")
    assert second_server.requests == []


# -- "parallel" ------------------------------------------------------------------------------


async def test_howto_parallel(
    make_llm: MakeLLM, server: FakeServer, second_server: FakeServer
) -> None:
    joke_chain = PromptTemplate.from_template("tell me a joke about {topic}") | make_llm()
    poem_chain = PromptTemplate.from_template("write a 2-line poem about {topic}") | make_llm(
        base_url=second_server.base_url
    )
    map_chain: RunnableParallel[dict[str, str]] = RunnableParallel(joke=joke_chain, poem=poem_chain)
    assert map_chain.get_name() == "RunnableParallel<joke,poem>"
    server.queue(Reply(tokens=["Why", " bears", "?"]))
    second_server.queue(Reply(tokens=["Big", " bear"]))
    assert await map_chain.ainvoke({"topic": "bear"}) == {"joke": "Why bears?", "poem": "Big bear"}
    server.queue(Reply(tokens=["Why", " bears", "?"], delay=0.05))
    second_server.queue(Reply(tokens=["Big", " bear"], delay=0.075))
    streamed = [c async for c in map_chain.astream({"topic": "bear"})]
    # LangChain: [{'joke': 'Why'}, {'poem': 'Big'}, {'joke': ' bears'}, {'joke': '?'},
    #             {'poem': ' bear'}, {'joke': ''}, {'poem': ''}]
    assert [c for c in streamed if "joke" in c] == [
        {"joke": "Why"},
        {"joke": " bears"},
        {"joke": "?"},
    ]
    assert [c for c in streamed if "poem" in c] == [{"poem": "Big"}, {"poem": " bear"}]
    assert streamed[0] == {"joke": "Why"} or streamed[0] == {"poem": "Big"}
    server.queue(Reply(tokens=["J"]))
    second_server.queue(Reply(tokens=["P"]))
    events = [e async for e in map_chain.astream_events({"topic": "bear"})]
    table = rows(events)
    assert table[0] == ("on_chain_start", "RunnableParallel<joke,poem>", (), ())
    assert table[-1] == ("on_chain_end", "RunnableParallel<joke,poem>", (), ())
    # each branch's own events in LangChain's order (the branches interleave)
    joke_run = next(e.run_id for e in events if "map:key:joke" in e.tags)
    joke_rows = [
        r for r, e in zip(table, events, strict=True) if joke_run in [e.run_id, *e.parent_ids]
    ]
    assert [r[:2] for r in joke_rows] == [
        ("on_chain_start", "RunnableSequence"),
        ("on_prompt_start", "PromptTemplate"),
        ("on_prompt_end", "PromptTemplate"),
        ("on_llm_start", "OpenAI"),
        ("on_llm_stream", "OpenAI"),
        ("on_chain_stream", "RunnableSequence"),
        ("on_llm_end", "OpenAI"),
        ("on_chain_end", "RunnableSequence"),
    ]
    assert joke_rows[0][3] == ("map:key:joke",)
    assert joke_rows[1][3] == ("seq:step:1",)  # map:key:joke is not inherited
    end = events[-1].data
    assert isinstance(end, EndData)
    assert end.output == {"joke": "J", "poem": "P"}


async def test_parallel_branches_are_in_flight_together_and_close_on_break(
    make_llm: MakeLLM, server: FakeServer
) -> None:
    server.queue(Reply(tokens=["a"] * 50, delay=0.02), Reply(tokens=["b"] * 50, delay=0.02))
    llm = make_llm()
    parallel: RunnableParallel[str] = RunnableParallel(x=llm, y=llm)
    tasks_before = living_tasks()
    seen: set[str] = set()
    stream = parallel.astream("q")
    async for piece in stream:
        seen.update(piece)
        if seen == {"x", "y"}:
            break
    assert server.max_in_flight == 2
    await stream.aclose()
    assert server.wait_for_disconnect(timeout=5, n=2)
    assert server.completed == 0
    assert await settled(lambda: living_tasks() <= tasks_before)  # no task or thread left


async def test_parallel_error_in_one_branch_closes_the_other(
    make_llm: MakeLLM, server: FakeServer
) -> None:
    async def fail_later(_: str) -> str:
        await sleep(0.3)  # the other branch's response is streaming by now
        raise RilletError("scripted failure")

    parallel: RunnableParallel[str] = RunnableParallel(
        slow=make_llm(), bad=RunnableLambda(fail_later)
    )
    server.queue(Reply(tokens=["a"] * 50, delay=0.02))
    tasks_before = living_tasks()
    with pytest.raises(RilletError, match="scripted failure"):
        async for _ in parallel.astream("q"):
            pass
    assert server.wait_for_disconnect(timeout=5)
    assert server.completed == 0
    assert await settled(lambda: living_tasks() <= tasks_before)


async def test_parallel_of_snapshots_adds_up() -> None:
    json_branch = ScriptedLLM(['{"a": [1', ", 2]}"]) | JsonOutputParser()
    parallel: RunnableParallel[str] = RunnableParallel(j=json_branch, t=ScriptedLLM(["x", "y"]))
    chunks = [c async for c in parallel.astream("q")]
    assert total(chunks) == await parallel.ainvoke("q") == {"j": {"a": [1, 2]}, "t": "xy"}


# -- with_retry, RunnableBranch, batch_as_completed ---------------------------------------------


async def test_with_retry_retries_before_the_first_chunk() -> None:
    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 3:
            raise RilletError("flaky")
        return x * 2

    retried = RunnableLambda(flaky).with_retry(
        stop_after_attempt=3, exponential_jitter_params={"initial": 0.001, "jitter": 0.001}
    )
    assert await retried.ainvoke(2) == 4
    assert len(calls) == 3
    calls.clear()
    events = [e async for e in retried.astream_events(2)]
    starts = [e for e in events if isinstance(e, ChainStartEvent) and e.name == "flaky"]
    assert [s.tags for s in starts] == [[], ["retry:attempt:2"], ["retry:attempt:3"]]
    assert events[0].name == "RunnableRetry"
    calls.clear()
    once = RunnableLambda(flaky).with_retry(
        stop_after_attempt=2, retry_if_exception_type=(KeyError,)
    )
    with pytest.raises(RilletError):
        await once.ainvoke(1)
    assert len(calls) == 1


async def test_runnable_branch() -> None:
    branch: Runnable[int, str] = RunnableBranch(
        (lambda x: x > 10, lambda x: "big"),
        (lambda x: x > 0, lambda x: "small"),
        lambda x: "negative",
    )
    assert [await branch.ainvoke(x) for x in (20, 5, -1)] == ["big", "small", "negative"]
    assert [c async for c in branch.astream(5)] == ["small"]
    events = [e async for e in branch.astream_events(5)]
    assert [r[1:] for r in rows(events) if r[0] == "on_chain_start"] == [
        ("RunnableBranch", (), ()),
        ("RunnableLambda", (0,), ("condition:1",)),
        ("RunnableLambda", (0,), ("condition:2",)),
        ("RunnableLambda", (0,), ("branch:2",)),
    ]
    # conditions are invoked (no stream events), as LangChain does
    streamed = {r[3] for r in rows(events) if r[0] == "on_chain_stream"}
    assert streamed == {(), ("branch:2",)}


async def test_batch_as_completed() -> None:
    def double(x: int) -> int:
        return x * 2

    doubled = RunnableLambda(double)
    results = [pair async for pair in doubled.abatch_as_completed([1, 2, 3])]
    assert sorted(results) == [(0, 2), (1, 4), (2, 6)]

    def fails_on_two(x: int) -> int:
        if x == 2:
            raise RilletError("two")
        return x

    pairs = [
        pair
        async for pair in RunnableLambda(fails_on_two).abatch_as_completed(
            [1, 2, 3], {"max_concurrency": 2}, return_exceptions=True
        )
    ]
    assert sorted(i for i, _ in pairs) == [0, 1, 2]
    assert isinstance(dict(pairs)[1], RilletError)


# -- event fidelity ------------------------------------------------------------------------------


async def test_seq_step_tags_go_to_direct_steps_only() -> None:
    inner = (RunnableLambda(lambda x: x) | RunnableLambda(lambda x: x)).with_config(
        run_name="inner"
    )
    outer = RunnableLambda(lambda x: x) | inner
    events = [e async for e in outer.astream_events(1)]
    tags = {(e.name, tuple(e.tags)) for e in events if isinstance(e, ChainStartEvent)}
    assert tags == {
        ("RunnableSequence", ()),
        ("RunnableLambda", ("seq:step:1",)),
        ("inner", ("seq:step:2",)),
    } | {("RunnableLambda", ("seq:step:2",))}


async def test_nested_sequence_starts_after_the_step_before_it() -> None:
    inner = (RunnableLambda(lambda x: x) | RunnableLambda(lambda x: x)).with_config(
        run_name="inner"
    )
    outer = RunnableLambda(lambda x: x).with_config(run_name="first") | inner
    events = [e async for e in outer.astream_events(1)]
    starts = [
        e.name for e in events if isinstance(e, BaseEvent) and "start" in type(e).__name__.lower()
    ]
    assert starts.index("first") < starts.index("inner")


async def test_with_config_run_name_renames_the_run_not_the_runnable() -> None:
    named = RunnableLambda(lambda x: x).with_config(run_name="ident")
    assert named.get_name() == "RunnableLambda"
    events = [e async for e in named.astream_events(1)]
    assert {e.name for e in events} == {"ident"}


async def test_a_bound_config_from_a_function_makes_the_call_its_child() -> None:
    llm = ScriptedLLM(["a", "b"])

    class Handler:  # a LangChain-style callback handler
        def on_llm_new_token(self, token: str) -> None:
            raise AssertionError(token)

    with pytest.raises(ConfigError, match="rillet has no callback handlers: use astream_events"):
        llm.with_config(callbacks=[Handler()])  # type: ignore[arg-type]  # the mistake under test
    with pytest.raises(ConfigError, match="rillet has no callback handlers: use astream_events"):
        await llm.ainvoke("q", {"callbacks": [Handler()]})  # type: ignore[arg-type]  # same

    async def ask(question: str, config: RunnableConfig) -> str:
        return await llm.with_config(callbacks=config["callbacks"]).ainvoke(question)

    def ask_sync(question: str, config: RunnableConfig) -> str:
        return llm.with_config(callbacks=config["callbacks"]).invoke(question)

    async def bound(question: str, config: RunnableConfig) -> str:
        return await llm.with_config(config).ainvoke(question)

    def bound_sync(question: str, config: RunnableConfig) -> str:
        return llm.with_config(config).invoke(question)

    # with_config(config) and with_config(callbacks=...) bind the function's run as the parent,
    # as passing the config to the call does (the model's run is the function's child)
    for func, afunc in ((ask_sync, ask), (bound_sync, bound)):
        events = [e async for e in both(func, afunc).astream_events("q")]
        assert [(r[0], r[2]) for r in rows(events)] == [
            ("on_chain_start", ()),
            ("on_llm_start", (0,)),
            ("on_llm_end", (0,)),
            ("on_chain_stream", ()),
            ("on_chain_end", ()),
        ]
        assert events[1].name == "ScriptedLLM"

    async def stream(values: AsyncIterator[str], config: RunnableConfig) -> AsyncIterator[str]:
        async for value in values:
            async for chunk in llm.with_config(config).astream(value):
                yield chunk

    def stream_sync(values: Iterator[str], config: RunnableConfig) -> Iterator[str]:
        for value in values:
            yield from llm.with_config(config).stream(value)

    kinds = [r[0] for r in rows([e async for e in both(stream_sync, stream).astream_events("q")])]
    assert kinds[:2] == ["on_chain_start", "on_llm_start"]
    assert kinds.count("on_llm_stream") == 2  # a streamed child streams


async def test_addable_dict_chunks_add_up_for_users() -> None:
    parallel: RunnableParallel[str] = RunnableParallel(
        a=ScriptedLLM(["x", "y"]), b=ScriptedLLM(["z"])
    )
    final: AddableDict | None = None
    async for chunk in parallel.astream("q"):
        final = chunk if final is None else final + chunk
    assert final == {"a": "xy", "b": "z"}
    assert msgspec.json.decode(msgspec.json.encode(final)) == {"a": "xy", "b": "z"}


async def test_tag_order_is_langchains() -> None:
    def text(value: Any) -> str:
        return str(value)

    chain_ = PromptTemplate.from_template("hi {q}").with_config(
        run_name="my_template", tags=["my_template", "b_tag"]
    ) | RunnableLambda(text).with_config(tags=["z", "a"])
    events = [e async for e in chain_.astream_events({"q": 1}, {"tags": ["T", "A"]})]
    # langchain-core 1.8.3, the same chain and config (transcribed; its lambda named `text`):
    assert [(r[0], r[1], list(r[3])) for r in rows(events)] == [
        ("on_chain_start", "RunnableSequence", ["T", "A"]),
        ("on_prompt_start", "my_template", ["seq:step:1", "A", "T", "b_tag", "my_template"]),
        ("on_prompt_end", "my_template", ["seq:step:1", "A", "T", "b_tag", "my_template"]),
        ("on_chain_start", "text", ["seq:step:2", "A", "T", "a", "z"]),
        ("on_chain_stream", "text", ["seq:step:2", "A", "T", "a", "z"]),
        ("on_chain_stream", "RunnableSequence", ["T", "A"]),
        ("on_chain_end", "text", ["seq:step:2", "A", "T", "a", "z"]),
        ("on_chain_end", "RunnableSequence", ["T", "A"]),
    ]


async def test_a_model_invoked_or_streamed_with_a_functions_config_is_its_child() -> None:
    llm = ScriptedLLM(["a", "b"])

    async def ask(question: str, config: RunnableConfig) -> str:
        return await llm.ainvoke(question, config)

    events = [
        e async for e in both(lambda q, config: llm.invoke(q, config), ask).astream_events("q")
    ]
    # LangChain (research/langchain.md §1.5): an LLM invoked inside a lambda with its config
    # reports start and end, no on_llm_stream
    assert [r[:3] for r in rows(events)] == [
        ("on_chain_start", "RunnableLambda", ()),
        ("on_llm_start", "ScriptedLLM", (0,)),
        ("on_llm_end", "ScriptedLLM", (0,)),
        ("on_chain_stream", "RunnableLambda", ()),
        ("on_chain_end", "RunnableLambda", ()),
    ]

    async def relay(values: AsyncIterator[str], config: RunnableConfig) -> AsyncIterator[str]:
        async for value in values:
            async for chunk in llm.astream(value, config):
                yield chunk.upper()

    def relay_sync(values: Iterator[str], config: RunnableConfig) -> Iterator[str]:
        for value in values:
            for chunk in llm.stream(value, config):
                yield chunk.upper()

    streamed = [e async for e in both(relay_sync, relay).astream_events("q")]
    kinds = [r[0] for r in rows(streamed)]
    assert kinds[:2] == ["on_chain_start", "on_llm_start"]
    assert kinds.count("on_llm_stream") == 2  # a streamed child streams
    assert kinds[-1] == "on_chain_end"
    end = streamed[-1].data
    assert isinstance(end, EndData)
    assert end.output == "AB"


async def test_a_chat_model_invoked_with_a_functions_config_is_its_streaming_child() -> None:
    model = FakeListChatModel(responses=["hi"])

    async def ask(question: str, config: RunnableConfig) -> str:
        return (await model.ainvoke(question, config)).text

    def ask_sync(question: str, config: RunnableConfig) -> str:
        return model.invoke(question, config).text

    events = [e async for e in both(ask_sync, ask).astream_events("q")]
    # LangChain's chat models stream under a streaming handler even when invoked (#20980)
    assert [r[:3] for r in rows(events)] == [
        ("on_chain_start", "ask_sync", ()),
        ("on_chat_model_start", "FakeListChatModel", (0,)),
        ("on_chat_model_stream", "FakeListChatModel", (0,)),
        ("on_chat_model_stream", "FakeListChatModel", (0,)),
        ("on_chat_model_end", "FakeListChatModel", (0,)),
        ("on_chain_stream", "ask_sync", ()),
        ("on_chain_end", "ask_sync", ()),
    ]
    end = events[-1].data
    assert isinstance(end, EndData)
    assert end.output == "hi"
