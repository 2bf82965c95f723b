"""The LLM facades: ``BaseLLM`` (prompt in, text out), ``LLM`` (a custom model from one method)
and ``BoundLLM`` (call arguments fixed by ``bind``); the async twins are in ``_async/llm.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar, overload

from .._values.errors import NotAChatModelError
from .._values.inputs import LanguageModelInput
from .._values.options import (
    NO_OPTIONS,
    CallOptions,
    NoCallOptions,
    SequenceNotStr,
    Stop as CallStop,
    check_stop,
)
from .._values.outputs import GenerationChunk, LLMResult
from .runnable import Runnable

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .._async.llm import AsyncBaseLLM, AsyncUserLLM
    from .._async.stream import AsyncStream
    from .._sync.llm import SyncBaseLLM, SyncUserLLM
    from .._sync.stream import Stream
    from .._values.config import RunnableConfig

__all__ = ["LLM", "BaseLLM", "BoundLLM"]


AnyLLM = TypeVar("AnyLLM", bound="BaseLLM")
Stop = list[str] | None

CHAT_ONLY = frozenset({"bind_tools", "with_structured_output"})
"""Chat models' methods a LangChain user may ask of a string LLM."""
CHAT_MODEL_OF = {
    "OpenAI": "ChatOpenAI",
    "OpenAIChat": "ChatOpenAI",
    "Anthropic": "ChatAnthropic",
    "Ollama": "ChatOllama",
}
"""The chat model that speaks a string LLM's provider."""


def not_a_chat_model(cls: type, method: str) -> str:
    """Why a string LLM has no ``method``, and the chat model to use instead."""
    chat = next(
        (CHAT_MODEL_OF[c.__name__] for c in cls.__mro__ if c.__name__ in CHAT_MODEL_OF), None
    )
    instead = (
        f"{chat}(...).{method}(...)"
        if chat is not None
        else f"a chat model (ChatOpenAI, ChatAnthropic, ChatOllama or a BaseChatModel)'s {method}"
    )
    return (
        f"{cls.__name__} is a string LLM (text in, str out) and has no {method}: tool calls and "
        f"structured output come from chat models (messages in, an AIMessage out); use {instead}"
    )


class BaseLLM(Runnable[LanguageModelInput, str]):
    """An LLM: a prompt (str, PromptValue or message list) in, text out, streamed as str chunks.

    Usable as ``with llm:`` / ``async with llm:``; ``close()``/``aclose()`` release connections
    the model owns (never a client you passed in).
    """

    def _sync_twin(self) -> SyncBaseLLM:
        raise NotImplementedError

    def _async_twin(self) -> AsyncBaseLLM:
        raise NotImplementedError

    def _call_options(self) -> CallOptions:
        """The call-time options this model takes (``bind`` checks them at once)."""
        return NO_OPTIONS

    if not TYPE_CHECKING:  # type checkers report the missing method themselves

        def __getattr__(self, name: str) -> object:
            if name in CHAT_ONLY:
                raise NotAChatModelError(not_a_chat_model(type(self), name))
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
            )

    # Each model re-declares these signatures with its own ``**kwargs: Unpack[...]`` (see
    # ``_provider_calls.py``); at run time every call checks its options against the model's.

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> str:
        """The whole completion of one prompt.

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
    ) -> str:
        """The whole completion of one prompt (async); arguments as in ``invoke``."""
        return await self._async_twin().ainvoke(input, config, stop=stop, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> Stream[str]:
        """The completion of one prompt as ``str`` chunks, as the server sends them.

        Arguments as in ``invoke``. Errors after the first chunk keep the text already streamed
        in ``partial_text`` (see ``StreamError``).
        """
        return self._sync_twin().stream(input, config, stop=stop, **kwargs)

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> AsyncStream[str]:
        """The completion of one prompt as ``str`` chunks (async); see ``stream``."""
        from .deferred import loop_free  # the async world loads on first use

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
    ) -> list[str]: ...

    @overload
    def batch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[str | Exception]: ...

    def batch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[str] | list[str | Exception]:
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
    ) -> list[str]: ...

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[str | Exception]: ...

    async def abatch(
        self,
        inputs: SequenceNotStr[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> list[str] | list[str | Exception]:
        return await self._async_twin().abatch(
            inputs, config, return_exceptions=return_exceptions, stop=stop, **kwargs
        )

    def generate(
        self,
        prompts: SequenceNotStr[str],
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> LLMResult:
        """Complete several prompts; an ``LLMResult`` with one list of generations per prompt, plus
        usage and model name in ``llm_output``.
        """
        return self._sync_twin().generate(prompts, stop=stop, **kwargs)

    async def agenerate(
        self,
        prompts: SequenceNotStr[str],
        *,
        stop: CallStop = None,
        **kwargs: Unpack[NoCallOptions],
    ) -> LLMResult:
        """Complete several prompts (async); see ``generate``."""
        return await self._async_twin().agenerate(prompts, stop=stop, **kwargs)

    def bind(self, *, stop: CallStop = None, **kwargs: Unpack[NoCallOptions]) -> BoundLLM:
        """This model with call arguments fixed (e.g. ``llm.bind(stop=["\\n"])`` in a chain);
        unknown or ill-typed options raise ``InvalidOptionError`` here."""
        name = self.get_name()
        check_stop(name, stop)
        self._call_options().check(name, kwargs)
        return self._bind(stop, kwargs)

    def _bind(self, stop: CallStop, overrides: Mapping[str, object]) -> BoundLLM:
        """The bound model (a provider's model returns its own bound class, typed with its call
        options)."""
        return BoundLLM(self, stop=stop, overrides=overrides)

    def close(self) -> None:
        """Close the sync connections this model owns."""

    async def aclose(self) -> None:
        """Close the async connections this model owns (on the current event loop)."""

    def __enter__(self: AnyLLM) -> AnyLLM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self: AnyLLM) -> AnyLLM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class LLM(BaseLLM):
    """Base class for a custom LLM: implement one method.

    - ``_call(prompt, stop) -> str``: sync; ``stream`` gives one chunk, the whole text, and the
      async methods run it on a worker thread.
    - ``_stream(prompt, stop) -> Iterator[str | GenerationChunk]``: token by token, sync (and
      async, on a worker thread).
    - ``_acall`` / ``_astream``: the async counterparts, used by ``ainvoke``/``astream``.
    """

    _HOOKS: ClassVar[tuple[str, ...]] = ("_call", "_acall", "_stream", "_astream")

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name
        self.__sync: SyncUserLLM | None = None
        self.__async: AsyncUserLLM | None = None

    def _call(self, prompt: str, stop: Stop = None) -> str:
        raise NotImplementedError

    async def _acall(self, prompt: str, stop: Stop = None) -> str:
        raise NotImplementedError

    def _stream(self, prompt: str, stop: Stop = None) -> Iterator[GenerationChunk | str]:
        raise NotImplementedError

    def _astream(self, prompt: str, stop: Stop = None) -> AsyncIterator[GenerationChunk | str]:
        raise NotImplementedError

    def _overrides(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(LLM, hook)

    def _sync_twin(self) -> SyncUserLLM:
        from .._sync.llm import SyncUserLLM

        if self.__sync is None:
            self.__sync = SyncUserLLM(
                name=self.get_name(),
                call=self._call if self._overrides("_call") else None,
                stream=self._stream if self._overrides("_stream") else None,
                blocking_call=None,
                blocking_stream=None,
            )
        return self.__sync

    def _async_twin(self) -> AsyncUserLLM:
        from .._async.llm import AsyncUserLLM

        if self.__async is None:
            self.__async = AsyncUserLLM(
                name=self.get_name(),
                call=self._acall if self._overrides("_acall") else None,
                stream=self._astream if self._overrides("_astream") else None,
                blocking_call=self._call if self._overrides("_call") else None,
                blocking_stream=self._stream if self._overrides("_stream") else None,
            )
        return self.__async


class BoundLLM(BaseLLM):
    """An LLM with call arguments fixed by ``bind``; shares the model's connections."""

    def __init__(self, model: BaseLLM, *, stop: CallStop, overrides: Mapping[str, object]) -> None:
        self.model = model
        self.name = model.name
        self._stop = stop
        self._overrides = dict(overrides)

    def get_name(self) -> str:
        """The bound model's run name."""
        return self.model.get_name()

    def _call_options(self) -> CallOptions:
        return self.model._call_options()

    def _bind(self, stop: CallStop, overrides: Mapping[str, object]) -> BoundLLM:
        return type(self)(self, stop=stop, overrides=overrides)

    def _sync_twin(self) -> SyncBaseLLM:
        return self.model._sync_twin().bind(self._stop, self._overrides)

    def _async_twin(self) -> AsyncBaseLLM:
        return self.model._async_twin().bind(self._stop, self._overrides)

    def close(self) -> None:
        self.model.close()

    async def aclose(self) -> None:
        await self.model.aclose()
