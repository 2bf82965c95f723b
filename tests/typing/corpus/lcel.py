"""The LCEL pieces as users' code sees them (issue 9), pinned for mypy --strict (this file is
type-checked, not run)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from typing_extensions import assert_type

from rillet import (
    AddableDict,
    ExponentialJitterParams,
    JsonOutputParser,
    LanguageModelInput,
    OpenAI,
    RilletError,
    RunnableAssign,
    RunnableBranch,
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
    chain,
)


def lcel(llm: OpenAI, other: OpenAI) -> None:
    passthrough = RunnablePassthrough()
    assert_type(passthrough.invoke({"a": 1}), Any)
    assigned = RunnablePassthrough.assign(mult=lambda x: x["num"] * 3)
    assert_type(assigned, RunnableAssign)
    assert_type(assigned.invoke({"num": 1}), AddableDict)
    parallel: RunnableParallel[dict[str, int]] = RunnableParallel(
        passed=RunnablePassthrough(), modified=lambda x: x["num"] + 1
    )
    assert_type(parallel.invoke({"num": 1}), AddableDict)
    final: AddableDict | None = None
    for chunk in parallel.stream({"num": 1}):
        assert_type(chunk, AddableDict)
        final = chunk if final is None else final + chunk  # dict pieces add up
    assert_type(llm.pick("a"), RunnableSequence[LanguageModelInput, object])
    assert_type(parallel.pick(["a"]), RunnableSequence[dict[str, int], AddableDict])
    assert_type(RunnablePick("a"), RunnablePick)
    assert_type(llm.with_fallbacks([other]), RunnableWithFallbacks[LanguageModelInput, str])
    assert_type(llm.with_fallbacks([other], exceptions_to_handle=(RilletError,)).invoke("hi"), str)
    retried = llm.with_retry(stop_after_attempt=2, retry_if_exception_type=(RilletError,))
    assert_type(retried, RunnableRetry[LanguageModelInput, str])
    params: ExponentialJitterParams = {"initial": 0.1, "max": 2.0}
    llm.with_retry(wait_exponential_jitter=True, exponential_jitter_params=params)
    llm.with_retry(stop_after_attempt="3")  # wrong: an int
    llm.with_fallbacks(other)  # wrong: a list of fallbacks
    llm.with_config(run_name="model", tags=["a"])
    llm.with_config(run_nam="model")  # wrong: config keys are typed
    llm.with_config(callbacks=[object()])  # wrong: rillet has no callback handlers
    branch: RunnableBranch[int, str] = RunnableBranch(
        (lambda x: x > 0, lambda x: "positive"), lambda x: "other"
    )
    assert_type(branch.invoke(1), str)

    def double(x: int) -> int:
        return x * 2

    for pair in RunnableLambda(double).batch_as_completed([1, 2]):
        assert_type(pair, tuple[int, int])
    json_chain = llm | JsonOutputParser()
    assert_type(
        json_chain.with_fallbacks([json_chain]), RunnableWithFallbacks[LanguageModelInput, object]
    )


async def lcel_async(llm: OpenAI) -> None:
    def double(x: int) -> int:
        return x * 2

    async for index, output in RunnableLambda(double).abatch_as_completed([1, 2]):
        assert_type((index, output), tuple[int, int])
    pairs = llm.abatch_as_completed(["a"], return_exceptions=True)
    assert_type(pairs, AsyncIterator[tuple[int, str | Exception]])


def functions_with_config() -> None:
    def step(x: int, config: RunnableConfig) -> int:
        return x + 1

    assert_type(RunnableLambda(step), RunnableLambda[int, int])

    @chain
    def doubled(x: str) -> str:
        return x * 2

    assert_type(doubled, RunnableLambda[str, str])
    assert_type(doubled.invoke("a"), str)

    @chain
    async def reversed_(x: str, config: RunnableConfig) -> str:
        return x[::-1]

    assert_type(reversed_, RunnableLambda[str, str])

    def gen(chunks: Iterator[str]) -> Iterator[str]:
        yield from chunks

    assert_type(chain(gen), RunnableLambda[str, str])
