"""The chat-model facades: ``BaseChatModel`` (messages in, an ``AIMessage`` out, streamed as
``AIMessageChunk``s) and ``BoundChatModel`` (call arguments fixed by ``bind``).

One object serves both worlds: the sync verbs run the generated ``_sync`` twin, the ``a*``
verbs the ``_async`` twin (``_async/chat_model.py``).

- A custom chat model subclasses ``BaseChatModel`` and implements one method: ``_stream``
  (yield ``str`` or ``AIMessageChunk``) or ``_generate`` (return an ``AIMessage`` or a ``str``),
  or their async spellings ``_astream``/``_agenerate``.
- A provider's chat model (``ChatOpenAI``...) subclasses ``BaseChatModel`` and overrides
  ``_sync_twin``/``_async_twin`` to return its ``AsyncBaseChatModel`` subclasses (see the
  extension points in ``_async/chat_model.py``), and ``close``/``aclose`` for its connections.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, overload

from .._values.chat_outputs import ChatResult
from .._values.config import RunnableConfig
from .._values.inputs import LanguageModelInput
from .._values.messages import AIMessage, AIMessageChunk, AnyMessage, MessageLike
from .._values.options import (
    NO_OPTIONS,
    CallOptions,
    NoCallOptions,
    SequenceNotStr,
    Stop as CallStop,
    check_stop,
)
from .._values.structured import StructuredOutput
from .._values.tools import StructuredMethod, ToolChoice, ToolFormat, ToolLike
from .deferred import loop_free
from .runnable import Runnable

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .._async.chat_model import AsyncBaseChatModel, AsyncUserChatModel
    from .._async.stream import AsyncStream
    from .._sync.chat_model import SyncBaseChatModel, SyncUserChatModel
    from .._sync.stream import Stream

__all__ = ["BaseChatModel", "BoundChatModel"]

AnyChatModel = TypeVar("AnyChatModel", bound="BaseChatModel")
T = TypeVar("T")
Stop = list[str] | None


class BaseChatModel(Runnable[LanguageModelInput, AIMessage]):
    """A chat model: messages in (a str, message structs, ``(role, content)`` tuples, role dicts
    or a prompt value), an ``AIMessage`` out, streamed as ``AIMessageChunk``s.

    A custom chat model implements one method (sync or async):

    - ``_stream(messages, stop) -> Iterator[str | AIMessageChunk]``: token by token;
    - ``_generate(messages, stop) -> AIMessage | str``: the whole reply (``stream`` then gives
      one chunk, LangChain's fallback);
    - ``_astream`` / ``_agenerate``: the async counterparts, used by ``ainvoke``/``astream``
      (without them the async methods run the sync ones on a worker thread).

    Usable as ``with model:`` / ``async with model:``; ``close()``/``aclose()`` release
    connections the model owns (never a client you passed in).
    """

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name
        self.__sync: SyncUserChatModel | None = None
        self.__async: AsyncUserChatModel | None = None

    # -- the one method of a custom chat model -------------------------------------------------

    def _generate(self, messages: list[AnyMessage], stop: Stop = None) -> AIMessage | str:
        raise NotImplementedError

    async def _agenerate(self, messages: list[AnyMessage], stop: Stop = None) -> AIMessage | str:
        raise NotImplementedError

    def _stream(
        self, messages: list[AnyMessage], stop: Stop = None
    ) -> Iterator[AIMessageChunk | str]:
        raise NotImplementedError

    def _astream(
        self, messages: list[AnyMessage], stop: Stop = None
    ) -> AsyncIterator[AIMessageChunk | str]:
        raise NotImplementedError

    def _overrides(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(BaseChatModel, hook)

    def _sync_twin(self) -> SyncBaseChatModel:
        from .._sync.chat_model import SyncUserChatModel

        if self.__sync is None:
            self.__sync = SyncUserChatModel(
                name=self.get_name(),
                generate=self._generate if self._overrides("_generate") else None,
                stream=self._stream if self._overrides("_stream") else None,
                blocking_generate=None,
                blocking_stream=None,
            )
        return self.__sync

    def _async_twin(self) -> AsyncBaseChatModel:
        from .._async.chat_model import AsyncUserChatModel

        if self.__async is None:
            self.__async = AsyncUserChatModel(
                name=self.get_name(),
                generate=self._agenerate if self._overrides("_agenerate") else None,
                stream=self._astream if self._overrides("_astream") else None,
                blocking_generate=self._generate if self._overrides("_generate") else None,
                blocking_stream=self._stream if self._overrides("_stream") else None,
            )
        return self.__async

    # -- the Runnable surface -------------------------------------------------------------------

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> AIMessage:
        """The whole reply to one conversation (a str is one human message).

        ``stop`` replaces the model's stop list for this call; other keywords override the model's
        settings for this call (e.g. ``temperature=0``).
        """
        return self._sync_twin().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> AIMessage:
        """The whole reply to one conversation (async); arguments as in ``invoke``."""
        return await self._async_twin().ainvoke(input, config, stop=stop, **kwargs)

    def stream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> Stream[AIMessageChunk]:
        """The reply as ``AIMessageChunk``s as they arrive; ``+`` adds them up to ``invoke``'s
        message. Arguments as in ``invoke``; errors after the first chunk keep the text already
        streamed in ``partial_text``.
        """
        return self._sync_twin().stream(input, config, stop=stop, **kwargs)

    def astream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> AsyncStream[AIMessageChunk]:
        """The reply as ``AIMessageChunk``s (async); see ``stream``."""
        return loop_free(lambda: self._async_twin().astream(input, config, stop=stop, **kwargs))

    @overload
    def batch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[AIMessage]: ...

    @overload
    def batch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[AIMessage | Exception]: ...

    def batch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[AIMessage] | list[AIMessage | Exception]:
        """A reply to each input, ``config["max_concurrency"]`` at a time, in input order;
        ``stop`` and call options apply to every input."""
        return self._sync_twin().batch(
            inputs, config, return_exceptions=return_exceptions, stop=stop, **kwargs
        )

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[AIMessage]: ...

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[AIMessage | Exception]: ...

    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[AIMessage] | list[AIMessage | Exception]:
        """A reply to each input (async); see ``batch``."""
        return await self._async_twin().abatch(
            inputs, config, return_exceptions=return_exceptions, stop=stop, **kwargs
        )

    def generate(
        self,
        messages: Sequence[Sequence[MessageLike]],
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> ChatResult:
        """A reply to each message list (``result.generations[i][0].message``)."""
        return self._sync_twin().generate(messages, stop=stop, **kwargs)

    async def agenerate(
        self,
        messages: Sequence[Sequence[MessageLike]],
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> ChatResult:
        """A reply to each message list (async); see ``generate``."""
        return await self._async_twin().agenerate(messages, stop=stop, **kwargs)

    def _call_options(self) -> CallOptions:
        """The call-time options this model takes (``bind`` checks them at once)."""
        return NO_OPTIONS

    def bind(self, *, stop: CallStop = None, **kwargs: Unpack[NoCallOptions]) -> BoundChatModel:
        """This model with call arguments fixed (e.g. ``model.bind(stop=["\\n"])``); unknown or
        ill-typed options raise ``InvalidOptionError`` here."""
        name = self.get_name()
        check_stop(name, stop)
        self._call_options().check(name, kwargs)
        return self._bind(stop, kwargs)

    def _bind(self, stop: CallStop, overrides: Mapping[str, object]) -> BoundChatModel:
        """The bound model (a provider's chat model returns its own bound class, typed with its
        call options)."""
        return BoundChatModel(self, stop=stop, overrides=overrides)

    # -- tools and structured output (issue 13; see _facade/structured.py) ---------------------

    tool_format: ClassVar[ToolFormat | None] = None
    """The tool wire shape this model's API speaks; None: no tools (a custom or fake model)."""

    def _tool_format(self) -> ToolFormat | None:
        return self.tool_format

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: ToolChoice = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
    ) -> BoundChatModel:
        """This model offering ``tools`` (msgspec Struct types, typed functions, ``@tool``\\s or
        JSON-schema dicts). ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"``
        or a tool's name; ``parallel_tool_calls=False`` asks for one call at a time; ``strict``
        (OpenAI) makes the model follow the schemas exactly. Calls arrive on the reply's
        ``tool_calls`` (growing, parsed, while it streams)."""
        from .structured import bind_tools

        return bind_tools(
            self,
            tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            strict=strict,
        )

    @overload
    def with_structured_output(
        self,
        schema: type[T],
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
    ) -> Runnable[LanguageModelInput, T]: ...

    @overload
    def with_structured_output(
        self,
        schema: type[T],
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[True],
        strict: bool | None = None,
    ) -> Runnable[LanguageModelInput, StructuredOutput[T]]: ...

    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, object],
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
    ) -> Runnable[LanguageModelInput, dict[str, object]]: ...

    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, object],
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[True],
        strict: bool | None = None,
    ) -> Runnable[LanguageModelInput, StructuredOutput[dict[str, object]]]: ...

    def with_structured_output(
        self,
        schema: type[Any] | Mapping[str, object],
        *,
        method: StructuredMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable whose ``invoke`` returns ``schema`` (a msgspec Struct type; a JSON-schema
        dict gives dicts) and whose ``stream`` yields it each time the partial JSON already
        decodes into it. ``method``: ``"json_schema"`` (OpenAI's and Ollama's default),
        ``"function_calling"`` (Anthropic's default: a forced tool call) or ``"json_mode"``.
        ``include_raw=True``: a ``StructuredOutput`` (``raw``, ``parsed``, ``parsing_error``)."""
        from .structured import with_structured_output

        return with_structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )

    def close(self) -> None:
        """Close the sync connections this model owns."""

    async def aclose(self) -> None:
        """Close the async connections this model owns (on the current event loop)."""

    def __enter__(self: AnyChatModel) -> AnyChatModel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self: AnyChatModel) -> AnyChatModel:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class BoundChatModel(BaseChatModel):
    """A chat model with call arguments fixed by ``bind``; shares the model's connections."""

    def __init__(
        self, model: BaseChatModel, *, stop: CallStop, overrides: Mapping[str, object]
    ) -> None:
        super().__init__(name=model.name)
        self.model = model
        self._stop = stop
        self._bound = dict(overrides)

    def get_name(self) -> str:
        return self.model.get_name()

    def _tool_format(self) -> ToolFormat | None:
        return self.model._tool_format()

    def _call_options(self) -> CallOptions:
        return self.model._call_options()

    def _bind(self, stop: CallStop, overrides: Mapping[str, object]) -> BoundChatModel:
        return type(self)(self, stop=stop, overrides=overrides)

    def _sync_twin(self) -> SyncBaseChatModel:
        return self.model._sync_twin().bind(self._stop, self._bound)

    def _async_twin(self) -> AsyncBaseChatModel:
        return self.model._async_twin().bind(self._stop, self._bound)

    def close(self) -> None:
        self.model.close()

    async def aclose(self) -> None:
        await self.model.aclose()
