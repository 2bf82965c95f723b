"""The call signatures of ``Ollama`` and ``ChatOllama``, typed with their call-time options
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
    from ..._values.options import ChatOllamaCallOptions, OllamaCallOptions, SequenceNotStr, Stop
    from ..._values.outputs import LLMResult
    from ..._values.tools import ToolChoice, ToolLike

__all__ = ["BoundChatOllama", "BoundOllama", "ChatOllamaCalls", "OllamaCalls"]


class ChatOllamaCalls(BaseChatModel):
    """The call signatures of ``ChatOllama`` and ``BoundChatOllama`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> AIMessage: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> AIMessage: ...
        def stream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> Stream[AIMessageChunk]: ...
        def astream(  # type: ignore[override]  # streams chunks, invokes to a message (as LangChain)
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> AsyncStream[AIMessageChunk]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> list[AIMessage]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> list[AIMessage | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> list[AIMessage] | list[AIMessage | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> list[AIMessage]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> list[AIMessage | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> list[AIMessage] | list[AIMessage | Exception]: ...
        def generate(
            self,
            messages: Sequence[Sequence[MessageLike]],
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> ChatResult: ...
        async def agenerate(
            self,
            messages: Sequence[Sequence[MessageLike]],
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> ChatResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[ChatOllamaCallOptions],
        ) -> BoundChatOllama: ...
        def bind_tools(
            self,
            tools: Sequence[ToolLike],
            *,
            tool_choice: ToolChoice = None,
            parallel_tool_calls: bool | None = None,
            strict: bool | None = None,
        ) -> BoundChatOllama: ...


class BoundChatOllama(ChatOllamaCalls, BoundChatModel):
    """A ``ChatOllama`` with call arguments fixed by ``bind``/``bind_tools``; it takes the same
    call-time options (``ChatOllamaCallOptions``) and shares the model's connections."""


class OllamaCalls(BaseLLM):
    """The call signatures of ``Ollama`` and ``BoundOllama`` (type checkers only)."""

    if TYPE_CHECKING:

        def invoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> str: ...
        async def ainvoke(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> str: ...
        def stream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> Stream[str]: ...
        def astream(
            self,
            input: LanguageModelInput,
            config: RunnableConfig | None = None,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> AsyncStream[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> list[str]: ...
        @overload
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> list[str | Exception]: ...
        def batch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> list[str] | list[str | Exception]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: Literal[False] = False,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> list[str]: ...
        @overload
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> list[str | Exception]: ...
        async def abatch(
            self,
            inputs: SequenceNotStr[LanguageModelInput],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> list[str] | list[str | Exception]: ...
        def generate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> LLMResult: ...
        async def agenerate(
            self,
            prompts: SequenceNotStr[str],
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> LLMResult: ...
        def bind(
            self,
            *,
            stop: Stop = None,
            **kwargs: Unpack[OllamaCallOptions],
        ) -> BoundOllama: ...


class BoundOllama(OllamaCalls, BoundLLM):
    """An ``Ollama`` with call arguments fixed by ``bind``; it takes the same call-time options
    (``OllamaCallOptions``) and shares the model's connections."""
