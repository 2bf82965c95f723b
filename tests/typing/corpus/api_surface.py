"""What users' code sees of the API, pinned (type-checked by tests/typing/test_corpus.py, not run).

Each ``assert_type`` fails the check if a signature drifts; each ``# wrong`` line fails it if a
checker stops rejecting the line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping

import msgspec
from typing_extensions import assert_type

from rillet import (
    LLM,
    AddableDict,
    AsyncStream,
    ChainStreamEvent,
    CustomEvent,
    GenerationChunk,
    JsonOutputParser,
    LLMEndEvent,
    LLMResult,
    LLMStreamEvent,
    OpenAI,
    PromptTemplate,
    RunnableLambda,
    RunnableSequence,
    Stream,
    StreamEvent,
    StringPromptValue,
    StrOutputParser,
    TokenUsage,
)


def llm_surface(llm: OpenAI) -> None:
    assert_type(llm.invoke("hi"), str)
    assert_type(llm.stream("hi"), Stream[str])
    assert_type(llm.astream("hi"), AsyncStream[str])
    chunks: Iterator[str] = llm.stream("hi")  # a Stream is an Iterator with close()
    achunks: AsyncIterator[str] = llm.astream("hi")  # and an AsyncIterator with aclose()
    del chunks, achunks
    assert_type(llm.batch(["a", "b"]), list[str])
    assert_type(llm.batch(["a"], return_exceptions=True), list[str | Exception])
    assert_type(llm.generate(["a"]), LLMResult)
    assert_type(llm.stream_events("hi"), Stream[StreamEvent])
    assert_type(llm.astream_events("hi", version="v1"), AsyncStream[StreamEvent])
    result = llm.generate(["a"])
    if result.llm_output is not None:
        assert_type(result.llm_output.token_usage, TokenUsage | None)
    llm.invoke("hi", stop=["\n"])
    llm.invoke(42)  # wrong: an LLM takes text, prompt values or messages
    llm.stream_events("hi", version="v3")  # wrong: only v1 and v2 exist
    OpenAI(temprature=0)  # wrong: unknown arguments are errors


async def llm_async_surface(llm: OpenAI) -> None:
    assert_type(await llm.ainvoke("hi"), str)
    assert_type(await llm.abatch(["a"]), list[str])
    assert_type(await llm.agenerate(["a"]), LLMResult)
    async with llm.astream("hi") as stream:
        async for chunk in stream:
            assert_type(chunk, str)


def events_narrow_by_match(llm: OpenAI) -> None:
    for event in llm.stream_events("hi"):
        match event:
            case LLMStreamEvent(data=data):
                assert_type(data.chunk, GenerationChunk)
            case LLMEndEvent(data=data):
                if data.output is not None:
                    assert_type(data.output, LLMResult)
            case ChainStreamEvent(data=data):
                assert_type(data.chunk, object)
            case CustomEvent(name=name):
                assert_type(name, str)
            case _:
                pass
        assert_type(msgspec.json.encode(event), bytes)


class Joke(msgspec.Struct):
    setup: str = ""


def composition_types(llm: OpenAI) -> None:
    prompt = PromptTemplate.from_template("Tell me about {topic}")
    assert_type(prompt.invoke({"topic": "x"}), StringPromptValue)
    chain = prompt | llm | StrOutputParser()
    assert_type(chain, RunnableSequence[Mapping[str, object] | str, str])
    assert_type(chain.invoke({"topic": "goldfish"}), str)
    assert_type(chain.stream({"topic": "goldfish"}), Stream[str])
    jokes = llm | JsonOutputParser(Joke)
    assert_type(jokes.invoke("a joke"), Joke)
    values = llm | JsonOutputParser()
    assert_type(values.invoke("json please"), object)

    def length(text: str) -> int:
        return len(text)

    counted = llm | length
    assert_type(counted.invoke("hi"), int)
    assert_type(RunnableLambda(length).invoke("abc"), int)
    mapped = llm | {"n": length}
    assert_type(mapped.invoke("hi"), AddableDict[int])
    prompt | length  # wrong: a prompt value is not a str


class Echo(LLM):
    def _call(self, prompt: str, stop: list[str] | None = None) -> str:
        return prompt


def custom_llm() -> None:
    assert_type(Echo().invoke("hi"), str)
    assert_type(Echo().stream("hi"), Stream[str])
