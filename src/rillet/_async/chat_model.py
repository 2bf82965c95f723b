"""The chat-model runnable: messages in, an ``AIMessage`` out, streamed as ``AIMessageChunk``s.

``AsyncBaseChatModel`` holds what every chat model shares: input coercion (a str, message
structs, ``(role, content)`` tuples, role dicts, a prompt value -> a message list), the stream
loop (chunk ids ``lc_run--<run id>``, a trailing ``chunk_position="last"`` chunk when the model
sent none), the one-chunk fallback of a model that cannot stream, ``on_chat_model_*`` events with
LangChain's ``ls_*`` metadata, invoke/batch/generate.

Extension points (a provider's chat model subclasses it):

- ``streams = True`` and ``_stream_reply(messages, stop, overrides, resources)``: the chunks of
  one reply, usage as deltas, ``response_metadata`` where the provider says it. Chunks must be
  fresh objects (the base sets a missing ``id`` in place). A provider that reads a network
  stream also overrides ``_stream_reply_batches`` (same chunks, in lists: all those of one network
  read together, so the stream loop resumes once per read, not once per chunk).
- ``_generate_reply(messages, stop, overrides) -> AIMessage | AIMessageChunk``: one finished
  reply (a non-streamed request). By default it drains ``_stream_reply`` (the sum, a chunk). A
  chunk is a reply whose tool calls may lack ids: the run gives it its message id first, then
  ``to_message()`` derives the missing call ids from it (``default_call_id``), as a stream's sum
  does.
- ``_ls_params()``: add ``ls_model_name``, ``ls_temperature``, ``ls_max_tokens``...; the class
  attribute ``ls_provider`` names the provider (``"openai"``); default: the lower-cased name.
- ``bind(stop, overrides)`` returns a copy with call arguments fixed (``bound_stop``,
  ``bound_overrides``), as ``AsyncBaseLLM.bind`` does.

``AsyncUserChatModel`` adapts a user's ``rillet.BaseChatModel`` subclass (one method: ``_stream``
or ``_generate``, sync or async) to those hooks.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Literal, Protocol, overload

import msgspec

from .. import _tracing
from .._abort import Resources
from .._aggregate import combine
from .._async_compat import gather_limited, iterate_blocking, run_blocking
from .._values.chat_outputs import ChatGeneration, ChatResult
from .._values.config import RunnableConfig, ensure_config
from .._values.errors import ConfigError, InvalidInputError, RilletError
from .._values.events import BaseEvent, ChatModelInput, RunScope, Version
from .._values.inputs import LanguageModelInput
from .._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    ChunkAccumulator,
    ToolCallChunk,
    coerce_messages,
)
from .._values.options import (
    NO_OPTIONS,
    CallOptions,
    SequenceNotStr,
    Stop as CallStop,
    check_stop,
)
from .._values.outputs import LLMOutput, TokenUsage
from .runnable import AsyncRunnable, RunContext, collect, rule_of
from .stream import AsyncBatchStream, AsyncStream, closing_iter, one_each

__all__ = ["AsyncBaseChatModel", "AsyncUserChatModel"]

Stop = list[str] | None
_set = msgspec.structs.force_setattr


class AsyncBaseChatModel(AsyncRunnable[LanguageModelInput, AIMessage]):
    """A chat model: ``ainvoke``/``abatch``/``astream``/``agenerate`` (see the module docstring)."""

    streams: bool = False
    run_kind = "chat_model"
    invoke_streams_events = True
    ls_provider: str | None = None
    call_options: CallOptions = NO_OPTIONS
    """The call-time options this model takes besides ``stop`` (checked on every call)."""

    def __init__(self, *, name: str) -> None:
        self.name = name
        self.bound_stop: Stop = None
        self.bound_overrides: Mapping[str, object] = {}

    def bind(self, stop: CallStop, options: Mapping[str, object]) -> AsyncBaseChatModel:
        """A copy that runs with these call arguments (LangChain's ``model.bind(stop=[...])``);
        unknown or ill-typed options raise ``InvalidOptionError``."""
        return self._with_args(*self._call_args(stop, options))

    def _with_args(self, stop: Stop, overrides: Mapping[str, object]) -> AsyncBaseChatModel:
        """A copy that runs with these (already checked) call arguments."""
        clone = copy.copy(self)
        clone.bound_stop = stop
        clone.bound_overrides = overrides
        return clone

    def _ls_params(self) -> dict[str, object]:
        """LangSmith-style ``ls_*`` metadata of this model's runs."""
        return {
            "ls_provider": self.ls_provider or self.get_name().lower(),
            "ls_model_type": "chat",
        }

    def _scope(
        self, config: RunnableConfig, parents: tuple[str, ...], emit: bool, version: Version
    ) -> RunScope:
        scope = super()._scope(config, parents, emit, version)
        if emit:
            scope.metadata.update(self._ls_params())
            if self.bound_stop:
                scope.metadata["ls_stop"] = self.bound_stop
        return scope

    def _call_args(
        self, stop: CallStop, kwargs: Mapping[str, object]
    ) -> tuple[Stop, Mapping[str, object]]:
        """A call's ``stop`` replaces the bound one; its options (checked against
        ``call_options``) override bound ones."""
        name = self.get_name()
        options = self.call_options.check(name, kwargs)
        stop_list = self.bound_stop if stop is None else check_stop(name, stop)
        return stop_list, {**self.bound_overrides, **options} if options else self.bound_overrides

    @staticmethod
    def _messages(input: object) -> list[AnyMessage]:
        return coerce_messages(input)

    # -- provider hooks -------------------------------------------------------------------------

    async def _generate_reply(
        self, messages: list[AnyMessage], stop: Stop, overrides: Mapping[str, object]
    ) -> AIMessage | AIMessageChunk:
        """One finished reply. The default drains the stream (the sum of its chunks)."""
        if not self.streams:
            raise NotImplementedError(f"{type(self).__name__} must implement _generate_reply")
        accumulator = ChunkAccumulator()
        async with closing_iter(
            self._stream_reply_batches(messages, stop, overrides, Resources())
        ) as batches:
            async for batch in batches:
                for chunk in batch:
                    accumulator.add(chunk)
        return accumulator.chunk()

    def _stream_reply(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncIterator[AIMessageChunk]:
        """The chunks of one reply (when ``streams``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _stream_reply")

    def _stream_reply_batches(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncIterator[list[AIMessageChunk]]:
        """``_stream_reply``'s chunks in non-empty lists; by default one chunk each."""
        return one_each(self._stream_reply(messages, stop, overrides, resources))

    # -- the Runnable surface -------------------------------------------------------------------

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: object,
    ) -> AIMessage:
        conf = ensure_config(config)
        sink = conf.get("callbacks")
        if sink is not None and sink.emit:
            # Invoked by a function with the config it received, under events: a child run of
            # the function's run, streamed (as LangChain's chat models under a streaming handler).
            model: AsyncRunnable[Any, Any] = (
                self.bind(stop, kwargs) if stop is not None or kwargs else self
            )
            chunk: object = await AsyncRunnable.ainvoke(model, input, conf)
            assert isinstance(chunk, AIMessageChunk)
            return chunk.to_message()
        stop, overrides = self._call_args(stop, kwargs)
        messages = self._messages(input)
        if _tracing.active():  # the run's events make the span: invoke as a runnable does
            return await self._with_args(stop, overrides)._traced_reply(messages, conf)
        message = await self._generate_reply(messages, stop, overrides)
        return _identified(message, conf.get("run_id"))

    async def _traced_reply(self, messages: list[AnyMessage], config: RunnableConfig) -> AIMessage:
        """One reply as a traced run (its request is ``invoke``'s)."""
        chunk: object = await self._traced_invoke(messages, config)
        assert isinstance(chunk, AIMessageChunk)
        return chunk.to_message()

    async def _ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig, scope: RunScope
    ) -> AIMessage:
        message = await self._generate_reply(
            self._messages(input), self.bound_stop, self.bound_overrides
        )
        return _identified(message, scope.run_id)

    async def agenerate(
        self,
        messages: Sequence[Sequence[object]],
        *,
        stop: CallStop = None,
        **kwargs: object,
    ) -> ChatResult:
        """A reply to each message list: ``result.generations[i][0].message``; ``llm_output``
        sums the usage."""
        if isinstance(messages, str) or not all(
            isinstance(m, Sequence) and not isinstance(m, str) for m in messages
        ):
            raise InvalidInputError(
                f"generate() takes a list of message lists, got {messages!r}; "
                "for a single conversation use invoke()"
            )
        stop, overrides = self._call_args(stop, kwargs)
        lists = [self._messages(m) for m in messages]
        if _tracing.active():  # one traced run per message list, as LangChain's generate
            model = self._with_args(stop, overrides)
            traced = await gather_limited(
                [partial(model._traced_reply, m, {}) for m in lists], limit=None
            )
            return _chat_result(traced)
        replies = await gather_limited(
            [partial(self._generate_reply, m, stop, overrides) for m in lists], limit=None
        )
        return _chat_result([_identified(reply, None) for reply in replies])

    def astream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: object,
    ) -> AsyncStream[AIMessageChunk]:
        """Stream the reply as ``AIMessageChunk``s; ``+`` adds them up to ``invoke``'s message."""
        conf = ensure_config(config)
        sink = conf.get("callbacks")
        if sink is not None and sink.emit:  # streamed by a function with its config: a child run
            model: AsyncRunnable[Any, Any] = (
                self.bind(stop, kwargs) if stop is not None or kwargs else self
            )
            stream: AsyncStream[AIMessageChunk] = AsyncRunnable.astream(model, input, conf)
            return stream
        messages = self._messages(input)
        stop, overrides = self._call_args(stop, kwargs)
        if _tracing.active():  # the run's events make the spans: stream as a runnable does
            traced = self._with_args(stop, overrides)
            return AsyncStream(partial(traced._stream_outputs, messages, conf))  # type: ignore[arg-type]  # as a runnable its stream yields the same chunks
        run_id = _run_id(conf.get("run_id"))
        return AsyncBatchStream(partial(self._chunk_batches, messages, stop, overrides, run_id))

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
        stop: CallStop = None,
        **kwargs: object,
    ) -> list[AIMessage]: ...

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        stop: CallStop = None,
        **kwargs: object,
    ) -> list[AIMessage | Exception]: ...

    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        stop: CallStop = None,
        **kwargs: object,
    ) -> list[AIMessage] | list[AIMessage | Exception]:
        """One request per input, ``config["max_concurrency"]`` at a time; see AsyncRunnable.
        ``stop`` and call options apply to every input."""
        target = self.bind(stop, kwargs) if stop is not None or kwargs else self
        if return_exceptions:
            return await AsyncRunnable.abatch(target, inputs, config, return_exceptions=True)
        return await AsyncRunnable.abatch(target, inputs, config)

    # -- streaming -----------------------------------------------------------------------------

    def _source(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncIterator[list[AIMessageChunk]]:
        """The chunks of one reply in non-empty lists (those of one network read together)."""
        if self.streams:
            return self._stream_reply_batches(messages, stop, overrides, resources)
        return self._one_chunk(messages, stop, overrides)

    async def _one_chunk(
        self, messages: list[AnyMessage], stop: Stop, overrides: Mapping[str, object]
    ) -> AsyncIterator[list[AIMessageChunk]]:
        """LangChain's fallback for a model that cannot stream: one chunk, the whole reply."""
        yield [to_chunk(await self._generate_reply(messages, stop, overrides))]

    async def _chunk_batches(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        run_id: str,
        resources: Resources,
    ) -> AsyncGenerator[list[AIMessageChunk], None]:
        """The stream of ``astream``, a list at a time (``AsyncBatchStream`` hands the chunks
        out one by one): ids set, and the trailing ``chunk_position="last"`` chunk."""
        chunk_id = f"lc_run--{run_id}"
        last = False
        async with closing_iter(self._source(messages, stop, overrides, resources)) as batches:
            async for batch in batches:
                for chunk in batch:
                    if chunk.id is None:
                        _set(chunk, "id", chunk_id)
                last = batch[-1].chunk_position == "last"
                yield batch
        if not last:  # as LangChain: the stream ends with a chunk marked "last"
            yield [AIMessageChunk("", id=chunk_id, chunk_position="last")]

    async def _atransform(  # type: ignore[override]  # chunks, not messages: see astream
        self,
        inputs: AsyncIterator[LanguageModelInput | BaseEvent],
        config: RunnableConfig,
        context: RunContext,
        parents: tuple[str, ...],
    ) -> AsyncGenerator[AIMessageChunk | BaseEvent, None]:
        """As a step (or under astream_events): collect the input, then stream the reply."""
        values: list[object] = []
        async with closing_iter(collect(inputs, values)) as events:
            async for event in events:
                yield event
        messages = self._messages(combine(values, rule_of(inputs)))
        scope = self._scope(config, parents, context.emit, context.version)
        if not scope.emit:
            batches = self._chunk_batches(
                messages, self.bound_stop, self.bound_overrides, scope.run_id, context.resources
            )
            async with closing_iter(batches) as items:
                async for batch in items:
                    for chunk in batch:
                        yield chunk
            return
        chat_input = ChatModelInput([messages])
        yield scope.chat_start(chat_input)
        accumulator = ChunkAccumulator()
        # _chunk_batches inlined: one generator level less per token under events.
        chunk_id = f"lc_run--{scope.run_id}"
        last = False
        streams = not context.invoked  # a traced invoke: invoke's request, no stream events
        stop, overrides = self.bound_stop, self.bound_overrides
        source = (
            self._source(messages, stop, overrides, context.resources)
            if streams
            else self._one_chunk(messages, stop, overrides)
        )
        try:
            async with closing_iter(source) as reads:
                async for batch in reads:
                    for chunk in batch:
                        if chunk.id is None:
                            _set(chunk, "id", chunk_id)
                        accumulator.add(chunk)
                        if streams:
                            yield scope.chat_stream(chunk)
                        yield chunk
                    last = batch[-1].chunk_position == "last"
            if not last:
                tail = AIMessageChunk("", id=chunk_id, chunk_position="last")
                accumulator.add(tail)
                if streams:
                    yield scope.chat_stream(tail)
                yield tail
        except Exception:
            if scope.version == "v1":
                yield scope.chat_end(None, chat_input)  # LangChain v1 ends a failed run too
            raise
        yield scope.chat_end(accumulator.message(), chat_input)


def _run_id(run_id: object) -> str:
    return str(run_id) if run_id is not None else str(uuid.uuid4())


def _identified(reply: AIMessage | AIMessageChunk, run_id: object) -> AIMessage:
    """The reply with LangChain's ``lc_run--<run id>`` id when the provider gave none; a chunk
    becomes its message after that (its id-less tool calls take ids derived from it)."""
    if isinstance(reply, AIMessageChunk):
        if reply.id is None:
            _set(reply, "id", f"lc_run--{_run_id(run_id)}")  # a fresh reply: see _generate_reply
        return reply.to_message()
    if reply.id is not None:
        return reply
    return msgspec.structs.replace(reply, id=f"lc_run--{_run_id(run_id)}")


def to_chunk(message: AIMessage | AIMessageChunk) -> AIMessageChunk:
    """A finished message as one chunk (marked last); its tool calls become whole fragments."""
    if isinstance(message, AIMessageChunk):
        return message
    tool_call_chunks = [
        ToolCallChunk(call.name, msgspec.json.encode(call.args).decode(), call.id, index)
        for index, call in enumerate(message.tool_calls)
    ]
    tool_call_chunks += [
        ToolCallChunk(call.name, call.args, call.id, len(tool_call_chunks) + index)
        for index, call in enumerate(message.invalid_tool_calls)
    ]
    content = message.content if isinstance(message.content, str) else list(message.content)
    return AIMessageChunk(
        content,
        tool_call_chunks,
        message.usage_metadata,
        message.response_metadata,
        message.name,
        message.id,
        "last",
    )


def _chat_result(messages: list[AIMessage]) -> ChatResult:
    usage = [m.usage_metadata for m in messages if m.usage_metadata is not None]
    model_names = [m.response_metadata.model_name for m in messages]
    llm_output = None
    if usage or any(model_names):
        token_usage = None
        if usage:
            token_usage = TokenUsage(
                prompt_tokens=sum(u.input_tokens for u in usage),
                completion_tokens=sum(u.output_tokens for u in usage),
                total_tokens=sum(u.total_tokens for u in usage),
            )
        llm_output = LLMOutput(
            token_usage=token_usage,
            model_name=next((name for name in model_names if name), None),
            system_fingerprint=next(
                (
                    m.response_metadata.system_fingerprint
                    for m in messages
                    if m.response_metadata.system_fingerprint
                ),
                None,
            ),
        )
    return ChatResult([[ChatGeneration(m)] for m in messages], llm_output)


# -- custom chat models: the user writes one method on rillet.BaseChatModel ---------------------

Reply = AIMessage | str
Piece = AIMessageChunk | str


class GenerateHook(Protocol):
    async def __call__(self, messages: list[AnyMessage], stop: Stop, /) -> Reply: ...


class StreamHook(Protocol):
    def __call__(self, messages: list[AnyMessage], stop: Stop, /) -> AsyncIterator[Piece]: ...


class BlockingGenerateHook(Protocol):
    def __call__(self, messages: list[AnyMessage], stop: Stop, /) -> Reply: ...


class BlockingStreamHook(Protocol):
    def __call__(self, messages: list[AnyMessage], stop: Stop, /) -> Iterator[Piece]: ...


def _as_chunk(item: object, owner: str) -> AIMessageChunk:
    if isinstance(item, str):
        return AIMessageChunk(item)
    if isinstance(item, AIMessageChunk):
        return msgspec.structs.replace(item._ready())  # a copy: the base may set its id
    raise InvalidInputError(
        f"{owner}._stream must yield str or AIMessageChunk, got {type(item).__name__}"
    )


def _as_message(item: object, owner: str) -> AIMessage:
    if isinstance(item, str):
        return AIMessage(item)
    if isinstance(item, AIMessage):
        return item
    if isinstance(item, AIMessageChunk):
        return item.to_message()
    raise InvalidInputError(
        f"{owner}._generate must return an AIMessage or a str, got {type(item).__name__}"
    )


class AsyncUserChatModel(AsyncBaseChatModel):
    """Runs a user's custom chat model from whichever methods it defines.

    ``generate``/``stream`` are the user's methods native to this twin (``_agenerate``/
    ``_astream`` here); ``blocking_generate``/``blocking_stream`` are the sync ones, run on a
    worker thread when no native method exists. Streaming prefers the native stream, then the
    blocking stream; with neither, the stream is one chunk: the whole reply.
    """

    def __init__(
        self,
        *,
        name: str,
        generate: GenerateHook | None,
        stream: StreamHook | None,
        blocking_generate: BlockingGenerateHook | None,
        blocking_stream: BlockingStreamHook | None,
    ) -> None:
        super().__init__(name=name)
        if (
            generate is None
            and stream is None
            and blocking_generate is None
            and blocking_stream is None
        ):
            raise ConfigError(
                f"{name} implements none of _generate, _agenerate, _stream, _astream: "
                "a custom chat model must implement at least _generate (or _stream)"
            )
        self._generate_hook = generate
        self._stream_hook = stream
        self._blocking_generate = blocking_generate
        self._blocking_stream = blocking_stream
        self.streams = stream is not None or blocking_stream is not None

    async def _generate_reply(
        self, messages: list[AnyMessage], stop: Stop, overrides: Mapping[str, object]
    ) -> AIMessage | AIMessageChunk:
        if self._generate_hook is not None:
            reply = await self._generate_hook(messages, stop)
        elif self._blocking_generate is not None:
            reply = await run_blocking(self._blocking_generate, messages, stop)
        else:
            return await super()._generate_reply(messages, stop, overrides)
        return _as_message(reply, self.get_name())

    async def _stream_reply(
        self,
        messages: list[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        resources: Resources,
    ) -> AsyncGenerator[AIMessageChunk, None]:
        if self._stream_hook is not None:
            items = self._stream_hook(messages, stop)
        else:
            assert self._blocking_stream is not None
            items = iterate_blocking(self._blocking_stream(messages, stop))
        seen: list[str] = []
        try:
            async with closing_iter(items) as pieces:
                async for item in pieces:
                    chunk = _as_chunk(item, self.get_name())
                    seen.append(chunk.text)
                    yield chunk
        except RilletError as exc:
            if not exc.partial_text:  # keep what the user's stream produced before failing
                exc.partial_text = "".join(seen)
            raise
