"""Chains as users build them: sequences, pipes, lambdas, parallels, prompts and parsers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Annotated, Literal, Optional, Union

import msgspec
from typing_extensions import assert_type

from rillet import (
    AddableDict,
    JsonOutputParser,
    LanguageModelInput,
    OpenAI,
    PromptTemplate,
    Runnable,
    AsyncOnlyLambda,
    AsyncStream,
    RunnableLambda,
    RunnableParallel,
    RunnableSequence,
    StringPromptValue,
    StrOutputParser,
    adispatch_custom_event,
    dispatch_custom_event,
)


class Joke(msgspec.Struct):
    setup: str = ""


def length(text: str) -> int:
    return len(text)


def takes_int(n: int) -> int:
    return n * 2


def upper_chunks(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield chunk.upper()


async def aupper_chunks(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk.upper()


def words(text: str) -> Iterator[str]:
    yield from text.split()


async def ashout(text: str) -> str:
    return text.upper()


async def alength(text: str) -> int:
    return len(text)


async def async_lambdas() -> None:
    assert_type(await RunnableLambda(ashout).ainvoke("x"), str)  # ok
    assert_type(await RunnableLambda(ashout).abatch(["x"]), list[str])  # ok
    RunnableLambda(alength).invoke("x")  # wrong: an async function runs only through ainvoke


def lambdas(llm: OpenAI) -> None:
    assert_type(RunnableLambda(length), RunnableLambda[str, int])  # ok
    assert_type(RunnableLambda(length).invoke("abc"), int)  # ok
    RunnableLambda(length).invoke(5)  # wrong: takes a str
    assert_type(RunnableLambda(upper_chunks), RunnableLambda[str, str])  # ok: a stream transformer
    assert_type(RunnableLambda(upper_chunks).invoke("abc"), str)  # ok
    assert_type(RunnableLambda(aupper_chunks), AsyncOnlyLambda[str, str])  # ok: an async transformer
    RunnableLambda(aupper_chunks).stream("abc")  # wrong: an async function runs only through the a* verbs
    RunnableLambda(words).invoke("a b")  # wrong: a generator function is handed the input stream
    assert_type(RunnableLambda(ashout), AsyncOnlyLambda[str, str])  # ok
    shout: RunnableLambda[str, str] = RunnableLambda(ashout)  # ok: an AsyncOnlyLambda is a RunnableLambda
    RunnableLambda(ashout).invoke("x")  # wrong: an async function runs only through ainvoke
    RunnableLambda(ashout).batch(["x"])  # wrong
    RunnableLambda(ashout).stream_events("x")  # wrong
    assert_type(RunnableLambda(length, alength).invoke("x"), int)  # ok: a sync function too
    assert_type(RunnableLambda(ashout).astream("x"), AsyncStream[str])  # ok
    assert_type(shout.get_name(), str)  # ok
    assert_type(RunnableLambda(ashout, name="shout").get_name(), str)  # ok
    assert_type(RunnableLambda(length, name="len"), RunnableLambda[str, int])  # ok
    assert_type(llm | upper_chunks, RunnableSequence[LanguageModelInput, str])  # ok
    llm | takes_int  # wrong: the model outputs str
    assert_type(llm | (lambda s: s.upper()), RunnableSequence[LanguageModelInput, str])  # ok[mypy]: pyright infers no lambda through |
    assert_type(llm.pipe(lambda s: s.upper()), RunnableSequence[LanguageModelInput, str])  # ok
    assert_type(RunnableLambda(length) | RunnableLambda(takes_int), RunnableSequence[str, int])  # ok
    RunnableLambda(takes_int) | RunnableLambda(length)  # wrong: int into a str step


def dispatching(text: str) -> str:
    dispatch_custom_event("progress", {"done": 1})  # ok
    dispatch_custom_event(5, {})  # wrong: the name is a str
    return text


async def adispatching(text: str) -> str:
    await adispatch_custom_event("progress", {"done": 1})  # ok
    return text


def sequences(llm: OpenAI) -> None:
    prompt = PromptTemplate.from_template("Tell me about {topic}")  # ok
    assert_type(prompt.invoke({"topic": "x"}), StringPromptValue)  # ok
    assert_type(prompt.invoke("goldfish"), StringPromptValue)  # ok: one variable, a bare value
    prompt.invoke(["topic"])  # wrong
    assert_type(prompt.format(topic="x"), str)  # ok
    chain = prompt | llm | StrOutputParser()  # ok
    assert_type(chain.invoke({"topic": "goldfish"}), str)  # ok
    chain.invoke(5)  # wrong
    assert_type(RunnableSequence(prompt, llm), RunnableSequence[Mapping[str, object] | str, str])  # ok
    assert_type(RunnableSequence(prompt, llm, StrOutputParser()).invoke("x"), str)  # ok
    wrong_seq: RunnableSequence[int, bytes] = RunnableSequence(llm, StrOutputParser())  # wrong
    RunnableSequence(llm, RunnableLambda(takes_int))  # wrong: str into an int step
    assert_type(llm.pipe(StrOutputParser()), RunnableSequence[LanguageModelInput, str])  # ok
    assert_type(llm.pipe(StrOutputParser(), length), RunnableSequence[LanguageModelInput, int])  # ok
    llm.pipe(StrOutputParser(), takes_int)  # wrong: str into an int function
    step: Runnable[str, int] = RunnableLambda(length)  # ok
    step.invoke("a")  # ok
    bad_step: Runnable[int, int] = RunnableLambda(length)  # wrong


def parsers(llm: OpenAI) -> None:
    StrOutputParser().invoke(5)  # wrong: a parser of model output takes str
    assert_type(StrOutputParser().invoke("x"), str)  # ok
    assert_type((llm | JsonOutputParser(Joke)).invoke("a joke"), Joke)  # ok
    assert_type((llm | JsonOutputParser()).invoke("json"), object)  # ok
    JsonOutputParser(int | str)  # ok: any type msgspec converts to
    JsonOutputParser(Literal["low", "high"])  # ok
    assert_type(JsonOutputParser(list[int]).invoke("[1]"), list[int])  # ok
    JsonOutputParser(Joke).invoke(5)  # wrong
    JsonOutputParser(5)  # wrong: a type, not a value
    JsonOutputParser("Joke")  # wrong: the type itself
    JsonOutputParser(Optional[int])  # ok
    JsonOutputParser(Union[int, str])  # ok
    JsonOutputParser(Joke | None)  # ok
    JsonOutputParser(Annotated[int, msgspec.Meta(ge=0)])  # ok[mypy]: pyright types Annotated[...] as no type


def parallels(llm: OpenAI, other: OpenAI) -> None:
    mapped = llm | {"n": length}  # ok
    assert_type(mapped.invoke("hi")["n"], int)  # ok
    mapped.invoke("hi")["n"].upper()  # wrong: an int
    both = RunnableParallel({"a": llm, "n": length})  # ok
    both.invoke("hi")  # ok
    assert_type(RunnableParallel(a=llm).invoke("hi"), AddableDict[str])  # ok
    assert_type(RunnableParallel({"a": llm, "b": other}).invoke("hi"), AddableDict[str])  # ok
    RunnableParallel(a=llm).invoke(5)  # wrong
    value = RunnableParallel(a=llm, n=length).invoke("hi")["a"]  # ok
    if isinstance(value, str):
        assert_type(value, str)  # ok
    RunnableParallel(a=llm, n=length).invoke("hi")["n"].upper()  # wrong: may be an int
    chained = llm | RunnableParallel(a=length, b=length)  # ok
    assert_type(chained.invoke("x"), AddableDict[int])  # ok
