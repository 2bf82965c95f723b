"""``RunnableLambda(async_fn)`` is an ``AsyncOnlyLambda``: the async verbs run it; mypy and
pyright report its sync verbs (tests/typing/corpus/composition.py), which raise ``ConfigError``
at run time (LangChain raises TypeError there). Not twinned: the sync twin of an async function
is a sync function."""

from __future__ import annotations

import copy
import pickle
from collections.abc import AsyncIterator

import pytest

from rillet import AsyncOnlyLambda, ConfigError, FakeListLLM, RunnableLambda


async def ashout(text: str) -> str:
    return text.upper()


async def aupper(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk.upper()


@pytest.mark.anyio
async def test_the_async_verbs_run_it() -> None:
    alone = RunnableLambda(ashout)
    assert type(alone) is AsyncOnlyLambda
    assert isinstance(alone, RunnableLambda)
    assert await alone.ainvoke("hi") == "HI"
    assert await alone.abatch(["a", "b"]) == ["A", "B"]
    transformer = RunnableLambda(aupper)
    assert type(transformer) is AsyncOnlyLambda
    assert [c async for c in transformer.astream("ab")] == ["AB"]
    chain = FakeListLLM(responses=["hey"]) | ashout  # coerced to an AsyncOnlyLambda step
    assert await chain.ainvoke("x") == "HEY"


def test_the_sync_verbs_are_config_errors() -> None:
    alone = RunnableLambda(ashout)
    with pytest.raises(ConfigError, match="ashout is an async function: use ainvoke"):
        alone.invoke("hi")  # type: ignore[arg-type]  # run-time check under test
    with pytest.raises(ConfigError, match="ashout is an async function"):
        alone.batch(["hi"])  # type: ignore[list-item]  # run-time check under test


def test_a_sync_function_too_makes_a_plain_lambda() -> None:
    both = RunnableLambda(str.upper, ashout)
    assert type(both) is RunnableLambda
    assert both.invoke("hi") == "HI"


def test_copies_and_pickles_keep_the_class() -> None:
    alone = RunnableLambda(ashout)
    assert type(copy.copy(alone)) is AsyncOnlyLambda
    assert type(copy.deepcopy(RunnableLambda(str.upper))) is RunnableLambda
    restored = pickle.loads(pickle.dumps(alone))
    assert type(restored) is AsyncOnlyLambda
    assert restored.get_name() == "ashout"
