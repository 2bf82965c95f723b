"""Call-time options (DESIGN.md decision 13): typed per provider, and checked at run time too.

An unknown option or an ill-typed value never reaches a request body: it is an
``InvalidOptionError`` (a ``TypeError``) naming what the model takes, on every method of every
model. Known options reach the request body of that call only. A bare str given to
``batch``/``generate`` is an ``InvalidInputError``, not one request per character.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from rillet import (
    BoundLLM,
    ConfigError,
    FakeListLLM,
    FakeStreamingListLLM,
    InvalidInputError,
    InvalidOptionError,
    JsonOutputParser,
    PromptTemplate,
    RilletError,
    RunnableLambda,
    RunnableParallel,
    StrOutputParser,
)
from rillet.testing import FakeServer

from .conftest import MakeAnthropic, MakeChat, MakeLLM, MakeOllama

pytestmark = pytest.mark.anyio


async def test_unknown_option_names_the_allowed_ones_on_every_method(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    llm = make_llm()
    bad = {"stpo": ["\n"]}
    with pytest.raises(InvalidOptionError) as info:
        await llm.ainvoke("hi", **bad)  # type: ignore[arg-type]  # run-time check under test
    message = str(info.value)
    assert "'stpo'" in message
    assert "stop, best_of, echo, extra_body" in message
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, RilletError)
    with pytest.raises(InvalidOptionError, match="it takes: stop, best_of"):
        await llm.agenerate(["hi"], **bad)  # type: ignore[arg-type]  # run-time check
    with pytest.raises(InvalidOptionError, match="it takes: stop, best_of"):
        await llm.abatch(["hi"], **bad)  # type: ignore[call-overload]  # run-time check
    with pytest.raises(InvalidOptionError, match="'stpo'"):
        llm.astream("hi", **bad)  # type: ignore[arg-type]  # run-time check under test
    with pytest.raises(InvalidOptionError, match="'max_tokns'"):
        llm.bind(max_tokns=5)  # type: ignore[call-arg]  # run-time check under test
    assert server.requests == []  # nothing was sent


async def test_ill_typed_value_is_refused(server: FakeServer, make_chat: MakeChat) -> None:
    llm = make_chat()
    with pytest.raises(
        InvalidOptionError, match=r"Expected `float`, got `str` - at `\$.temperature`"
    ):
        await llm.ainvoke("hi", temperature="hot")  # type: ignore[arg-type]  # run-time check
    with pytest.raises(InvalidOptionError, match="stop must be a str or a list of str"):
        await llm.ainvoke("hi", stop=[1])  # type: ignore[list-item]  # run-time check
    assert server.requests == []


async def test_options_reach_the_body_of_that_call_only(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    llm = make_llm()
    await llm.ainvoke("hi", temperature=0.5, stop=("\n",), extra_body={"top_k": 3})
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["temperature"] == 0.5
    assert body["stop"] == ["\n"]
    assert body["top_k"] == 3
    assert "extra_body" not in body
    await llm.ainvoke("hi")
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["temperature"] == 0
    assert "top_k" not in body


async def test_batch_takes_options_for_every_input(server: FakeServer, make_llm: MakeLLM) -> None:
    llm = make_llm()
    flag: bool = True
    results = await llm.abatch(["a", "b"], max_tokens=7, return_exceptions=flag)
    assert len(results) == 2
    assert [r.json()["max_tokens"] for r in server.requests[-2:]] == [7, 7]  # type: ignore[index]


async def test_bound_options_are_checked_then_sent(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    llm = make_anthropic()
    chain = llm.bind(top_k=4, stop="END") | StrOutputParser()
    await chain.ainvoke("hi")
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["top_k"] == 4
    assert body["stop_sequences"] == ["END"]
    with pytest.raises(InvalidOptionError, match="it takes: stop, extra_body, max_tokens"):
        llm.bind(seed=1)  # type: ignore[call-arg]  # Anthropic has no seed
    bound = llm.bind(top_k=4)
    assert isinstance(bound, BoundLLM)
    assert type(bound).__name__ == "BoundAnthropic"  # typed with Anthropic's options
    with pytest.raises(InvalidOptionError, match="'seed'"):
        await bound.ainvoke("hi", seed=1)  # type: ignore[call-arg]  # run-time check under test


async def test_ollama_call_options_merge_into_options(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    llm = make_ollama(temperature=0, num_predict=64)
    await llm.ainvoke("hi", stop=["END"], options={"temperature": 0.9}, keep_alive="1m")
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["options"] == {"temperature": 0.9, "num_predict": 64, "stop": ["END"]}
    assert body["keep_alive"] == "1m"
    with pytest.raises(InvalidOptionError, match="'temperature'"):
        await llm.ainvoke("hi", temperature=0.9)  # type: ignore[call-arg]  # goes in options


async def test_fakes_take_only_stop() -> None:
    for llm in (FakeListLLM(responses=["a"]), FakeStreamingListLLM(responses=["a"])):
        with pytest.raises(InvalidOptionError, match=r"'temperature'; it takes: stop$"):
            await llm.ainvoke("hi", temperature=0)  # type: ignore[call-arg]  # run-time check
        with pytest.raises(InvalidOptionError, match="'temperature'"):
            llm.bind(temperature=0)  # type: ignore[call-arg]  # run-time check
        assert await llm.ainvoke("hi", stop=["x"]) == "a"


async def test_a_bare_str_is_not_a_batch(server: FakeServer, make_llm: MakeLLM) -> None:
    llm = make_llm()
    with pytest.raises(InvalidInputError, match=r"batch\(\) takes a list of inputs, got str"):
        await llm.abatch("abc")  # type: ignore[call-overload]  # run-time check under test
    with pytest.raises(InvalidInputError, match=r"generate\(\) takes a list of prompt strings"):
        await llm.agenerate("abc")  # type: ignore[arg-type]  # run-time check under test
    with pytest.raises(InvalidInputError, match="got str"):
        await StrOutputParser().abatch("abc")  # type: ignore[call-overload]  # run-time check
    with pytest.raises(InvalidInputError, match="got str"):
        async for _ in llm.abatch_as_completed("abc"):  # type: ignore[call-overload]  # run-time
            pass
    assert server.requests == []


async def test_with_config_refuses_unknown_keywords() -> None:
    llm = FakeListLLM(responses=["a"])
    with pytest.raises(TypeError, match="run_nme"):
        llm.with_config(run_nme="x")  # type: ignore[call-arg]  # run-time check under test
    meta: dict[str, str] = {"user": "u1"}
    bound = llm.with_config(run_name="x", tags=("t",), metadata=meta)
    assert bound.config.get("run_name") == "x"
    assert bound.config.get("tags") == ["t"]
    assert bound.config.get("metadata") == {"user": "u1"}
    assert await bound.ainvoke("hi", {"configurable": meta}) == "a"


async def test_generate_takes_no_config() -> None:
    llm = FakeListLLM(responses=["a"])
    with pytest.raises(InvalidOptionError, match="'config'"):
        await llm.agenerate(["a"], config={"tags": ["x"]})  # type: ignore[call-arg]  # run-time


def words(text: str) -> Iterator[str]:
    yield from text.split()


async def test_a_generator_of_one_value_is_refused_at_once() -> None:
    with pytest.raises(ConfigError, match="words is a generator function whose parameter is"):
        RunnableLambda(words)
    chain = FakeStreamingListLLM(responses=["a b"]) | RunnableLambda(upper_chunks)
    assert "".join([c async for c in chain.astream("x")]) == "A B"


def upper_chunks(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield chunk.upper()


async def test_what_the_types_now_accept_runs() -> None:
    prompt = PromptTemplate.from_template("Tell me about {topic}")
    assert (await prompt.ainvoke("goldfish")).to_string() == "Tell me about goldfish"
    llm = FakeListLLM(responses=['"high"', "7"])
    assert await (llm | JsonOutputParser(Literal["low", "high"])).ainvoke("x") == "high"
    assert await (llm | JsonOutputParser(int | str)).ainvoke("x") == 7
    with pytest.raises(ConfigError, match="JsonOutputParser takes a type msgspec can decode"):
        JsonOutputParser(5)  # type: ignore[call-overload]  # run-time check under test
    both = RunnableParallel({"a": llm, "n": len})
    assert await both.ainvoke("x") == {"a": '"high"', "n": 1}
