"""The law of DESIGN.md decision 10, tested on random chains: for every runnable ``r`` and input
``x``, the chunks of ``r.astream(x)`` combined equal ``r.ainvoke(x)``, and in ``astream_events``
(v1 and v2) every run's end output equals what invoking that run's runnable on the run's input
gives (and the root's equals ``ainvoke``). Generated into tests/_sync for stream/stream_events.

Chains are built from every runnable kind (prompts, fake LLMs and chat models, StrOutputParser, JsonOutputParser
with and without a Struct schema, lambdas, generator lambdas, parallels, passthrough, assign,
pick, bindings, fallbacks, retry, branches, nested sequences) around random JSON-like model outputs. How chunks
combine is computed here from the spec, independently of the library: snapshots (JSON parser
partials) -> the last chunk; deltas -> ``+`` (str, AddableDict pieces of a parallel).
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from rillet import (
    BaseEvent,
    EndData,
    FakeListChatModel,
    JsonOutputParser,
    PromptTemplate,
    Runnable,
    RunnableBranch,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    StreamEvent,
    StrOutputParser,
)
from rillet._facade.structured import StructuredOutputParser  # with_structured_output's parser
from tests._helpers.scripted import ScriptedLLM

pytestmark = pytest.mark.anyio

Rule = Any  # "delta", "snap", or {key: Rule} for dict pieces


class Item(msgspec.Struct, frozen=True):
    name: str = ""
    n: int = 0
    tags: list[str] = []


def _as_q(value: object) -> dict[str, object]:
    return {"q": value}


def _wrap(value: object) -> dict[str, object]:
    return {"v": value}


def _listify(value: object) -> list[object]:
    return [value]


def _length(value: object) -> int:
    return len(json.dumps(value, sort_keys=True, default=str))


def _text(value: object) -> str:
    # sorted keys: a parallel's pieces combine in arrival order, an equal dict all the same
    return json.dumps(value, sort_keys=True, default=str)[:20]


def _identity(value: object) -> object:
    return value


FUNCTIONS = {f.__name__: f for f in (_wrap, _listify, _length, _text, _identity)}


def _is_dict(value: object) -> bool:
    return isinstance(value, dict)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


CONDITIONS = {f.__name__: f for f in (_is_dict, _is_text)}


def _native(func: Any) -> Any:
    """The async twin's own spelling of a function (no worker thread per call)."""

    async def call(value: object) -> object:
        return func(value)

    return call


def _upper(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield chunk.upper()


async def _aupper(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk.upper()


def _read_final(chunks: Iterator[object]) -> Iterator[str]:
    last: object = None
    for chunk in chunks:
        last = chunk  # snapshots: the last one is the value
    text = json.dumps(last, default=str)
    yield text[: len(text) // 2]
    yield text[len(text) // 2 :]


async def _aread_final(chunks: AsyncIterator[object]) -> AsyncIterator[str]:
    last: object = None
    async for chunk in chunks:
        last = chunk
    text = json.dumps(last, default=str)
    yield text[: len(text) // 2]
    yield text[len(text) // 2 :]


def _lambda(func: Any, afunc: Any = None) -> Runnable[Any, Any]:
    runnable: Runnable[Any, Any] = RunnableLambda(func, afunc)
    return runnable


# -- specs: pure data from hypothesis, built into runnables -------------------------------------


@dataclass
class Built:
    runnable: Runnable[Any, Any]
    rule: Any  # input rule -> output rule
    named: dict[str, Runnable[Any, Any]] = field(default_factory=dict)


class Namer:
    def __init__(self) -> None:
        self.count = itertools.count()

    def __call__(self) -> str:
        return f"n{next(self.count)}"


def build(spec: Any, names: Namer) -> Built:
    kind = spec[0]
    if kind == "model":
        _, pieces, parser, fails, gen, native, chat = spec
        model: Runnable[Any, Any] = (
            FakeListChatModel(responses=["".join(pieces)])  # streams character by character
            if chat
            else ScriptedLLM(pieces, fails=fails)
        )
        steps: list[Runnable[Any, Any]] = [
            _lambda(_as_q, _native(_as_q)),
            PromptTemplate.from_template("say {q}"),
            model,
        ]
        rule: Rule = "delta"
        if parser == "str":
            steps.append(StrOutputParser())
        elif parser == "json":
            steps.append(JsonOutputParser())
            rule = "snap"
        elif parser == "struct":
            steps.append(JsonOutputParser(Item))
            rule = "snap"
        elif parser == "structured":  # with_structured_output's parser (json_schema mode)
            steps.append(StructuredOutputParser(Item))
            rule = "snap"
        if gen:
            if rule == "snap":
                steps.append(_lambda(_read_final, _aread_final if native else None))
            else:
                steps.append(_lambda(_upper, _aupper if native else None))
            rule = "delta"
        runnable = functools.reduce(operator.or_, steps)
        return _named(Built(runnable, lambda _: rule), names)
    if kind == "fn":
        func = FUNCTIONS[spec[1]]
        return _named(Built(_lambda(func, _native(func)), lambda _: "delta"), names)
    if kind == "passthrough":
        return _named(Built(RunnablePassthrough(), lambda r: r), names)
    if kind == "parallel":
        branches = {key: build(child, names) for key, child in spec[1].items()}
        parallel: Runnable[Any, Any] = RunnableParallel(
            {key: b.runnable for key, b in branches.items()}
        )
        built = Built(parallel, lambda _: {k: b.rule("delta") for k, b in branches.items()})
        for b in branches.values():
            built.named.update(b.named)
        return _named(built, names)
    if kind == "assign":
        _, source, key, child = spec
        inner = build(child, names)
        src = build(source, names)
        runnable = src.runnable | RunnablePassthrough.assign(**{key: inner.runnable})

        def assign_rule(r: Rule) -> Rule:
            before = src.rule(r)
            passed = dict(before) if isinstance(before, dict) else {}
            return {**passed, key: inner.rule("delta")}

        built = Built(runnable, assign_rule, {**src.named, **inner.named})
        return _named(built, names)
    if kind == "pick":
        _, source, keys = spec
        src = build(source, names)

        def pick_rule(r: Rule) -> Rule:
            before = src.rule(r)
            if isinstance(keys, str):
                return before.get(keys, "delta") if isinstance(before, dict) else before
            if isinstance(before, dict):
                return {k: before.get(k, "delta") for k in keys}
            return before

        return _named(Built(src.runnable.pick(keys), pick_rule, dict(src.named)), names)
    if kind == "fallbacks":
        _, parser = spec
        primary = build(("model", ["x"], parser, True, False, False, False), names)
        backup = build(("model", spec_pieces(parser), parser, False, False, False, False), names)
        runnable = primary.runnable.with_fallbacks([backup.runnable])
        built = Built(runnable, backup.rule, {**backup.named})
        return _named(built, names)
    if kind == "branch":
        _, test, yes, no = spec
        when, otherwise = build(yes, names), build(no, names)
        branch: Runnable[Any, Any] = RunnableBranch(
            (_lambda(CONDITIONS[test]), when.runnable), otherwise.runnable
        )
        return _named(Built(branch, when.rule, {**when.named, **otherwise.named}), names)
    if kind == "retry":
        inner = build(spec[1], names)
        retried = inner.runnable.with_retry(stop_after_attempt=2, wait_exponential_jitter=False)
        return _named(Built(retried, inner.rule, dict(inner.named)), names)
    if kind == "seq":
        parts = [build(child, names) for child in spec[1]]
        runnable = functools.reduce(operator.or_, [p.runnable for p in parts])

        def seq_rule(r: Rule) -> Rule:
            for p in parts:
                r = p.rule(r)
            return r

        built = Built(runnable, seq_rule)
        for p in parts:
            built.named.update(p.named)
        return _named(built, names)
    raise AssertionError(spec)


def spec_pieces(parser: str) -> list[str]:
    return ['{"name": "b', 'ackup", "n": 1}'] if parser == "struct" else ['"back', 'up"']


def _named(built: Built, names: Namer) -> Built:
    """Every node runs under a unique run name (with_config renames its runs, nothing else)."""
    name = names()
    runnable = built.runnable.with_config(run_name=name)
    built.named[name] = built.runnable
    return Built(runnable, built.rule, built.named)


# -- strategies ------------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=6,
)
ITEMS = st.builds(
    lambda name, n, tags: json.dumps({"name": name, "n": n, "tags": tags}),
    TEXT,
    st.integers(-100, 100),
    st.lists(TEXT, max_size=2),
)


@st.composite
def pieces_of(draw: st.DrawFn, text: str) -> list[str]:
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=6)))
    bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if text[a:b]]


@st.composite
def model_spec(draw: st.DrawFn) -> Any:
    parser = draw(st.sampled_from(["none", "str", "json", "struct", "structured"]))
    text = draw(ITEMS if parser in ("struct", "structured") else JSON_VALUES.map(json.dumps))
    pieces = draw(pieces_of(text))
    gen = draw(st.booleans()) if parser != "none" else False
    # a fake chat model (its chunks are AIMessageChunks; a parser reads their text)
    chat = parser == "structured" or (draw(st.booleans()) if parser != "none" else False)
    return ("model", pieces, parser, False, gen, draw(st.booleans()), chat)


KEYS = st.sampled_from(["a", "b", "c"])


def node_spec(depth: int) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        model_spec(),
        st.sampled_from(sorted(FUNCTIONS)).map(lambda name: ("fn", name)),
        st.just(("passthrough",)),
        st.sampled_from(["str", "json", "struct"]).map(lambda p: ("fallbacks", p)),
    )
    if depth == 0:
        return leaves
    child = node_spec(depth - 1)
    parallel = st.dictionaries(KEYS, child, min_size=1, max_size=3).map(
        lambda branches: ("parallel", branches)
    )
    return st.one_of(
        leaves,
        parallel,
        st.tuples(
            st.just("assign"),
            st.one_of(st.just(("fn", "_wrap")), parallel),
            st.sampled_from(["x", "y"]),
            child,
        ),
        st.tuples(
            st.just("pick"),
            parallel,
            st.one_of(KEYS, st.lists(KEYS, min_size=1, max_size=2, unique=True)),
        ),
        st.lists(child, min_size=2, max_size=3).map(lambda steps: ("seq", steps)),
        st.tuples(
            st.just("branch"),
            st.sampled_from(sorted(CONDITIONS)),
            # the options of a branch stream the same kind of chunks: deltas here
            st.sampled_from(sorted(FUNCTIONS)).map(lambda name: ("fn", name)),
            st.sampled_from(sorted(FUNCTIONS)).map(lambda name: ("fn", name)),
        ),
        st.tuples(st.just("retry"), child),
    )


CHAINS = node_spec(2)
INPUTS = JSON_VALUES


# -- combining, as a user would ---------------------------------------------------------------


def combine(chunks: list[object], rule: Rule) -> object:
    if not chunks:
        return None
    if rule == "snap":
        return chunks[-1]
    return functools.reduce(operator.add, chunks)


def plain(value: object) -> object:
    """Compare dict subclasses (AddableDict) and dicts alike."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def check_events(
    built: Built, value: object, expected: object, version: str, *, runs: bool
) -> None:
    events: list[StreamEvent] = [
        e
        async for e in built.runnable.astream_events(value, version=version)  # type: ignore[arg-type]  # "v1" or "v2"
    ]
    assert all(isinstance(e, BaseEvent) for e in events)
    root_end = events[-1].data
    assert isinstance(root_end, EndData)
    assert plain(root_end.output) == plain(expected)
    if not runs:
        return
    for event in events:
        data = event.data
        node = built.named.get(event.name)
        if node is None or not isinstance(data, EndData) or data.input is msgspec.UNSET:
            continue
        again = await node.ainvoke(data.input)
        assert plain(data.output) == plain(again), event.name


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=CHAINS, value=INPUTS)
async def test_stream_adds_up_to_invoke(spec: Any, value: object) -> None:
    built = build(spec, Namer())
    expected = await built.runnable.ainvoke(value)
    chunks = [chunk async for chunk in built.runnable.astream(value)]
    assert plain(combine(chunks, built.rule("delta"))) == plain(expected)
    await check_events(built, value, expected, "v2", runs=True)
    await check_events(built, value, expected, "v1", runs=False)


async def test_json_parser_then_lambda_is_not_merged_as_deltas() -> None:
    """The issue's silent wrong answer: JSON parser snapshots were summed like deltas."""
    llm = ScriptedLLM(['{"count": 2, "na', 'mes": ["France", "Sp', 'ain"]}'])
    chain = llm | JsonOutputParser() | RunnableLambda(lambda d: d)
    expected = {"count": 2, "names": ["France", "Spain"]}
    assert await chain.ainvoke("x") == expected
    assert [c async for c in chain.astream("x")] == [expected]
    events = [e async for e in (llm | JsonOutputParser()).astream_events("x")]
    end = events[-1].data
    assert isinstance(end, EndData)
    assert end.output == expected
