"""The LLM runnable: string in, text out, streamed token by token when the model can.

``AsyncBaseLLM`` holds the logic every LLM shares (input coercion, the stream loop, the one-chunk
fallback, partial text on errors); a provider implements two hooks. ``AsyncUserLLM`` adapts the
methods of a user's custom ``rillet.LLM`` subclass to those hooks.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from functools import partial
from typing import Literal, Protocol, overload

from .. import _tracing
from .._abort import Resources
from .._aggregate import combine
from .._async_compat import iterate_blocking, run_blocking
from .._values.config import RunnableConfig, ensure_config
from .._values.errors import ConfigError, InvalidInputError, RilletError
from .._values.events import BaseEvent, LLMInput, RunScope, Version
from .._values.inputs import (
    ChatInput,
    LanguageModelInput,
    PromptValue,
    chat_messages,
    to_prompt,
)
from .._values.options import (
    NO_OPTIONS,
    CallOptions,
    SequenceNotStr,
    Stop as CallStop,
    check_batch_inputs,
    check_stop,
)
from .._values.outputs import Generation, GenerationBuilder, GenerationChunk, LLMResult
from .runnable import AsyncRunnable, RunContext, collect, rule_of
from .stream import AsyncBatchStream, AsyncStream, closing_iter

__all__ = ["AsyncBaseLLM", "AsyncUserLLM"]

Stop = list[str] | None
# What reaches a provider: a prompt string, or (for chat APIs) the messages themselves.
Prompt = ChatInput


class AsyncBaseLLM(AsyncRunnable[LanguageModelInput, str]):
    """An LLM: ``ainvoke``/``abatch``/``astream``/``agenerate``.

    Providers implement ``_generate_prompts`` (a finished result for some prompts) and, when they
    can stream, ``_stream_generation`` (chunks of one prompt, fed into a ``GenerationBuilder``,
    yielded in lists: all those of one network read at once) with ``streams = True``. A model
    that cannot stream streams one chunk: the final output.
    """

    streams: bool = False
    takes_messages: bool = False
    call_options: CallOptions = NO_OPTIONS
    """The call-time options this model takes besides ``stop`` (checked on every call)."""
    run_kind = "llm"

    def __init__(self, *, name: str) -> None:
        self.name = name
        # Arguments fixed by bind(stop=..., **overrides): used when the LLM runs inside a chain.
        self.bound_stop: Stop = None
        self.bound_overrides: Mapping[str, object] = {}
        # What closes the HTTP client this twin uses when its event loop ends (see the
        # facade's HTTPModel): held here, so every stream of this twin keeps it alive.
        self.close_guard: object = None

    def bind(self, stop: CallStop, options: Mapping[str, object]) -> AsyncBaseLLM:
        """A copy that runs with these call arguments (LangChain's ``llm.bind(stop=[...])``);
        unknown or ill-typed options raise ``InvalidOptionError``."""
        return self._with_args(*self._call_args(stop, options))

    def _with_args(self, stop: Stop, overrides: Mapping[str, object]) -> AsyncBaseLLM:
        """A copy that runs with these (already checked) call arguments."""
        clone = copy.copy(self)
        clone.bound_stop = stop
        clone.bound_overrides = overrides
        return clone

    def _ls_params(self) -> dict[str, object]:
        """LangSmith-style ``ls_*`` metadata that model runs add to their events."""
        return {"ls_provider": self.get_name().lower(), "ls_model_type": "llm"}

    def _scope(
        self, config: RunnableConfig, parents: tuple[str, ...], emit: bool, version: Version
    ) -> RunScope:
        scope = super()._scope(config, parents, emit, version)
        if emit:
            scope.metadata.update(self._ls_params())
            if self.bound_stop:
                scope.metadata["ls_stop"] = self.bound_stop
        return scope

    def _prompt(self, input: object) -> Prompt:
        """The prompt a provider gets: message lists stay messages for chat APIs
        (``takes_messages``); everything else becomes the prompt string LangChain would send."""
        if (
            self.takes_messages
            and isinstance(input, Sequence)
            and not isinstance(input, (str, PromptValue))
        ):
            return chat_messages(input)  # validated once, roles spelled as chat APIs spell them
        return to_prompt(input)

    def _call_args(
        self, stop: CallStop, kwargs: Mapping[str, object]
    ) -> tuple[Stop, Mapping[str, object]]:
        """A call's ``stop`` replaces the bound one; its options (checked against
        ``call_options``) override bound ones."""
        name = self.get_name()
        options = self.call_options.check(name, kwargs)
        stop_list = self.bound_stop if stop is None else check_stop(name, stop)
        return stop_list, {**self.bound_overrides, **options} if options else self.bound_overrides

    async def _collect(
        self, prompt: Prompt, stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        """Generate by streaming: drain one prompt's stream into a result."""
        builder = GenerationBuilder()
        async with closing_iter(
            self._stream_generation(prompt, stop, overrides, builder, Resources())
        ) as chunks:
            async for _ in chunks:
                pass
        return builder.result()

    # -- provider hooks -------------------------------------------------------------------

    async def _generate_prompts(
        self, prompts: list[Prompt], stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        raise NotImplementedError

    def _stream_generation(
        self,
        prompt: Prompt,
        stop: Stop,
        overrides: Mapping[str, object],
        builder: GenerationBuilder,
        resources: Resources,
    ) -> AsyncIterator[list[GenerationChunk]]:
        """Yield the chunks (with text) of candidate 0 in non-empty lists (those of one network
        read together); feed every candidate into ``builder``."""
        raise NotImplementedError

    # -- the Runnable surface ------------------------------------------------------------------

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: object,
    ) -> str:
        conf = ensure_config(config)
        sink = conf.get("callbacks")
        if sink is not None and sink.emit:
            # Invoked by a function with the config it received, under events: a child run of
            # the function's run (start and end events, no stream events, as LangChain's).
            model = self.bind(stop, kwargs) if stop is not None or kwargs else self
            text: str = await AsyncRunnable.ainvoke(model, input, conf)
            return text
        stop, overrides = self._call_args(stop, kwargs)
        prompt = self._prompt(input)
        if _tracing.active():  # the run's events make the span: invoke as a runnable does
            text = await self._with_args(stop, overrides)._traced_invoke(prompt, conf)
            return text if text is not None else ""  # no chunk: the empty text
        result = await self._generate_prompts([prompt], stop, overrides)
        return result.generations[0][0].text

    async def _ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig, scope: RunScope
    ) -> str:
        result = await self._generate_prompts(
            [self._prompt(input)], self.bound_stop, self.bound_overrides
        )
        return result.generations[0][0].text

    async def agenerate(
        self, prompts: SequenceNotStr[str], *, stop: CallStop = None, **kwargs: object
    ) -> LLMResult:
        """Generate for each prompt: ``result.generations[i]`` holds the candidates of prompt i,
        ``result.llm_output`` the token usage and model name."""
        check_batch_inputs(prompts, "generate() takes a list of prompt strings")
        if not all(isinstance(p, str) for p in prompts):
            raise InvalidInputError(
                f"generate() takes a list of prompt strings, got {prompts!r}; "
                "for a single prompt use invoke()"
            )
        stop, overrides = self._call_args(stop, kwargs)
        if not prompts:
            return LLMResult(generations=[])
        if _tracing.active():
            return await self._with_args(stop, overrides)._traced_generate(list(prompts))
        return await self._generate_prompts(list(prompts), stop, overrides)

    async def _traced_generate(self, prompts: list[Prompt]) -> LLMResult:
        """``agenerate`` as one traced run: one request for all the prompts, as untraced."""
        recorder = _tracing.start(streaming=False)
        if recorder is None:
            return await self._generate_prompts(prompts, self.bound_stop, self.bound_overrides)
        scope = self._scope({}, (), True, "v2")
        llm_input = LLMInput([to_prompt(p) for p in prompts])
        recorder.on_event(scope.llm_start(llm_input))
        try:
            result = await self._generate_prompts(prompts, self.bound_stop, self.bound_overrides)
        except BaseException as exc:
            recorder.finish(exc, closed_early=False)
            raise
        recorder.on_event(scope.llm_end(result, llm_input))
        recorder.finish(None, closed_early=False)
        return result

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: object,
    ) -> AsyncStream[str]:
        """Stream the text as it is generated, one str per token (never an empty str)."""
        conf = ensure_config(config)
        sink = conf.get("callbacks")
        if sink is not None and sink.emit:  # streamed by a function with its config: a child run
            model = self.bind(stop, kwargs) if stop is not None or kwargs else self
            return AsyncRunnable.astream(model, input, conf)
        prompt = self._prompt(input)
        stop, overrides = self._call_args(stop, kwargs)
        if _tracing.active():  # the run's events make the spans: stream as a runnable does
            traced = self._with_args(stop, overrides)
            return AsyncStream(partial(traced._stream_outputs, prompt, conf))
        return AsyncBatchStream(partial(self._stream_texts, prompt, stop, overrides))

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
        stop: CallStop = None,
        **kwargs: object,
    ) -> list[str]: ...

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        stop: CallStop = None,
        **kwargs: object,
    ) -> list[str | Exception]: ...

    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        stop: CallStop = None,
        **kwargs: object,
    ) -> list[str] | list[str | Exception]:
        """One request per input, ``config["max_concurrency"]`` at a time; see AsyncRunnable.
        ``stop`` and call options apply to every input."""
        target = self.bind(stop, kwargs) if stop is not None or kwargs else self
        if return_exceptions:
            return await AsyncRunnable.abatch(target, inputs, config, return_exceptions=True)
        return await AsyncRunnable.abatch(target, inputs, config)

    # -- streaming -----------------------------------------------------------------------------

    async def _stream_texts(
        self, prompt: Prompt, stop: Stop, overrides: Mapping[str, object], resources: Resources
    ) -> AsyncGenerator[list[str], None]:
        """The text of one run (what ``astream`` hands out), a non-empty list per network read.
        Providers whose reader can yield the text itself override it (no chunk per token)."""
        async with closing_iter(
            self._stream_chunks_of(prompt, stop, overrides, GenerationBuilder(), resources)
        ) as batches:
            async for batch in batches:
                yield [chunk.text for chunk in batch]

    async def _atransform(
        self,
        inputs: AsyncIterator[LanguageModelInput | BaseEvent],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[str | BaseEvent, None]:
        """As a step (or under astream_events): collect the prompt, then stream the text."""
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        value = combine(values, rule_of(inputs))
        prompt = self._prompt(value)
        scope = self._scope(config, parents, context.emit, context.version)
        llm_input = LLMInput([to_prompt(value)])
        if scope.emit:
            yield scope.llm_start(llm_input)
        builder = GenerationBuilder()
        stop, overrides = self.bound_stop, self.bound_overrides
        streams = scope.emit and not context.invoked  # a traced invoke: no stream events
        chunks = (
            self._one_chunk(prompt, stop, overrides, builder)
            if context.invoked  # a traced invoke makes invoke's request
            else self._stream_chunks_of(prompt, stop, overrides, builder, context.resources)
        )
        try:
            async with closing_iter(chunks) as batches:
                async for batch in batches:
                    for chunk in batch:
                        if streams:
                            yield scope.llm_stream(chunk)
                        yield chunk.text
        except Exception:
            if scope.emit and scope.version == "v1":
                yield scope.llm_end(None, llm_input)  # LangChain v1 ends a failed run too
            raise
        if scope.emit:
            yield scope.llm_end(builder.result(), llm_input)

    def _stream_chunks_of(
        self,
        prompt: Prompt,
        stop: Stop,
        overrides: Mapping[str, object],
        builder: GenerationBuilder,
        resources: Resources,
    ) -> AsyncIterator[list[GenerationChunk]]:
        """The chunks of one run, a list per network read: the provider's stream itself (no
        extra generator level on the per-token path; its errors already carry the partial
        text), or the fallback.

        When it ends, ``builder`` holds the whole run (``builder.result()``).
        """
        if self.streams:
            return self._stream_generation(prompt, stop, overrides, builder, resources)
        return self._one_chunk(prompt, stop, overrides, builder)

    async def _one_chunk(
        self,
        prompt: Prompt,
        stop: Stop,
        overrides: Mapping[str, object],
        builder: GenerationBuilder,
    ) -> AsyncIterator[list[GenerationChunk]]:
        """LangChain's fallback for a model that cannot stream: one chunk, the final output."""
        result = await self._generate_prompts([prompt], stop, overrides)
        generations = result.generations[0] if result.generations else []
        _fill(builder, generations, result)
        text = builder.text(0)
        if text:
            yield [GenerationChunk(text, generations[0].generation_info if generations else None)]


def _fill(builder: GenerationBuilder, generations: list[Generation], result: LLMResult) -> None:
    for index, generation in enumerate(generations):
        builder.add_text(index, generation.text)
        info = generation.generation_info
        if info is not None and info.finish_reason is not None:
            builder.finish(index, info.finish_reason)
    if result.llm_output is not None:
        builder.usage = result.llm_output.token_usage
        builder.model_name = result.llm_output.model_name
        builder.system_fingerprint = result.llm_output.system_fingerprint


# -- custom LLMs: the user writes one method on rillet.LLM -----------------------------------------


class CallHook(Protocol):
    async def __call__(self, prompt: str, stop: Stop, /) -> str: ...


class StreamHook(Protocol):
    def __call__(self, prompt: str, stop: Stop, /) -> AsyncIterator[GenerationChunk | str]: ...


class BlockingCallHook(Protocol):
    def __call__(self, prompt: str, stop: Stop, /) -> str: ...


class BlockingStreamHook(Protocol):
    def __call__(self, prompt: str, stop: Stop, /) -> Iterator[GenerationChunk | str]: ...


def _as_chunk(item: GenerationChunk | str) -> GenerationChunk:
    if isinstance(item, GenerationChunk):
        return item
    if isinstance(item, str):
        return GenerationChunk(item)
    raise InvalidInputError(
        f"a custom LLM's stream must yield str or GenerationChunk, got {type(item).__name__}"
    )


class AsyncUserLLM(AsyncBaseLLM):
    """Runs a user's custom LLM from whichever methods it defines.

    ``call``/``stream`` are the user's methods native to this twin (``_acall``/``_astream`` here);
    ``blocking_call``/``blocking_stream`` are the sync ones (``_call``/``_stream``), run on a worker
    thread when no native method exists. Streaming prefers the native stream, then the blocking
    stream; with neither, the stream is one chunk: the final output.
    """

    def __init__(
        self,
        *,
        name: str,
        call: CallHook | None,
        stream: StreamHook | None,
        blocking_call: BlockingCallHook | None,
        blocking_stream: BlockingStreamHook | None,
    ) -> None:
        super().__init__(name=name)
        if call is None and stream is None and blocking_call is None and blocking_stream is None:
            raise ConfigError(
                f"{name} implements none of _call, _acall, _stream, _astream: "
                "a custom LLM must implement at least _call (or _stream)"
            )
        self._call_hook = call
        self._stream_hook = stream
        self._blocking_call = blocking_call
        self._blocking_stream = blocking_stream
        self.streams = stream is not None or blocking_stream is not None

    def _chunks(self, prompt: str, stop: Stop) -> AsyncIterator[GenerationChunk | str]:
        if self._stream_hook is not None:
            return self._stream_hook(prompt, stop)
        assert self._blocking_stream is not None
        return iterate_blocking(self._blocking_stream(prompt, stop))

    async def _generate_prompts(
        self, prompts: list[Prompt], stop: Stop, overrides: Mapping[str, object]
    ) -> LLMResult:
        generations: list[list[Generation]] = []
        for prompt in prompts:
            text_prompt = to_prompt(prompt)
            if self._call_hook is not None:
                text = await self._call_hook(text_prompt, stop)
            elif self._blocking_call is not None:
                text = await run_blocking(self._blocking_call, text_prompt, stop)
            else:
                generations.append((await self._collect(prompt, stop, overrides)).generations[0])
                continue
            if not isinstance(text, str):
                raise InvalidInputError(
                    f"{self.get_name()}._call must return a str, got {type(text).__name__}"
                )
            generations.append([Generation(text)])
        return LLMResult(generations=generations)

    async def _stream_generation(
        self,
        prompt: Prompt,
        stop: Stop,
        overrides: Mapping[str, object],
        builder: GenerationBuilder,
        resources: Resources,
    ) -> AsyncGenerator[list[GenerationChunk], None]:
        try:
            async with closing_iter(self._chunks(to_prompt(prompt), stop)) as items:
                async for item in items:
                    chunk = _as_chunk(item)
                    builder.add_chunk(0, chunk)
                    if chunk.text:
                        yield [chunk]
        except RilletError as exc:
            if not exc.partial_text:  # keep what the user's stream produced before failing
                exc.partial_text = builder.text(0)
            raise
