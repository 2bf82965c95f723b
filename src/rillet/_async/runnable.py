"""``AsyncRunnable``: the Runnable protocol (invoke, batch, stream, events) with LangChain's defaults.

Every runnable is one async generator, ``_atransform``: it pulls its input items (with the events
of the steps before it mixed in) and yields its output chunks with its own events mixed in, in
order. Composition nests these generators, so events flow inline with the chunks: no task, no
queue, and closing the outermost stream closes every inner generator and the HTTP response.
Under plain ``astream`` the same generators run with events off and build no event object.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from functools import partial
from typing import Generic, Literal, TypeVar, overload

from .. import _tracing
from .._abort import Resources
from .._aggregate import Rule, combine
from .._async_compat import Merge, gather_limited
from .._values.config import RunnableConfig, config_list, ensure_config, merge_configs
from .._values.events import (
    STREAM_EVENTS,
    BaseEvent,
    EventFilter,
    RunKind,
    RunScope,
    StreamEvent,
    Version,
    check_version,
)
from .._values.options import SequenceNotStr, check_batch_inputs
from .stream import AsyncStream, closing_iter

__all__ = [
    "AsyncRunnable",
    "AsyncRunnableBinding",
    "RuledStream",
    "RunContext",
    "collect",
    "once",
    "rule_of",
]

Input = TypeVar("Input")
Output = TypeVar("Output")
T = TypeVar("T")


class RunContext:
    """What every run of one ``astream``/``astream_events`` call shares."""

    __slots__ = ("emit", "input", "invoked", "resources", "version")

    def __init__(
        self,
        *,
        resources: Resources,
        emit: bool,
        version: Version,
        input: object,
        invoked: bool = False,
    ) -> None:
        self.resources = resources
        self.emit = emit
        self.version: Version = version
        self.input = input
        self.invoked = invoked
        """A traced invoke: models make their non-streaming request and report no stream
        events (LangChain's invoke without a streaming handler)."""


async def once(value: T) -> AsyncIterator[T]:
    yield value


class RuledStream(Generic[T]):
    """A step's output stream whose chunks do not simply add up (a rule other than deltas, see
    ``_aggregate.Rule``): the step after it reads the rule with ``rule_of`` to combine them."""

    __slots__ = ("_items", "rule")

    def __init__(self, items: AsyncIterator[T], rule: Rule) -> None:
        self._items = items
        self.rule = rule

    def __aiter__(self) -> RuledStream[T]:
        return self

    async def __anext__(self) -> T:
        return await self._items.__anext__()

    async def aclose(self) -> None:
        close = getattr(self._items, "aclose", None)
        if close is not None:
            await close()


def rule_of(inputs: AsyncIterator[object]) -> Rule:
    """How the chunks of an input stream combine (deltas unless the stream says otherwise)."""
    return inputs.rule if isinstance(inputs, RuledStream) else False


async def collect(inputs: AsyncIterator[object], values: list[object]) -> AsyncIterator[BaseEvent]:
    """Pull every input item into ``values``, passing on the events that come with them.

    An invoke-style step needs its whole input before it starts: ``async for event in
    collect(inputs, values): yield event`` keeps the earlier steps' events flowing meanwhile.
    """
    async with closing_iter(inputs) as items:
        async for item in items:
            if isinstance(item, BaseEvent):
                yield item
            else:
                values.append(item)


class AsyncRunnable(Generic[Input, Output]):
    """A unit of work that can be invoked, batched and streamed, with typed events.

    Subclasses implement ``_ainvoke`` (the whole output from the whole input). The default
    ``_atransform`` collects the input, emits start, invokes, emits the output as one chunk and
    end; streaming runnables override ``_atransform``.
    """

    name: str | None = None
    run_kind: RunKind = "chain"
    # LangChain reports no stream event for an invoke-only step such as a prompt template,
    # except for a root run in v1 (langchain-core 1.8.3: a root PromptTemplate gives
    # start/stream/end in v1, start/end in v2).
    streams_when_nested: bool = True
    # Invoked by a function with its config under events, a run reports start and end only;
    # a chat model streams (LangChain's chat models stream under a streaming handler).
    invoke_streams_events: bool = False

    def get_name(self) -> str:
        return self.name or type(self).__name__

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        """How this runnable's output chunks combine, given how its input chunks do (DESIGN.md
        decision 10): deltas by default; snapshot streams (JSON parsers) say so."""
        return False

    def _scope(
        self, config: RunnableConfig, parents: tuple[str, ...], emit: bool, version: Version
    ) -> RunScope:
        return RunScope(
            kind=self.run_kind,
            name=self.get_name(),
            config=config,
            parent_ids=parents,
            emit=emit,
            version=version,
        )

    # -- invoke --------------------------------------------------------------------------------

    async def ainvoke(self, input: Input, config: RunnableConfig | None = None) -> Output:
        conf = ensure_config(config)
        sink = conf.get("callbacks")
        if sink is None:
            if _tracing.active():
                return await self._traced_invoke(input, conf)
            return await self._arun(input, conf, ())
        if not sink.emit:
            return await self._arun(input, conf, sink.parent_ids)
        # Invoked by a function with the config it received, under events: run as a child of
        # the function's run, its events handed to that run (RunSink).
        context = RunContext(resources=Resources(), emit=True, version=sink.version, input=input)
        values: list[object] = []
        async with closing_iter(
            self._atransform(once(input), conf, context, sink.parent_ids)
        ) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    if self.invoke_streams_events or not isinstance(item, STREAM_EVENTS):
                        sink.events.append(item)
                else:
                    values.append(item)
        return combine(values, self._chunk_rule(False))  # type: ignore[return-value]  # the combined Output chunks

    async def _traced_invoke(self, input: Input, config: RunnableConfig) -> Output:
        """``ainvoke`` with tracing on: the run tree runs with its events going to the recorder
        (as ``astream`` does), each model making the request ``ainvoke`` makes."""
        recorder = _tracing.start(streaming=False)
        if recorder is None:
            return await self._arun(input, config, ())
        values: list[object] = []
        traced = self._traced_outputs(input, config, Resources(), recorder, invoked=True)
        async with closing_iter(traced) as outputs:
            async for output in outputs:
                values.append(output)
        return combine(values, self._chunk_rule(False))  # type: ignore[return-value]  # the combined Output chunks

    async def _arun(self, input: Input, config: RunnableConfig, parents: tuple[str, ...]) -> Output:
        """Invoke as a run of its own (a child of ``parents``), without events."""
        return await self._ainvoke(input, config, self._scope(config, parents, False, "v2"))

    async def _ainvoke(self, input: Input, config: RunnableConfig, scope: RunScope) -> Output:
        raise NotImplementedError(f"{type(self).__name__} must implement _ainvoke")

    # -- stream --------------------------------------------------------------------------------

    def astream(self, input: Input, config: RunnableConfig | None = None) -> AsyncStream[Output]:
        """Stream the output in chunks; the returned stream is also a context manager."""
        return AsyncStream(partial(self._stream_outputs, input, ensure_config(config)))

    async def _stream_outputs(
        self, input: Input, config: RunnableConfig, resources: Resources
    ) -> AsyncGenerator[Output, None]:
        sink = config.get("callbacks")
        if sink is None:
            recorder = _tracing.start()
            if recorder is not None:
                traced = self._traced_outputs(input, config, resources, recorder)
                async with closing_iter(traced) as outputs:
                    async for output in outputs:
                        yield output
                return
        emit = sink is not None and sink.emit
        context = RunContext(
            resources=resources,
            emit=emit,
            version=sink.version if sink is not None else "v2",
            input=input,
        )
        parents = sink.parent_ids if sink is not None else ()
        async with closing_iter(self._atransform(once(input), config, context, parents)) as items:
            async for item in items:
                if not isinstance(item, BaseEvent):
                    yield item
                elif sink is not None:
                    sink.events.append(item)  # streamed by a function: its run hands them on

    async def _traced_outputs(
        self,
        input: Input,
        config: RunnableConfig,
        resources: Resources,
        recorder: _tracing.RunRecorder,
        *,
        invoked: bool = False,
    ) -> AsyncGenerator[Output, None]:
        """``astream`` (or, ``invoked``, ``ainvoke``) with tracing on: the run's events go to
        the recorder, not the caller."""
        context = RunContext(
            resources=resources, emit=True, version="v2", input=input, invoked=invoked
        )
        error: BaseException | None = None
        closed_early = False
        try:
            async with closing_iter(self._atransform(once(input), config, context, ())) as items:
                async for item in items:
                    if isinstance(item, BaseEvent):
                        recorder.on_event(item)
                    else:
                        yield item
        except GeneratorExit:
            closed_early = True
            raise
        except BaseException as exc:
            error = exc
            raise
        finally:
            recorder.finish(error, closed_early=closed_early)

    def astream_events(
        self,
        input: Input,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: SequenceNotStr[str] | None = None,
        include_types: SequenceNotStr[str] | None = None,
        include_tags: SequenceNotStr[str] | None = None,
        exclude_names: SequenceNotStr[str] | None = None,
        exclude_types: SequenceNotStr[str] | None = None,
        exclude_tags: SequenceNotStr[str] | None = None,
    ) -> AsyncStream[StreamEvent]:
        """Stream typed events from every step of the run, in order (see LangChain's
        astream_events). ``version="v1"`` has no parent ids and no custom events."""
        checked = check_version(version, "astream_events")
        event_filter = EventFilter(
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
        )
        return AsyncStream(
            partial(self._stream_events, input, ensure_config(config), checked, event_filter)
        )

    async def _stream_events(
        self,
        input: Input,
        config: RunnableConfig,
        version: Version,
        event_filter: EventFilter,
        resources: Resources,
    ) -> AsyncGenerator[StreamEvent, None]:
        context = RunContext(resources=resources, emit=True, version=version, input=input)
        recorder = _tracing.start() if version == "v2" else None
        error: BaseException | None = None
        closed_early = False
        try:
            async with closing_iter(self._atransform(once(input), config, context, ())) as items:
                async for item in items:
                    if isinstance(item, BaseEvent):
                        if recorder is not None:
                            recorder.on_event(item)
                        if event_filter.accepts(item):
                            yield item  # type: ignore[misc]  # every BaseEvent made here is a StreamEvent
        except GeneratorExit:
            closed_early = True
            raise
        except BaseException as exc:
            error = exc
            raise
        finally:
            if recorder is not None:
                recorder.finish(error, closed_early=closed_early)

    async def _atransform(
        self,
        inputs: AsyncIterator[Input | BaseEvent],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[Output | BaseEvent, None]:
        """Invoke-style: collect the input, then start, output (one chunk), end."""
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        value = combine(values, rule_of(inputs))
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        try:
            output = await self._ainvoke(value, config, scope)  # type: ignore[arg-type]  # the aggregate of Input chunks is an Input
        except Exception:
            if scope.emit and scope.version == "v1":
                yield scope.end(None, value)  # LangChain v1 ends a failed run with output None
            raise
        for event in scope.take_custom():
            yield event
        if scope.emit and (self.streams_when_nested or (not parents and scope.version == "v1")):
            yield scope.stream(output)
        yield output
        if scope.emit:
            yield scope.end(output, value)

    # -- batch ---------------------------------------------------------------------------------

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> list[Output]: ...

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
    ) -> list[Output | Exception]: ...

    async def abatch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
    ) -> list[Output] | list[Output | Exception]:
        """``ainvoke`` each input, at most ``config["max_concurrency"]`` at a time (default: all).

        With ``return_exceptions=True`` a failing input yields its exception in its own slot and
        the others still complete; otherwise the first failure cancels the rest and is raised.
        """
        check_batch_inputs(inputs)
        configs = config_list(config, len(inputs))
        if not configs:
            return []
        limit = configs[0].get("max_concurrency")
        if not return_exceptions:
            return await gather_limited(
                [
                    partial(self.ainvoke, item, conf)
                    for item, conf in zip(inputs, configs, strict=True)
                ],
                limit=limit,
            )

        async def isolated(item: Input, conf: RunnableConfig) -> Output | Exception:
            try:
                return await self.ainvoke(item, conf)
            except Exception as exc:
                return exc

        return await gather_limited(
            [partial(isolated, item, conf) for item, conf in zip(inputs, configs, strict=True)],
            limit=limit,
        )

    async def abatch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
    ) -> AsyncGenerator[tuple[int, Output | Exception], None]:
        """``(index, output)`` pairs in the order the inputs complete.

        ``config["max_concurrency"]`` inputs run at once (default: all); each group's results
        come in completion order once the whole group is done (``Merge``: no task outlives an
        await, so none is left running while the caller holds a result).
        """
        check_batch_inputs(inputs)
        configs = config_list(config, len(inputs))
        if not configs:
            return
        limit = configs[0].get("max_concurrency") or len(inputs)
        for start in range(0, len(inputs), limit):
            merge = Merge(
                [
                    self._invoked(index, inputs[index], configs[index], return_exceptions)
                    for index in range(start, min(start + limit, len(inputs)))
                ]
            )
            try:
                while merge.live:
                    for _, pair in await merge.next_round():
                        yield pair
            finally:
                await merge.aclose()

    async def _invoked(
        self, index: int, input: Input, config: RunnableConfig, return_exceptions: bool
    ) -> AsyncIterator[tuple[int, Output | Exception]]:
        try:
            output: Output | Exception = await self.ainvoke(input, config)
        except Exception as exc:
            if not return_exceptions:
                raise
            output = exc
        yield (index, output)


class AsyncRunnableBinding(AsyncRunnable[Input, Output]):
    """``with_config(...)``: the same runnable with config merged into every call (no run of
    its own, as in LangChain)."""

    def __init__(self, bound: AsyncRunnable[Input, Output], config: RunnableConfig) -> None:
        self.bound = bound
        self.config = config
        self.run_kind = bound.run_kind
        self.streams_when_nested = bound.streams_when_nested

    def get_name(self) -> str:
        return self.bound.get_name()  # run_name names the run (in events), not the runnable

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        return self.bound._chunk_rule(input_rule)

    # The entry points merge first, so a bound ``callbacks`` (the config a function received,
    # ``with_config(config)``) makes the call that function's child, as a call's own does.

    async def ainvoke(self, input: Input, config: RunnableConfig | None = None) -> Output:
        return await self.bound.ainvoke(input, merge_configs(self.config, ensure_config(config)))

    def astream(self, input: Input, config: RunnableConfig | None = None) -> AsyncStream[Output]:
        """Stream the output in chunks; the returned stream is also a context manager."""
        return self.bound.astream(input, merge_configs(self.config, ensure_config(config)))

    async def _arun(self, input: Input, config: RunnableConfig, parents: tuple[str, ...]) -> Output:
        return await self.bound._arun(input, merge_configs(self.config, config), parents)

    def _atransform(
        self,
        inputs: AsyncIterator[Input | BaseEvent],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[Output | BaseEvent, None]:
        return self.bound._atransform(inputs, merge_configs(self.config, config), context, parents)
