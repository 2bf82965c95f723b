"""Prompt templates and output parsers as runnables (no I/O: they live here to stream inline)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, Protocol

from .._aggregate import Rule, combine
from .._parsers import NOTHING
from .._prompts import ChatPromptValue, ChatTemplate, StringPromptValue, Template
from .._values.config import RunnableConfig
from .._values.events import UNSET, BaseEvent, RunScope
from .runnable import AsyncRunnable, RunContext, rule_of
from .stream import closing_iter

__all__ = ["AsyncOutputParser", "AsyncPromptTemplate"]


class AsyncPromptTemplate(AsyncRunnable[Any, StringPromptValue | ChatPromptValue]):
    """A string template (``Template``) or a chat template (``ChatTemplate``) as a runnable."""

    run_kind = "prompt"
    streams_when_nested = False

    def __init__(self, template: Template | ChatTemplate, *, name: str | None = None) -> None:
        self.template = template
        self.name = name

    def get_name(self) -> str:
        if self.name:
            return self.name
        return "ChatPromptTemplate" if isinstance(self.template, ChatTemplate) else "PromptTemplate"

    async def _ainvoke(
        self, input: object, config: RunnableConfig, scope: RunScope
    ) -> StringPromptValue | ChatPromptValue:
        return self.template.format(input)


class Parse(Protocol):
    def feed(self, chunk: object) -> object: ...
    def finish(self) -> tuple[object, object]: ...


class AsyncOutputParser(AsyncRunnable[Any, Any]):
    """Parses the text stream as it arrives: each input chunk may give an output chunk."""

    run_kind = "parser"

    def __init__(self, make: Callable[[], Parse], *, name: str, snapshots: bool) -> None:
        self._make = make
        self.name = name
        self.snapshots = snapshots  # each chunk is the whole value so far (JSON) or a piece

    def _chunk_rule(self, input_rule: Rule) -> Rule:
        return self.snapshots

    async def _ainvoke(self, input: object, config: RunnableConfig, scope: RunScope) -> object:
        parse = self._make()
        parse.feed(input)
        return parse.finish()[0]

    async def _atransform(
        self,
        inputs: AsyncIterator[object],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[object, None]:
        scope = self._scope(config, parents, context.emit, context.version)
        parse = self._make()
        input_rule = rule_of(inputs)
        seen: list[object] = []
        started = False
        async with closing_iter(inputs) as items:
            async for item in items:
                if isinstance(item, BaseEvent):
                    yield item
                    continue
                if not started:
                    # Like LangChain, a parser's run starts when its first input chunk arrives.
                    started = True
                    if scope.emit:
                        yield scope.start(context.input if not parents else UNSET)
                if scope.emit:
                    seen.append(item)
                output = parse.feed(item)
                if output is not NOTHING:
                    if scope.emit:
                        yield scope.stream(output)
                    yield output
        if not started and scope.emit:
            yield scope.start(context.input if not parents else UNSET)
        try:
            final, last = parse.finish()
        except Exception:
            if scope.emit and scope.version == "v1":
                yield scope.end(None, combine(seen, input_rule))
            raise
        if last is not NOTHING:
            if scope.emit:
                yield scope.stream(last)
            yield last
        if scope.emit:
            yield scope.end(final, combine(seen, input_rule))
