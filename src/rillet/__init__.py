"""rillet: typed, token-by-token LLM streaming through the Runnable interface.

from rillet import OpenAI

llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)
for chunk in llm.stream("Write me a 1 verse song about sparkling water."):
    print(chunk, end="|", flush=True)

This module only re-exports: every public name has one home in a private module and is listed
once in ``__all__``; every public class and function reports ``rillet`` as its ``__module__``
(so reprs and tracebacks show ``rillet.RateLimitError``, not the private path).
"""

import builtins as _builtins
import importlib as _importlib
import inspect as _inspect
import sys as _sys
from typing import TYPE_CHECKING

from ._facade.llm import LLM as LLM, BaseLLM as BaseLLM, BoundLLM as BoundLLM
from ._facade.runnable import (
    ExponentialJitterParams as ExponentialJitterParams,
    Runnable as Runnable,
)
from ._providers.openai.models import OpenAI as OpenAI, OpenAIChat as OpenAIChat
from ._rate_limit import RateLimiter as RateLimiter
from ._values.errors import (
    APIConnectionError as APIConnectionError,
    APIError as APIError,
    APIStatusError as APIStatusError,
    APITimeoutError as APITimeoutError,
    AuthenticationError as AuthenticationError,
    BadRequestError as BadRequestError,
    ConfigError as ConfigError,
    ConflictError as ConflictError,
    EmptyStreamError as EmptyStreamError,
    FakeListChatModelError as FakeListChatModelError,
    FakeListLLMError as FakeListLLMError,
    IncompleteStreamError as IncompleteStreamError,
    InternalServerError as InternalServerError,
    InvalidInputError as InvalidInputError,
    InvalidOptionError as InvalidOptionError,
    NoRunError as NoRunError,
    NotAChatModelError as NotAChatModelError,
    NotFoundError as NotFoundError,
    OutputParserError as OutputParserError,
    PermissionDeniedError as PermissionDeniedError,
    RateLimitError as RateLimitError,
    ResponseTooLargeError as ResponseTooLargeError,
    RilletError as RilletError,
    StreamClosedError as StreamClosedError,
    StreamDecodeError as StreamDecodeError,
    StreamError as StreamError,
    StreamFormatError as StreamFormatError,
    StreamInterruptedError as StreamInterruptedError,
    StreamProviderError as StreamProviderError,
    StreamTimeoutError as StreamTimeoutError,
    StructuredOutputError as StructuredOutputError,
    ToolCallParseError as ToolCallParseError,
    ToolDefinitionError as ToolDefinitionError,
    UnexpectedContentTypeError as UnexpectedContentTypeError,
    UnexpectedToolCallError as UnexpectedToolCallError,
    UnknownEventWarning as UnknownEventWarning,
    UnprocessableEntityError as UnprocessableEntityError,
    UnsupportedOutputError as UnsupportedOutputError,
)
from ._values.inputs import (
    LanguageModelInput as LanguageModelInput,
    PromptValue as PromptValue,
)
from ._values.options import (
    AnthropicCallOptions as AnthropicCallOptions,
    ChatAnthropicCallOptions as ChatAnthropicCallOptions,
    ChatOllamaCallOptions as ChatOllamaCallOptions,
    ChatOpenAICallOptions as ChatOpenAICallOptions,
    OllamaCallOptions as OllamaCallOptions,
    OpenAICallOptions as OpenAICallOptions,
    OpenAIChatCallOptions as OpenAIChatCallOptions,
)
from ._values.outputs import (
    Generation as Generation,
    GenerationChunk as GenerationChunk,
    GenerationInfo as GenerationInfo,
    LLMOutput as LLMOutput,
    LLMResult as LLMResult,
    Logprobs as Logprobs,
    RunInfo as RunInfo,
    TokenUsage as TokenUsage,
)
from ._values.secret import Secret as Secret
from ._wire.limits import SizeLimits as SizeLimits

__version__ = "0.1.0"

if TYPE_CHECKING:  # imported on first use (see _LAZY): type checkers see them here
    from ._aggregate import AddableDict as AddableDict
    from ._async.stream import AsyncStream as AsyncStream
    from ._facade.chat_model import BaseChatModel as BaseChatModel, BoundChatModel as BoundChatModel
    from ._facade.composition import (
        AsyncOnlyLambda as AsyncOnlyLambda,
        ChatPromptTemplate as ChatPromptTemplate,
        JsonOutputParser as JsonOutputParser,
        PromptTemplate as PromptTemplate,
        RunnableAssign as RunnableAssign,
        RunnableBinding as RunnableBinding,
        RunnableBranch as RunnableBranch,
        RunnableLambda as RunnableLambda,
        RunnableParallel as RunnableParallel,
        RunnablePassthrough as RunnablePassthrough,
        RunnablePick as RunnablePick,
        RunnableRetry as RunnableRetry,
        RunnableSequence as RunnableSequence,
        RunnableWithFallbacks as RunnableWithFallbacks,
        StrOutputParser as StrOutputParser,
        chain as chain,
    )
    from ._facade.fakes import (
        FakeListChatModel as FakeListChatModel,
        FakeListLLM as FakeListLLM,
        FakeStreamingListLLM as FakeStreamingListLLM,
        GenericFakeChatModel as GenericFakeChatModel,
    )
    from ._facade.structured import ToolsOutputParser as ToolsOutputParser
    from ._facade.tool import Tool as Tool, tool as tool
    from ._prompts import (
        ChatPromptValue as ChatPromptValue,
        MessagesPlaceholder as MessagesPlaceholder,
        StringPromptValue as StringPromptValue,
    )
    from ._providers.anthropic.models import (
        Anthropic as Anthropic,
        ChatAnthropic as ChatAnthropic,
    )
    from ._providers.ollama.models import ChatOllama as ChatOllama, Ollama as Ollama
    from ._providers.openai.chat_model import ChatOpenAI as ChatOpenAI
    from ._sync.stream import Stream as Stream
    from ._values.chat_outputs import ChatGeneration as ChatGeneration, ChatResult as ChatResult
    from ._values.config import RunnableConfig as RunnableConfig
    from ._values.events import (
        BaseEvent as BaseEvent,
        ChainEndEvent as ChainEndEvent,
        ChainStartEvent as ChainStartEvent,
        ChainStreamEvent as ChainStreamEvent,
        ChatModelEndData as ChatModelEndData,
        ChatModelEndEvent as ChatModelEndEvent,
        ChatModelInput as ChatModelInput,
        ChatModelStartData as ChatModelStartData,
        ChatModelStartEvent as ChatModelStartEvent,
        ChatModelStreamData as ChatModelStreamData,
        ChatModelStreamEvent as ChatModelStreamEvent,
        CustomEvent as CustomEvent,
        EndData as EndData,
        Event as Event,
        LLMEndData as LLMEndData,
        LLMEndEvent as LLMEndEvent,
        LLMInput as LLMInput,
        LLMStartData as LLMStartData,
        LLMStartEvent as LLMStartEvent,
        LLMStreamData as LLMStreamData,
        LLMStreamEvent as LLMStreamEvent,
        ParserEndEvent as ParserEndEvent,
        ParserStartEvent as ParserStartEvent,
        ParserStreamEvent as ParserStreamEvent,
        PromptEndEvent as PromptEndEvent,
        PromptStartEvent as PromptStartEvent,
        PromptStreamEvent as PromptStreamEvent,
        StartData as StartData,
        StreamData as StreamData,
        StreamEvent as StreamEvent,
        ToolEndEvent as ToolEndEvent,
        ToolStartEvent as ToolStartEvent,
        ToolStreamEvent as ToolStreamEvent,
        adispatch_custom_event as adispatch_custom_event,
        dispatch_custom_event as dispatch_custom_event,
    )
    from ._values.messages import (
        AIMessage as AIMessage,
        AIMessageChunk as AIMessageChunk,
        AnyMessage as AnyMessage,
        Citation as Citation,
        ContentBlock as ContentBlock,
        HumanMessage as HumanMessage,
        ImageBlock as ImageBlock,
        InputTokenDetails as InputTokenDetails,
        InvalidToolCall as InvalidToolCall,
        MessageLike as MessageLike,
        OutputTokenDetails as OutputTokenDetails,
        ReasoningBlock as ReasoningBlock,
        RedactedThinkingBlock as RedactedThinkingBlock,
        RefusalBlock as RefusalBlock,
        ResponseMetadata as ResponseMetadata,
        SystemMessage as SystemMessage,
        TextBlock as TextBlock,
        ToolCall as ToolCall,
        ToolCallChunk as ToolCallChunk,
        ToolMessage as ToolMessage,
        UsageMetadata as UsageMetadata,
    )
    from ._values.structured import StructuredOutput as StructuredOutput
    from ._values.tools import ToolSpec as ToolSpec

_BUILTINS = frozenset(vars(_builtins))
_RESOLVABLE: dict[type, bool] = {}  # per class: its own annotations resolve here (final)
# ASCII that cannot be part of a name, as a space: the words of an annotation are then its names
# (str.translate and split: no regular expression to compile at import).
_NOT_NAME = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}

# Imported on first use, so that `import rillet` loads only what a program needs to start: the
# other providers (each pulls in its wire structs), composition and prompts, fakes, tools.
_LAZY = {
    "RunnableConfig": "._values.config",
    "AddableDict": "._aggregate",
    "AsyncStream": "._async.stream",
    "ChatGeneration": "._values.chat_outputs",
    "ChatResult": "._values.chat_outputs",
    "BaseChatModel": "._facade.chat_model",
    "BoundChatModel": "._facade.chat_model",
    "Stream": "._sync.stream",
    "BaseEvent": "._values.events",
    "ChainEndEvent": "._values.events",
    "ChainStartEvent": "._values.events",
    "ChainStreamEvent": "._values.events",
    "ChatModelEndData": "._values.events",
    "ChatModelEndEvent": "._values.events",
    "ChatModelInput": "._values.events",
    "ChatModelStartData": "._values.events",
    "ChatModelStartEvent": "._values.events",
    "ChatModelStreamData": "._values.events",
    "ChatModelStreamEvent": "._values.events",
    "CustomEvent": "._values.events",
    "EndData": "._values.events",
    "Event": "._values.events",
    "LLMEndData": "._values.events",
    "LLMEndEvent": "._values.events",
    "LLMInput": "._values.events",
    "LLMStartData": "._values.events",
    "LLMStartEvent": "._values.events",
    "LLMStreamData": "._values.events",
    "LLMStreamEvent": "._values.events",
    "ParserEndEvent": "._values.events",
    "ParserStartEvent": "._values.events",
    "ParserStreamEvent": "._values.events",
    "PromptEndEvent": "._values.events",
    "PromptStartEvent": "._values.events",
    "PromptStreamEvent": "._values.events",
    "StartData": "._values.events",
    "StreamData": "._values.events",
    "StreamEvent": "._values.events",
    "ToolEndEvent": "._values.events",
    "ToolStartEvent": "._values.events",
    "ToolStreamEvent": "._values.events",
    "adispatch_custom_event": "._values.events",
    "dispatch_custom_event": "._values.events",
    "AIMessage": "._values.messages",
    "AIMessageChunk": "._values.messages",
    "AnyMessage": "._values.messages",
    "Citation": "._values.messages",
    "ContentBlock": "._values.messages",
    "HumanMessage": "._values.messages",
    "ImageBlock": "._values.messages",
    "InputTokenDetails": "._values.messages",
    "InvalidToolCall": "._values.messages",
    "MessageLike": "._values.messages",
    "OutputTokenDetails": "._values.messages",
    "ReasoningBlock": "._values.messages",
    "RedactedThinkingBlock": "._values.messages",
    "RefusalBlock": "._values.messages",
    "ResponseMetadata": "._values.messages",
    "SystemMessage": "._values.messages",
    "TextBlock": "._values.messages",
    "ToolCall": "._values.messages",
    "ToolCallChunk": "._values.messages",
    "ToolMessage": "._values.messages",
    "UsageMetadata": "._values.messages",
    "StructuredOutput": "._values.structured",
    "ToolSpec": "._values.tools",
    "ChatOpenAI": "._providers.openai.chat_model",
    "Anthropic": "._providers.anthropic.models",
    "ChatAnthropic": "._providers.anthropic.models",
    "ChatOllama": "._providers.ollama.models",
    "Ollama": "._providers.ollama.models",
    "AsyncOnlyLambda": "._facade.composition",
    "ChatPromptTemplate": "._facade.composition",
    "JsonOutputParser": "._facade.composition",
    "PromptTemplate": "._facade.composition",
    "RunnableAssign": "._facade.composition",
    "RunnableBinding": "._facade.composition",
    "RunnableBranch": "._facade.composition",
    "RunnableLambda": "._facade.composition",
    "RunnableParallel": "._facade.composition",
    "RunnablePassthrough": "._facade.composition",
    "RunnablePick": "._facade.composition",
    "RunnableRetry": "._facade.composition",
    "RunnableSequence": "._facade.composition",
    "RunnableWithFallbacks": "._facade.composition",
    "StrOutputParser": "._facade.composition",
    "chain": "._facade.composition",
    "FakeListChatModel": "._facade.fakes",
    "FakeListLLM": "._facade.fakes",
    "FakeStreamingListLLM": "._facade.fakes",
    "GenericFakeChatModel": "._facade.fakes",
    "ChatPromptValue": "._prompts",
    "MessagesPlaceholder": "._prompts",
    "StringPromptValue": "._prompts",
    "ToolsOutputParser": "._facade.structured",
    "Tool": "._facade.tool",
    "tool": "._facade.tool",
}


def _public(value: object) -> None:
    """Report ``rillet`` as the home of a public class or function, not its private module.

    A class keeps its own module when one of its field annotations (its own or a rillet base's)
    names something that is not public here: ``typing.get_type_hints`` and msgspec resolve string
    annotations in ``sys.modules[cls.__module__]``, and must still find ``ClassVar`` or ``Literal``
    there (``tests/unit/test_public_api.py`` checks both).
    """
    if _inspect.isfunction(value) or (isinstance(value, type) and _resolvable_here(value)):
        value.__module__ = "rillet"


def _resolvable_here(cls: type) -> bool:
    """Whether every name in the string annotations of ``cls`` and its rillet bases is public
    (a lazy name it names is imported now: the answer does not depend on what was used first)."""
    for base in cls.__mro__:
        found = _RESOLVABLE.get(base)
        if found is None:
            found = _RESOLVABLE[base] = _own_annotations_resolvable(base)
        if not found:
            return False
    return True


def _own_annotations_resolvable(cls: type) -> bool:
    if not cls.__module__.startswith("rillet"):
        return True
    namespace = globals()
    for annotation in _inspect.get_annotations(cls).values():
        if isinstance(annotation, str):
            for name in annotation.translate(_NOT_NAME).split():
                if name not in namespace and name not in _BUILTINS and not name[0].isdigit():
                    if name not in _LAZY:
                        return False  # private: it never becomes public here
                    _load(name)
    return True


def _load(name: str) -> object:
    """Import the lazy public ``name`` (see ``_LAZY``) and keep it here."""
    value: object = getattr(_importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # before _public: annotations naming each other resolve
    _public(value)
    _adopt_loaded()
    return value


def _adopt_loaded() -> None:
    """Keep here the lazy names whose modules other imports have loaded meanwhile (``ChatOpenAI``
    loads the messages): they report ``rillet`` too, whichever name was used first."""
    namespace = globals()
    for name, module in _LAZY.items():
        if name not in namespace:
            loaded = _sys.modules.get(__name__ + module)
            value = None if loaded is None else vars(loaded).get(name)
            if value is not None:  # None: not loaded, or still being imported
                namespace[name] = value
                _public(value)


if not TYPE_CHECKING:  # type checkers see the imports above: a misspelled name is reported

    def __getattr__(name: str) -> object:
        if name not in _LAZY:
            raise AttributeError(f"module 'rillet' has no attribute {name!r}")
        return _load(name)

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})


__all__ = [
    "LLM",
    "AIMessage",
    "AIMessageChunk",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AddableDict",
    "Anthropic",
    "AnthropicCallOptions",
    "AnyMessage",
    "AsyncOnlyLambda",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BaseChatModel",
    "BaseEvent",
    "BaseLLM",
    "BoundChatModel",
    "BoundLLM",
    "ChainEndEvent",
    "ChainStartEvent",
    "ChainStreamEvent",
    "ChatAnthropic",
    "ChatAnthropicCallOptions",
    "ChatGeneration",
    "ChatModelEndData",
    "ChatModelEndEvent",
    "ChatModelInput",
    "ChatModelStartData",
    "ChatModelStartEvent",
    "ChatModelStreamData",
    "ChatModelStreamEvent",
    "ChatOllama",
    "ChatOllamaCallOptions",
    "ChatOpenAI",
    "ChatOpenAICallOptions",
    "ChatPromptTemplate",
    "ChatPromptValue",
    "ChatResult",
    "Citation",
    "ConfigError",
    "ConflictError",
    "ContentBlock",
    "CustomEvent",
    "EmptyStreamError",
    "EndData",
    "Event",
    "ExponentialJitterParams",
    "FakeListChatModel",
    "FakeListChatModelError",
    "FakeListLLM",
    "FakeListLLMError",
    "FakeStreamingListLLM",
    "Generation",
    "GenerationChunk",
    "GenerationInfo",
    "GenericFakeChatModel",
    "HumanMessage",
    "ImageBlock",
    "IncompleteStreamError",
    "InputTokenDetails",
    "InternalServerError",
    "InvalidInputError",
    "InvalidOptionError",
    "InvalidToolCall",
    "JsonOutputParser",
    "LLMEndData",
    "LLMEndEvent",
    "LLMInput",
    "LLMOutput",
    "LLMResult",
    "LLMStartData",
    "LLMStartEvent",
    "LLMStreamData",
    "LLMStreamEvent",
    "LanguageModelInput",
    "Logprobs",
    "MessageLike",
    "MessagesPlaceholder",
    "NoRunError",
    "NotAChatModelError",
    "NotFoundError",
    "Ollama",
    "OllamaCallOptions",
    "OpenAI",
    "OpenAICallOptions",
    "OpenAIChat",
    "OpenAIChatCallOptions",
    "OutputParserError",
    "OutputTokenDetails",
    "ParserEndEvent",
    "ParserStartEvent",
    "ParserStreamEvent",
    "PermissionDeniedError",
    "PromptEndEvent",
    "PromptStartEvent",
    "PromptStreamEvent",
    "PromptTemplate",
    "PromptValue",
    "RateLimitError",
    "RateLimiter",
    "ReasoningBlock",
    "RedactedThinkingBlock",
    "RefusalBlock",
    "ResponseMetadata",
    "ResponseTooLargeError",
    "RilletError",
    "RunInfo",
    "Runnable",
    "RunnableAssign",
    "RunnableBinding",
    "RunnableBranch",
    "RunnableConfig",
    "RunnableLambda",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableRetry",
    "RunnableSequence",
    "RunnableWithFallbacks",
    "Secret",
    "SizeLimits",
    "StartData",
    "StrOutputParser",
    "Stream",
    "StreamClosedError",
    "StreamData",
    "StreamDecodeError",
    "StreamError",
    "StreamEvent",
    "StreamFormatError",
    "StreamInterruptedError",
    "StreamProviderError",
    "StreamTimeoutError",
    "StringPromptValue",
    "StructuredOutput",
    "StructuredOutputError",
    "SystemMessage",
    "TextBlock",
    "TokenUsage",
    "Tool",
    "ToolCall",
    "ToolCallChunk",
    "ToolCallParseError",
    "ToolDefinitionError",
    "ToolEndEvent",
    "ToolMessage",
    "ToolSpec",
    "ToolStartEvent",
    "ToolStreamEvent",
    "ToolsOutputParser",
    "UnexpectedContentTypeError",
    "UnexpectedToolCallError",
    "UnknownEventWarning",
    "UnprocessableEntityError",
    "UnsupportedOutputError",
    "UsageMetadata",
    "adispatch_custom_event",
    "chain",
    "dispatch_custom_event",
    "tool",
]

for _name in __all__:
    if _name not in _LAZY:
        _public(globals()[_name])
del _name, TYPE_CHECKING
