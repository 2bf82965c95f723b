"""Composition: sequences (``a | b``), parallel maps (``{"x": a, "y": b}``) and lambdas."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from .._aggregate import aggregate
from .._async_compat import gather_limited, iterate_blocking, run_blocking
from .._values.config import RunnableConfig, child_config
from .._values.events import UNSET, BaseEvent, RunScope, current_run
from .runnable import AsyncRunnable, RunContext, collect, once
from .stream import closing_iter

__all__ = ["AsyncRunnableLambda", "AsyncRunnableParallel", "AsyncRunnableSequence"]

AnyRunnable = AsyncRunnable[Any, Any]


class AsyncRunnableSequence(AsyncRunnable[Any, Any]):
    """Steps run in order, each streaming into the next as chunks arrive."""

    def __init__(self, steps: Sequence[AnyRunnable], *, name: str | None = None) -> None:
        self.steps = list(steps)
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableSequence"

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
        seen: list[object] = []
        if scope.emit:
            # A root sequence knows its input; a nested one learns it as its input streams in.
            yield scope.start(context.input if not parents else UNSET)
            if parents:
                inputs = _recording(inputs, seen)
        stream: AsyncIterator[object] = inputs
        for index, step in enumerate(self.steps, start=1):
            step_config = child_config(config, tags=[f"seq:step:{index}"])
            stream = step._atransform(stream, step_config, context, scope.child_parents())
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
                yield scope.end(None, context.input if not parents else aggregate(seen))
            raise
        if scope.emit:
            yield scope.end(aggregate(outputs), context.input if not parents else aggregate(seen))


async def _recording(inputs: AsyncIterator[object], seen: list[object]) -> AsyncIterator[object]:
    async with closing_iter(inputs) as items:
        async for item in items:
            if not isinstance(item, BaseEvent):
                seen.append(item)
            yield item


class AsyncRunnableParallel(AsyncRunnable[Any, dict[str, Any]]):
    """Each branch gets the same input; the output is ``{key: branch output}``.

    ``ainvoke`` runs the branches concurrently. Streaming and events run them one after another
    (inline, so no task or queue is needed) and stream ``{key: chunk}`` pieces.
    """

    def __init__(self, steps: Mapping[str, AnyRunnable], *, name: str | None = None) -> None:
        self.steps = dict(steps)
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableParallel<" + ",".join(self.steps) + ">"

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
        return dict(zip(keys, results, strict=True))

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[dict[str, Any] | BaseEvent, None]:
        values: list[object] = []
        async for event in collect(inputs, values):
            yield event
        value = aggregate(values)
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        outputs: dict[str, list[object]] = {}
        for key, step in self.steps.items():
            branch = step._atransform(
                once(value),
                child_config(config, tags=[f"map:key:{key}"]),
                context,
                scope.child_parents(),
            )
            async with closing_iter(branch) as items:
                async for item in items:
                    if isinstance(item, BaseEvent):
                        yield item
                        continue
                    outputs.setdefault(key, []).append(item)
                    piece = {key: item}
                    if scope.emit:
                        yield scope.stream(piece)
                    yield piece
        if scope.emit:
            yield scope.end({key: aggregate(chunks) for key, chunks in outputs.items()}, value)


# -- lambdas ---------------------------------------------------------------------------------


class CallFn(Protocol):
    async def __call__(self, value: Any, /) -> Any: ...


class BlockingCallFn(Protocol):
    def __call__(self, value: Any, /) -> Any: ...


class TransformFn(Protocol):
    def __call__(self, values: AsyncIterator[Any], /) -> AsyncIterator[Any]: ...


class BlockingTransformFn(Protocol):
    def __call__(self, values: Iterator[Any], /) -> Iterator[Any]: ...


class AsyncRunnableLambda(AsyncRunnable[Any, Any]):
    """Runs a user function as a step.

    A function (``call``; ``blocking_call`` is a sync one, run on a worker thread here) gets the
    whole input; a generator function (``transform``) gets an iterator of input chunks and
    streams output chunks. Custom events it dispatches are delivered in order.
    """

    def __init__(
        self,
        *,
        name: str,
        call: CallFn | None = None,
        blocking_call: BlockingCallFn | None = None,
        transform: TransformFn | None = None,
        blocking_transform: BlockingTransformFn | None = None,
    ) -> None:
        self.name = name
        self._call = call
        self._blocking_call = blocking_call
        self._transform = transform
        self._blocking_transform = blocking_transform

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        token = current_run.set(scope)
        try:
            if self._call is not None:
                return await self._call(input)
            if self._blocking_call is not None:
                return await run_blocking(self._blocking_call, input)
        finally:
            current_run.reset(token)
        outputs: list[object] = []
        async with closing_iter(self._run_transform(once(input), scope)) as items:
            async for item in items:
                if not isinstance(item, BaseEvent):
                    outputs.append(item)
        return aggregate(outputs)

    async def _run_transform(
        self, inputs: AsyncIterator[object], scope: RunScope
    ) -> AsyncIterator[object]:
        if self._transform is not None:
            produced = self._transform(inputs)
        else:
            assert self._blocking_transform is not None
            # A sync generator cannot pull from an async input: give it the collected input.
            values: list[object] = [item async for item in inputs]
            produced = iterate_blocking(self._blocking_transform(iter([aggregate(values)])))
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

        async with closing_iter(self._run_transform(values(), scope)) as items:
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
            yield scope.end(aggregate(outputs), aggregate(seen))
