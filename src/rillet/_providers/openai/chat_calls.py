"""The call signatures of ``ChatOpenAI``, typed with its call-time options
(``_values/options.py``), and the bound class its ``bind`` and ``bind_tools`` return: the chat
half of ``calls.py`` (same scheme), loaded with ``ChatOpenAI``, not with ``OpenAI``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._facade.chat_model import BaseChatModel, BoundChatModel

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
    from ..._values.options import ChatOpenAICallOptions, SequenceNotStr, Stop
    from ..._values.tools import ToolChoice, ToolLike

__all__ = ["BoundChatOpenAI", "ChatOpenAICalls"]


class ChatOpenAICalls(BaseChatModel):
    """The call signatures of ``ChatOpenAI`` and ``BoundChatOpenAI`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> AIMessage: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> AIMessage: ...
        def stream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> Stream[AIMessageChunk]: ...
        def astream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> AsyncStream[AIMessageChunk]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> list[AIMessage]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> list[AIMessage | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> list[AIMessage] | list[AIMessage | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> list[AIMessage]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> list[AIMessage | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> list[AIMessage] | list[AIMessage | Exception]: ...
        def generate(
            self,
            messages: Sequence[Sequence[MessageLike]],
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> ChatResult: ...
        async def agenerate(
            self,
            messages: Sequence[Sequence[MessageLike]],
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> ChatResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOpenAICallOptions],
        ) -> BoundChatOpenAI: ...
        def bind_tools(
            self,
            tools: Sequence[ToolLike],
            *,
            tool_choice: ToolChoice = None,
            parallel_tool_calls: bool | None = None,
            strict: bool | None = None,
        ) -> BoundChatOpenAI: ...


class BoundChatOpenAI(ChatOpenAICalls, BoundChatModel):
    """A ``ChatOpenAI`` with call arguments fixed by ``bind``/``bind_tools``; it takes the same
    call-time options (``ChatOpenAICallOptions``) and shares the model's connections."""
