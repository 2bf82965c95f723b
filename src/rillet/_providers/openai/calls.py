"""The call signatures of ``OpenAI`` and ``OpenAIChat``, typed with their call-time options
(``_values/options.py``), and the bound classes their ``bind`` returns (``ChatOpenAI``'s are in
``chat_calls.py``, loaded with it).

A mixin ``<Model>Calls`` holds the signatures for type checkers only (an ``if TYPE_CHECKING:``
block): the methods that run are ``BaseLLM``'s / ``BaseChatModel``'s, which check the same options
at run time (``InvalidOptionError``). It is the first base of the model and of its
``Bound<Model>``, so a bound model takes the options of the model it was bound from (PEP 692
allows no ``Unpack`` of a type variable: one bound class per model is how a type checker knows
them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._facade.llm import BaseLLM, BoundLLM

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal, overload

    from typing_extensions import Unpack

    from ..._async.stream import AsyncStream
    from ..._sync.stream import Stream
    from ..._values.config import RunnableConfig
    from ..._values.inputs import LanguageModelInput
    from ..._values.options import (
        OpenAICallOptions,
        OpenAIChatCallOptions,
        SequenceNotStr,
        Stop,
    )
    from ..._values.outputs import LLMResult

__all__ = [
    "BoundOpenAI",
    "BoundOpenAIChat",
    "OpenAICalls",
    "OpenAIChatCalls",
]


class OpenAICalls(BaseLLM):
    """The call signatures of ``OpenAI`` and ``BoundOpenAI`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> str: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> str: ...
        def stream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> Stream[str]: ...
        def astream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> AsyncStream[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> list[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> list[str | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> list[str] | list[str | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> list[str]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> list[str | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> list[str] | list[str | Exception]: ...
        def generate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> LLMResult: ...
        async def agenerate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> LLMResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAICallOptions],
        ) -> BoundOpenAI: ...


class BoundOpenAI(OpenAICalls, BoundLLM):
    """An ``OpenAI`` with call arguments fixed by ``bind``; it takes the same call-time options
    (``OpenAICallOptions``) and shares the model's connections."""


class OpenAIChatCalls(BaseLLM):
    """The call signatures of ``OpenAIChat`` and ``BoundOpenAIChat`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> str: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> str: ...
        def stream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> Stream[str]: ...
        def astream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> AsyncStream[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> list[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> list[str | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> list[str] | list[str | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> list[str]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> list[str | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> list[str] | list[str | Exception]: ...
        def generate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> LLMResult: ...
        async def agenerate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> LLMResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OpenAIChatCallOptions],
        ) -> BoundOpenAIChat: ...


class BoundOpenAIChat(OpenAIChatCalls, BoundLLM):
    """An ``OpenAIChat`` with call arguments fixed by ``bind``; it takes the same call-time options
    (``OpenAIChatCallOptions``) and shares the model's connections."""
