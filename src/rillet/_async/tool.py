"""``@tool`` as a runnable: arguments in (a dict, or a ``ToolCall``), the function's result out
(or, for a ``ToolCall``, a ``ToolMessage`` answering that call), with LangChain's tool events."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from functools import partial
from typing import Any, Protocol

from .._aggregate import combine
from .._async_compat import run_blocking
from .._values.config import RunnableConfig
from .._values.events import UNSET, RunScope
from .._values.tools import ToolRun
from .runnable import AsyncRunnable, RunContext, collect, rule_of
from .stream import closing_iter

__all__ = ["AsyncTool", "BlockingToolFn", "ToolFn"]


class ToolFn(Protocol):
    async def __call__(self, *args: Any, **kwargs: Any) -> object: ...


class BlockingToolFn(Protocol):
    def __call__(self, *args: Any, **kwargs: Any) -> object: ...


class AsyncTool(AsyncRunnable[Any, Any]):
    """Runs a tool's function (``call`` is async; ``blocking_call`` is sync, run on a worker
    thread here) on the arguments of one call."""

    run_kind = "tool"

    def __init__(
        self,
        run: ToolRun,
        *,
        call: ToolFn | None = None,
        blocking_call: BlockingToolFn | None = None,
    ) -> None:
        self.run = run
        self.name = run.spec.name
        self._call = call
        self._blocking_call = blocking_call

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        args, kwargs, call_id = self.run.arguments(input)
        if self._call is not None:
            output = await self._call(*args, **kwargs)
        else:
            assert self._blocking_call is not None
            output = await run_blocking(partial(self._blocking_call, *args, **kwargs))
        return self.run.result(output, call_id)

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
        value = combine(
            values, rule_of(inputs)
        )  # a tool's input arrives whole (or as a parallel's dict pieces)
        scope = self._scope(config, parents, context.emit, context.version)
        if scope.emit:
            yield scope.start(value)
        try:
            output = await self._ainvoke(value, config, scope)
        except Exception:
            if scope.emit and scope.version == "v1":
                yield scope.end(None, value)
            raise
        if scope.emit and scope.version == "v1":
            yield scope.stream(output)  # LangChain's v1 reports the result as a stream event too
        yield output
        if scope.emit:
            # LangChain: the root tool run's end carries only the output; a nested one's both
            yield scope.end(output, value if parents else UNSET)
