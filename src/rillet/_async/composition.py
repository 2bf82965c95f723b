"""Composition: sequences (``a | b``), parallel maps (``{"x": a, "y": b}``), lambdas, and the
LCEL pieces around them (passthrough, assign, pick, fallbacks, retry, branch).

Every runnable here states how its output chunks combine (``_chunk_rule``, DESIGN.md decision
10), and every place that combines chunks (a step that needs its whole input, a run's end event)
uses the rule of the stream it combines.

``RunnableParallel`` runs its branches concurrently in every mode. Streaming does it in rounds
(``Merge`` in the compat seam, DESIGN.md decision 1): each round pulls every branch at once within
one call and returns; only then does the generator yield, so no task and no cancel scope is ever
open across a ``yield``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from functools import partial
from typing import Any

from .._aggregate import AddableDict, Rule, combine, pick_rule
from .._async_compat import Merge, gather_limited, iterate_blocking, run_blocking, sleep
from .._values.config import RunnableConfig, child_config
from .._values.errors import ConfigError
from .._values.events import STREAM_EVENTS, UNSET, BaseEvent, RunScope, current_run
from .runnable import AsyncRunnable, RuledStream, RunContext, collect, once, rule_of
from .stream import closing_iter

__all__ = [
    "AsyncRunnableAssign",
    "AsyncRunnableBranch",
    "AsyncRunnableLambda",
    "AsyncRunnableParallel",
    "AsyncRunnablePassthrough",
    "AsyncRunnablePick",
    "AsyncRunnableRetry",
    "AsyncRunnableSequence",
    "AsyncRunnableWithFallbacks",
]

AnyRunnable = AsyncRunnable[Any, Any]


async def _child_run(
    step: AnyRunnable,
    value: object,
    config: RunnableConfig,
    context: RunContext,
    parents: tuple[str, ...],
    result: list[object],
) -> AsyncIterator[BaseEvent]:
    """Invoke ``step`` on a whole input as a child run: its events pass on (no ``*_stream``
    events: it is invoked, as LangChain invokes a branch's conditions), its combined output lands
    in ``result``."""
    values: list[object] = []
    async with closing_iter(step._atransform(once(value), config, context, parents)) as items:
        async for item in items:
            if isinstance(item, BaseEvent):
                if not isinstance(item, STREAM_EVENTS):
                    yield item
            else:
                values.append(item)
    result.append(combine(values, step._chunk_rule(False)))


async def _started_on_first(
    inputs: AsyncIterator[object], start: Callable[[], BaseEvent], seen: list[object]
) -> AsyncIterator[object]:
    """The input stream of a nested run that starts when its first input chunk arrives (as in
    LangChain, after the step before it started): the start event goes first, then the items;
    the chunks are recorded in ``seen``."""
    started = False
    async with closing_iter(inputs) as items:
        async for item in items:
            if not isinstance(item, BaseEvent):
                if not started:
                    started = True
                    yield start()
                seen.append(item)
            yield item
    if not started:
        yield start()


class AsyncRunnableSequence(AsyncRunnable[Any, Any]):
    """Steps run in order, each streaming into the next as chunks arrive."""

    def __init__(self, steps: Sequence[AnyRunnable], *, name: str | None = None) -> None:
        self.steps = list(steps)
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableSequence"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        rule = input_rule
        for step in self.steps:
            rule = step._chunk_rule(rule)
        return rule

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        value = input
        parents = scope.child_parents()
        for index, step in enumerate(self.steps, start=1):
            value = await step._arun(
                value, child_config(config, tags=[f"seq:step:{index}"]), parents
            )
        return value

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        scope = self._scope(config, parents, context.emit, context.version)
        input_rule = rule_of(inputs)
        seen: list[object] = []
        stream: AsyncIterator[object] = inputs
        if scope.emit:
            if not parents:
                yield scope.start(context.input)
            else:
                # Nested: it starts when its input does (after the step before it started).
                stream = _started_on_first(inputs, scope.start, seen)
                if input_rule is not False:
                    stream = RuledStream(stream, input_rule)
        rule = input_rule
        last = len(self.steps)
        for index, step in enumerate(self.steps, start=1):
            step_config = child_config(config, tags=[f"seq:step:{index}"])
            stream = step._atransform(stream, step_config, context, scope.child_parents())
            rule = step._chunk_rule(rule)
            if index < last and rule is not False:
                stream = RuledStream(stream, rule)
        outputs: list[object] = []
        try:
            async with closing_iter(stream) as items:
                async for item in items:
                    if isinstance(item, BaseEvent):
                        yield item
                        continue
                    if scope.emit:
                        outputs.append(item)
                        yield scope.stream(item)
                    yield item
        except Exception:
            if scope.emit and scope.version == "v1":
                yield scope.end(None, context.input if not parents else combine(seen, input_rule))
            raise
        if scope.emit:
            yield scope.end(
                combine(outputs, rule),
                context.input if not parents else combine(seen, input_rule),
            )


class AsyncRunnableParallel(AsyncRunnable[Any, dict[str, Any]]):
    """Each branch gets the same input; the output is ``{key: branch output}``.

    All modes run the branches concurrently. Streaming yields ``AddableDict`` pieces
    ``{key: chunk}`` as the branches produce them (see ``Merge`` for the rounds).
    """

    def __init__(self, steps: Mapping[str, AnyRunnable], *, name: str | None = None) -> None:
        self.steps = dict(steps)
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableParallel<" + ",".join(self.steps) + ">"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        return {key: step._chunk_rule(False) for key, step in self.steps.items()}

    async def _ainvoke(
        self, input: object, config: RunnableConfig, scope: RunScope
    ) -> dict[str, Any]:
        parents = scope.child_parents()
        keys = list(self.steps)
        results = await gather_limited(
            [
                partial(
                    self.steps[key]._arun,
                    input,
                    child_config(config, tags=[f"map:key:{key}"]),
                    parents,
                )
                for key in keys
            ],
            limit=config.get("max_concurrency"),
        )
        return AddableDict(zip(keys, results, strict=True))

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[dict[str, Any] | BaseEvent, None]:
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        value = combine(values, rule_of(inputs))
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        async with closing_iter(self._branches(value, config, context, scope)) as items:
            async for item in items:
                yield item

    async def _branches(
        self, value: object, config: RunnableConfig, context: RunContext, scope: RunScope
    ) -> AsyncGenerator[dict[str, Any] | BaseEvent, None]:
        keys = list(self.steps)
        rules = {key: step._chunk_rule(False) for key, step in self.steps.items()}
        marks = {key: frozenset((key,)) if rules[key] is True else frozenset[str]() for key in keys}
        outputs: dict[str, list[object]] = {key: [] for key in keys}
        merge = Merge(
            [
                self.steps[key]._atransform(
                    once(value),
                    child_config(config, tags=[f"map:key:{key}"]),
                    context,
                    scope.child_parents(),
                )
                for key in keys
            ]
        )
        try:
            while merge.live:
                live = list(merge.live)
                for index, item in await merge.next_round():
                    if isinstance(item, BaseEvent):
                        yield item
                        continue
                    key = keys[index]
                    outputs[key].append(item)
                    piece = AddableDict({key: item}, snapshot_keys=marks[key])
                    if scope.emit:
                        yield scope.stream(piece)
                    yield piece
                for index in live:
                    key = keys[index]
                    if index not in merge.live and not outputs[key]:
                        # A branch that streamed nothing still has its key (None), as in invoke.
                        outputs[key].append(None)
                        piece = AddableDict({key: None})
                        if scope.emit:
                            yield scope.stream(piece)
                        yield piece
        finally:
            await merge.aclose()
        if scope.emit:
            yield scope.end(
                AddableDict(
                    {key: combine(outputs[key], rules[key]) for key in keys},
                    snapshot_keys=frozenset(k for k in keys if rules[k] is True),
                ),
                value,
            )


# -- lambdas ---------------------------------------------------------------------------------


class AsyncRunnableLambda(AsyncRunnable[Any, Any]):
    """Runs a user function as a step.

    A function (``call``; ``blocking_call`` is a sync one, run on a worker thread here) gets the
    whole input; a generator function (``transform``) gets an iterator of input chunks and
    streams output chunks (deltas: they add up with ``+``, a chunk without ``+`` replaces the
    one before). With ``takes_config`` the function also gets ``config``: runnables it runs
    with that config are children of this run in events. Custom events it dispatches and its
    children's events are delivered in order, when it next yields or returns.
    """

    def __init__(
        self,
        *,
        name: str,
        call: Callable[..., Any] | None = None,
        blocking_call: Callable[..., Any] | None = None,
        transform: Callable[..., AsyncIterator[Any]] | None = None,
        blocking_transform: Callable[..., Any] | None = None,
        takes_config: bool = False,
    ) -> None:
        self.name = name
        self._call = call
        self._blocking_call = blocking_call
        self._transform = transform
        self._blocking_transform = blocking_transform
        self._takes_config = takes_config

    def _args(self, value: object, config: RunnableConfig, scope: RunScope) -> tuple[object, ...]:
        return (value, scope.function_config(config)) if self._takes_config else (value,)

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        token = current_run.set(scope)
        try:
            if self._call is not None:
                return await self._call(*self._args(input, config, scope))
            if self._blocking_call is not None:
                return await run_blocking(self._blocking_call, *self._args(input, config, scope))
        finally:
            current_run.reset(token)
        outputs: list[object] = []
        async with closing_iter(self._run_transform(once(input), False, config, scope)) as items:
            async for item in items:
                if not isinstance(item, BaseEvent):
                    outputs.append(item)
        return combine(outputs, False)

    async def _run_transform(
        self,
        inputs: AsyncIterator[object],
        input_rule: Rule,
        config: RunnableConfig,
        scope: RunScope,
    ) -> AsyncIterator[object]:
        if self._transform is not None:
            produced = self._transform(*self._args(inputs, config, scope))
        else:
            assert self._blocking_transform is not None
            # A sync generator cannot pull from an async input: give it the collected input.
            values: list[object] = [item async for item in inputs]
            whole = iter([combine(values, input_rule)])
            produced = iterate_blocking(self._blocking_transform(*self._args(whole, config, scope)))
        async with closing_iter(produced) as outputs:
            while True:
                token = current_run.set(scope)
                try:
                    output = await outputs.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    current_run.reset(token)
                for event in scope.take_custom():
                    yield event
                yield output
        for event in scope.take_custom():
            yield event

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        if self._transform is None and self._blocking_transform is None:
            async with closing_iter(super()._atransform(inputs, config, context, parents)) as items:
                async for item in items:
                    yield item
            return
        scope = self._scope(config, parents, context.emit, context.version)
        input_rule = rule_of(inputs)
        seen: list[object] = []
        pending: list[BaseEvent] = []
        started = False
        outputs: list[object] = []

        async def values() -> AsyncIterator[object]:
            # The user's generator sees input chunks only; upstream events wait in `pending`
            # and go out with the next output (a user generator cannot pass them on itself).
            nonlocal started
            async with closing_iter(inputs) as items:
                async for item in items:
                    if isinstance(item, BaseEvent):
                        pending.append(item)
                        continue
                    if not started:
                        started = True
                        if scope.emit:
                            pending.append(scope.start(context.input if not parents else UNSET))
                    seen.append(item)
                    yield item

        async with closing_iter(self._run_transform(values(), input_rule, config, scope)) as items:
            async for item in items:
                if pending:
                    for event in pending:
                        yield event
                    pending.clear()
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                outputs.append(item)
                if scope.emit:
                    yield scope.stream(item)
                yield item
        for event in pending:
            yield event
        if scope.emit:
            if not started:
                yield scope.start(context.input if not parents else UNSET)
            yield scope.end(combine(outputs, False), combine(seen, input_rule))


# -- passthrough, assign, pick ------------------------------------------------------------------


class AsyncRunnablePassthrough(AsyncRunnable[Any, Any]):
    """Its input, unchanged, streamed chunk by chunk as it arrives."""

    def get_name(self) -> str:
        return self.name or "RunnablePassthrough"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        return input_rule

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        return input

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        scope = self._scope(config, parents, context.emit, context.version)
        rule = rule_of(inputs)
        seen: list[object] = []
        started = False
        async with closing_iter(inputs) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                if scope.emit:
                    if not started:
                        started = True
                        yield scope.start(context.input if not parents else UNSET)
                    seen.append(item)
                    yield scope.stream(item)
                yield item
        if scope.emit:
            if not started:
                yield scope.start(context.input if not parents else UNSET)
            whole = combine(seen, rule)
            yield scope.end(whole, whole)


class AsyncRunnableAssign(AsyncRunnable[Any, dict[str, Any]]):
    """``RunnablePassthrough.assign(**steps)``: the input dict plus the outputs of ``mapper``
    (a parallel) on it. Streams the input's pieces as they arrive (when they are dict pieces),
    then the mapper's pieces."""

    def __init__(self, mapper: AsyncRunnableParallel, *, name: str | None = None) -> None:
        self.mapper = mapper
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableAssign<" + ",".join(self.mapper.steps) + ">"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        mapped = self.mapper._chunk_rule(False)
        assert isinstance(mapped, Mapping)
        passed = dict(input_rule) if isinstance(input_rule, Mapping) else {}
        return {**passed, **mapped}

    async def _ainvoke(
        self, input: object, config: RunnableConfig, scope: RunScope
    ) -> dict[str, Any]:
        mapping = _dict_input(self.get_name(), input)
        mapped = await self.mapper._arun(input, child_config(config), scope.child_parents())
        return AddableDict({**mapping, **mapped})

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[dict[str, Any] | BaseEvent, None]:
        scope = self._scope(config, parents, context.emit, context.version)
        rule = rule_of(inputs)
        # Dict pieces (a parallel's) pass on as they come; other input streams combine first.
        forward = isinstance(rule, Mapping)
        mapped_keys = self.mapper.steps.keys()
        seen: list[object] = []
        outputs: list[dict[str, Any]] = []
        started = False
        async with closing_iter(inputs) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                if not started:
                    started = True
                    if scope.emit:
                        yield scope.start(context.input if not parents else UNSET)
                seen.append(item)
                if forward:
                    piece = _without(_dict_input(self.get_name(), item), mapped_keys)
                    if piece:
                        outputs.append(piece)
                        if scope.emit:
                            yield scope.stream(piece)
                        yield piece
        if not started and scope.emit:
            yield scope.start(context.input if not parents else UNSET)
        value = combine(seen, rule)
        mapping = _dict_input(self.get_name(), value)
        if not forward:
            piece = _without(mapping, mapped_keys)
            outputs.append(piece)
            if scope.emit:
                yield scope.stream(piece)
            yield piece
        mapper_scope = self.mapper._scope(
            child_config(config), scope.child_parents(), context.emit, context.version
        )
        if mapper_scope.emit:
            yield mapper_scope.start(value)
        async with closing_iter(
            self.mapper._branches(value, child_config(config), context, mapper_scope)
        ) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                outputs.append(item)
                if scope.emit:
                    yield scope.stream(item)
                yield item
        if scope.emit:
            yield scope.end(combine(outputs, False), value)


def _dict_input(name: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{name} takes a dict input (it adds keys to it), got {type(value).__name__}"
        )
    return value


def _without(mapping: Mapping[str, Any], keys: Any) -> AddableDict:
    marks = mapping.snapshot_keys if isinstance(mapping, AddableDict) else frozenset[str]()
    piece = AddableDict({k: v for k, v in mapping.items() if k not in keys})
    piece.snapshot_keys = marks & piece.keys()
    return piece


class AsyncRunnablePick(AsyncRunnable[Any, Any]):
    """``runnable.pick(keys)``: one key's value (``keys`` a str) or a dict of some keys."""

    def __init__(self, keys: str | Sequence[str], *, name: str | None = None) -> None:
        self.keys = keys
        self.name = name

    def get_name(self) -> str:
        if self.name:
            return self.name
        keys = [self.keys] if isinstance(self.keys, str) else self.keys
        return "RunnablePick<" + ",".join(keys) + ">"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        if isinstance(self.keys, str):
            return pick_rule(input_rule, self.keys)
        if isinstance(input_rule, Mapping):
            return {key: pick_rule(input_rule, key) for key in self.keys}
        return input_rule

    def _pick(self, value: object) -> object:
        mapping = _dict_input(self.get_name(), value)
        if isinstance(self.keys, str):
            return mapping.get(self.keys)
        marks = mapping.snapshot_keys if isinstance(mapping, AddableDict) else frozenset[str]()
        picked = AddableDict({k: mapping[k] for k in self.keys if k in mapping})
        picked.snapshot_keys = marks & picked.keys()
        return picked

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        return self._pick(input)

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        rule = rule_of(inputs)
        if not isinstance(rule, Mapping) and rule is not True:
            # Whole dicts (deltas of dicts replace each other): pick from the combined input.
            async with closing_iter(super()._atransform(inputs, config, context, parents)) as items:
                async for item in items:
                    yield item
            return
        scope = self._scope(config, parents, context.emit, context.version)
        seen: list[object] = []
        outputs: list[object] = []
        started = False
        async with closing_iter(inputs) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                if not started:
                    started = True
                    if scope.emit:
                        yield scope.start(context.input if not parents else UNSET)
                seen.append(item)
                picked = self._pick(item)
                if picked is None or (not isinstance(self.keys, str) and not picked):
                    continue
                outputs.append(picked)
                if scope.emit:
                    yield scope.stream(picked)
                yield picked
        if not outputs and not isinstance(self.keys, str):
            empty = AddableDict()  # none of the keys: {} as invoke gives, not nothing
            outputs.append(empty)
            if scope.emit:
                yield scope.stream(empty)
            yield empty
        if scope.emit:
            if not started:
                yield scope.start(context.input if not parents else UNSET)
            yield scope.end(combine(outputs, self._chunk_rule(rule)), combine(seen, rule))


# -- fallbacks, retry, branch -----------------------------------------------------------------


class AsyncRunnableWithFallbacks(AsyncRunnable[Any, Any]):
    """``runnable.with_fallbacks([...])``: the first runnable that does not fail with one of
    ``exceptions``. A stream switches to the next only before its first chunk; after that the
    error propagates (carrying the partial text)."""

    def __init__(
        self,
        runnables: Sequence[AnyRunnable],
        exceptions: tuple[type[BaseException], ...],
        *,
        name: str | None = None,
    ) -> None:
        self.runnables = list(runnables)
        self.exceptions = exceptions
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableWithFallbacks"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        rules = [r._chunk_rule(False) for r in self.runnables]
        if any(rule != rules[0] for rule in rules):
            raise ConfigError(
                "a runnable and its fallbacks must stream the same kind of chunks (all deltas, "
                "like text, or all snapshots, like JSON parser partials): got "
                + ", ".join(r.get_name() for r in self.runnables)
            )
        return rules[0]

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        first: BaseException | None = None
        for runnable in self.runnables:
            try:
                return await runnable._arun(input, child_config(config), scope.child_parents())
            except self.exceptions as exc:
                first = first or exc
        assert first is not None
        raise first

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        rule = self._chunk_rule(False)
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        value = combine(values, rule_of(inputs))
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        first: BaseException | None = None
        outputs: list[object] = []
        for runnable in self.runnables:
            stream = runnable._atransform(
                once(value), child_config(config), context, scope.child_parents()
            )
            try:
                async with closing_iter(stream) as items:
                    async for item in items:
                        if isinstance(item, BaseEvent):
                            yield item
                            continue
                        outputs.append(item)
                        if scope.emit:
                            yield scope.stream(item)
                        yield item
            except self.exceptions as exc:
                if outputs:
                    raise  # a stream that has begun is not replayed by another runnable
                first = first or exc
                continue
            if scope.emit:
                yield scope.end(combine(outputs, rule), value)
            return
        assert first is not None
        raise first


class AsyncRunnableRetry(AsyncRunnable[Any, Any]):
    """``runnable.with_retry(...)``: runs again (up to ``attempts`` in all) when it fails with one
    of ``exceptions``, waiting exponentially longer (with jitter) between attempts. A stream is
    retried only before its first chunk."""

    def __init__(
        self,
        bound: AnyRunnable,
        *,
        attempts: int,
        exceptions: tuple[type[BaseException], ...],
        wait: Callable[[int], float],
    ) -> None:
        self.bound = bound
        self.attempts = attempts
        self.exceptions = exceptions
        self.wait = wait

    def get_name(self) -> str:
        return self.name or "RunnableRetry"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        return self.bound._chunk_rule(input_rule)

    def _attempt_config(self, config: RunnableConfig, attempt: int) -> RunnableConfig:
        return child_config(config, tags=[f"retry:attempt:{attempt}"] if attempt > 1 else [])

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        for attempt in range(1, self.attempts + 1):
            try:
                return await self.bound._arun(
                    input, self._attempt_config(config, attempt), scope.child_parents()
                )
            except self.exceptions:
                if attempt == self.attempts:
                    raise
            await sleep(self.wait(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        value = combine(values, rule_of(inputs))
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        outputs: list[object] = []
        for attempt in range(1, self.attempts + 1):
            stream = self.bound._atransform(
                once(value), self._attempt_config(config, attempt), context, scope.child_parents()
            )
            try:
                async with closing_iter(stream) as items:
                    async for item in items:
                        if isinstance(item, BaseEvent):
                            yield item
                            continue
                        outputs.append(item)
                        if scope.emit:
                            yield scope.stream(item)
                        yield item
            except self.exceptions:
                if outputs or attempt == self.attempts:
                    raise
                await sleep(self.wait(attempt))
                continue
            break
        if scope.emit:
            yield scope.end(combine(outputs, self._chunk_rule(False)), value)


class AsyncRunnableBranch(AsyncRunnable[Any, Any]):
    """``RunnableBranch((condition, runnable), ..., default)``: runs the runnable of the first
    condition that is true of the input, else ``default``; streams it."""

    def __init__(
        self,
        branches: Sequence[tuple[AnyRunnable, AnyRunnable]],
        default: AnyRunnable,
        *,
        name: str | None = None,
    ) -> None:
        self.branches = list(branches)
        self.default = default
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableBranch"

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        rules = [r._chunk_rule(False) for _, r in self.branches] + [self.default._chunk_rule(False)]
        if any(rule != rules[0] for rule in rules):
            raise ConfigError(
                "the runnables of a RunnableBranch must stream the same kind of chunks (all "
                "deltas, like text, or all snapshots, like JSON parser partials)"
            )
        return rules[0]

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        parents = scope.child_parents()
        for index, (condition, runnable) in enumerate(self.branches, start=1):
            if await condition._arun(
                input, child_config(config, tags=[f"condition:{index}"]), parents
            ):
                return await runnable._arun(
                    input, child_config(config, tags=[f"branch:{index}"]), parents
                )
        return await self.default._arun(
            input, child_config(config, tags=["branch:default"]), parents
        )

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        value = combine(values, rule_of(inputs))
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        chosen, tag = self.default, "branch:default"
        for index, (condition, runnable) in enumerate(self.branches, start=1):
            result: list[object] = []
            async with closing_iter(
                _child_run(
                    condition,
                    value,
                    child_config(config, tags=[f"condition:{index}"]),
                    context,
                    scope.child_parents(),
                    result,
                )
            ) as events:
                async for event in events:
                    yield event
            if result[0]:
                chosen, tag = runnable, f"branch:{index}"
                break
        outputs: list[object] = []
        stream = chosen._atransform(
            once(value), child_config(config, tags=[tag]), context, scope.child_parents()
        )
        async with closing_iter(stream) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                outputs.append(item)
                if scope.emit:
                    yield scope.stream(item)
                yield item
        if scope.emit:
            yield scope.end(combine(outputs, self._chunk_rule(False)), value)
