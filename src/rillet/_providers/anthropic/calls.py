"""The call signatures of ``Anthropic`` and ``ChatAnthropic``, typed with their call-time options
(``_values/options.py``), and the bound classes their ``bind`` (and ``bind_tools``) return.

A mixin ``<Model>Calls`` holds the signatures for type checkers only (an ``if TYPE_CHECKING:``
block): the methods that run are ``BaseLLM``'s / ``BaseChatModel``'s, which check the same options
at run time (``InvalidOptionError``). It is the first base of the model and of its
``Bound<Model>``, so a bound model takes the options of the model it was bound from (PEP 692
allows no ``Unpack`` of a type variable: one bound class per model is how a type checker knows
them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._facade.chat_model import BaseChatModel, BoundChatModel
from ..._facade.llm import BaseLLM, BoundLLM

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal, overload

    from typing_extensions import Unpack

    from ..._async.stream import AsyncStream
    from ..._sync.stream import Stream
    from ..._values.chat_outputs import ChatResult
    from ..._values.config import RunnableConfig
    from ..._values.inputs import LanguageModelInput
    from ..._values.messages import AIMessage, AIMessageChunk, MessageLike
    from ..._values.options import (
        AnthropicCallOptions,
        ChatAnthropicCallOptions,
        SequenceNotStr,
        Stop,
    )
    from ..._values.outputs import LLMResult
    from ..._values.tools import ToolChoice, ToolLike

__all__ = ["AnthropicCalls", "BoundAnthropic", "BoundChatAnthropic", "ChatAnthropicCalls"]


class ChatAnthropicCalls(BaseChatModel):
    """The call signatures of ``ChatAnthropic`` and ``BoundChatAnthropic`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> AIMessage: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> AIMessage: ...
        def stream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> Stream[AIMessageChunk]: ...
        def astream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> AsyncStream[AIMessageChunk]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> list[AIMessage]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> list[AIMessage | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> list[AIMessage] | list[AIMessage | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> list[AIMessage]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> list[AIMessage | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> list[AIMessage] | list[AIMessage | Exception]: ...
        def generate(
            self,
            messages: Sequence[Sequence[MessageLike]],
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> ChatResult: ...
        async def agenerate(
            self,
            messages: Sequence[Sequence[MessageLike]],
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> ChatResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatAnthropicCallOptions],
        ) -> BoundChatAnthropic: ...
        def bind_tools(
            self,
            tools: Sequence[ToolLike],
            *,
            tool_choice: ToolChoice = None,
            parallel_tool_calls: bool | None = None,
            strict: bool | None = None,
        ) -> BoundChatAnthropic: ...


class BoundChatAnthropic(ChatAnthropicCalls, BoundChatModel):
    """A ``ChatAnthropic`` with call arguments fixed by ``bind``/``bind_tools``; it takes the same
    call-time options (``ChatAnthropicCallOptions``) and shares the model's connections."""


class AnthropicCalls(BaseLLM):
    """The call signatures of ``Anthropic`` and ``BoundAnthropic`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> str: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> str: ...
        def stream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> Stream[str]: ...
        def astream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> AsyncStream[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> list[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> list[str | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> list[str] | list[str | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> list[str]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> list[str | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> list[str] | list[str | Exception]: ...
        def generate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> LLMResult: ...
        async def agenerate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> LLMResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[AnthropicCallOptions],
        ) -> BoundAnthropic: ...


class BoundAnthropic(AnthropicCalls, BoundLLM):
    """An ``Anthropic`` with call arguments fixed by ``bind``; it takes the same call-time options
    (``AnthropicCallOptions``) and shares the model's connections."""
