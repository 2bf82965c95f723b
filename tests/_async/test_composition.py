"""Composition: prompt | llm | parser, lambdas, parallel maps, bind, with_config, JSON parsing."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest

from rillet import (
    LLM,
    ChainStartEvent,
    JsonOutputParser,
    OutputParserError,
    PromptTemplate,
    RunnableLambda,
    RunnableParallel,
    StrOutputParser,
)
from rillet.testing import SONG_TOKENS, FakeServer, Reply

from .conftest import MakeLLM

pytestmark = pytest.mark.anyio

SONG = "".join(SONG_TOKENS)


class ScriptLLM(LLM):
    """Streams the prompt's own pieces back, split on '|'."""

    def _stream(self, prompt: str, stop: list[str] | None = None) -> Iterator[str]:
        yield from prompt.split("|")


async def test_prompt_llm_parser_over_http(make_llm: MakeLLM, server: FakeServer) -> None:
    chain = PromptTemplate.from_template("Tell me about {topic}") | make_llm() | StrOutputParser()
    assert await chain.ainvoke({"topic": "goldfish"}) == SONG
    assert server.requests[-1].json()["prompt"] == ["Tell me about goldfish"]  # type: ignore[index]  # a JSON object
    chunks = [c async for c in chain.astream({"topic": "goldfish"})]
    assert chunks == [t for t in SONG_TOKENS if t]


async def test_chain_batch_honours_max_concurrency(make_llm: MakeLLM, server: FakeServer) -> None:
    server.queue(*[Reply(tokens=["x"], delay=0.1)] * 6)
    chain = PromptTemplate.from_template("{q}") | make_llm() | StrOutputParser()
    outputs = await chain.abatch([{"q": str(i)} for i in range(6)], {"max_concurrency": 2})
    assert outputs == ["x"] * 6
    assert server.max_in_flight == 2


async def test_functions_and_dicts_are_coerced() -> None:
    def increment(x: int) -> int:
        return x + 1

    chain = (
        RunnableLambda(increment)
        | {"double": lambda x: x * 2, "square": lambda x: x**2}
        | (lambda d: d["double"] + d["square"])
    )
    assert await chain.ainvoke(2) == 6 + 9
    assert [c async for c in chain.astream(2)] == [15]


async def test_async_function_lambda() -> None:
    async def add_one(x: int) -> int:
        return x + 1

    assert await RunnableLambda(add_one).ainvoke(1) == 2


async def test_generator_lambda_transforms_the_stream() -> None:
    async def upper(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            yield chunk.upper()

    chain = PromptTemplate.from_template("a|b|c{x}") | ScriptLLM() | RunnableLambda(upper)
    assert [c async for c in chain.astream({"x": ""})] == ["A", "B", "C"]
    assert await chain.ainvoke({"x": "d"}) == "ABCD"


async def test_parallel_streams_keyed_chunks() -> None:
    parallel: RunnableParallel[str] = RunnableParallel(a=ScriptLLM(), b=lambda s: len(s))
    assert await parallel.ainvoke("x|y") == {"a": "xy", "b": 3}
    pieces = [p async for p in parallel.astream("x|y")]
    # the branches run concurrently: each branch's pieces in order, interleaved as they come
    assert [p for p in pieces if "a" in p] == [{"a": "x"}, {"a": "y"}]
    assert [p for p in pieces if "b" in p] == [{"b": 3}]
    total = pieces[0]
    for piece in pieces[1:]:
        total = total + piece
    assert total == {"a": "xy", "b": 3}


async def test_bind_stop_reaches_the_request(make_llm: MakeLLM, server: FakeServer) -> None:
    chain = PromptTemplate.from_template("{q}") | make_llm().bind(stop=["\n"]) | StrOutputParser()
    await chain.ainvoke({"q": "hi"})
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["stop"] == ["\n"]
    [c async for c in chain.astream({"q": "hi"})]
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["stop"] == ["\n"]


async def test_with_config_names_the_run_and_adds_tags() -> None:
    named = RunnableLambda(lambda x: x).with_config(run_name="ident", tags=["mine"])
    events = [e async for e in named.astream_events(1)]
    start = events[0]
    assert isinstance(start, ChainStartEvent)
    assert start.name == "ident"
    assert start.tags == ["mine"]


class Joke(msgspec.Struct):
    setup: str = ""
    punchline: str = ""


JOKE = (
    '```json\n{"setup": "Why did the fish blush?", "punchline": "It saw the ocean\'s bottom."}\n```'
)


class JokeLLM(LLM):
    def _stream(self, prompt: str, stop: list[str] | None = None) -> Iterator[str]:
        for i in range(0, len(JOKE), 7):
            yield JOKE[i : i + 7]


async def test_json_parser_streams_partial_objects() -> None:
    chain = JokeLLM() | JsonOutputParser()
    partials = [p async for p in chain.astream("tell me a joke")]
    assert len(partials) > 3
    assert partials[-1] == {
        "setup": "Why did the fish blush?",
        "punchline": "It saw the ocean's bottom.",
    }
    assert all(isinstance(p, dict) for p in partials)
    # each partial extends the previous one's text
    setups = [p.get("setup", "") for p in partials if isinstance(p, dict)]
    assert all(b.startswith(a) for a, b in itertools.pairwise(setups))


async def test_json_parser_decodes_into_a_struct() -> None:
    chain = JokeLLM() | JsonOutputParser(Joke)
    final = await chain.ainvoke("joke")
    assert final == Joke("Why did the fish blush?", "It saw the ocean's bottom.")
    streamed = [j async for j in chain.astream("joke")]
    assert all(isinstance(j, Joke) for j in streamed)
    assert streamed[-1] == final


async def test_malformed_json_raises_with_the_text() -> None:
    class Broken(LLM):
        def _call(self, prompt: str, stop: list[str] | None = None) -> str:
            return '{"setup": "unterminated'

    with pytest.raises(OutputParserError) as caught:
        await (Broken() | JsonOutputParser()).ainvoke("x")
    assert caught.value.text == '{"setup": "unterminated'


async def test_prompt_reports_missing_variables() -> None:
    from rillet import InvalidInputError

    with pytest.raises(InvalidInputError, match="missing"):
        await PromptTemplate.from_template("{a} and {b}").ainvoke({"a": 1})
