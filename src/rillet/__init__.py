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
import re as _re
from typing import TYPE_CHECKING

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
from ._facade.llm import LLM as LLM, BaseLLM as BaseLLM, BoundLLM as BoundLLM
from ._facade.runnable import (
    ExponentialJitterParams as ExponentialJitterParams,
    Runnable as Runnable,
)
from ._facade.structured import ToolsOutputParser as ToolsOutputParser
from ._facade.tool import Tool as Tool, tool as tool
from ._prompts import (
    ChatPromptValue as ChatPromptValue,
    MessagesPlaceholder as MessagesPlaceholder,
    StringPromptValue as StringPromptValue,
)
from ._providers.openai.models import (
    ChatOpenAI as ChatOpenAI,
    OpenAI as OpenAI,
    OpenAIChat as OpenAIChat,
)
from ._rate_limit import RateLimiter as RateLimiter
from ._sync.stream import Stream as Stream
from ._values.config import RunnableConfig as RunnableConfig
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
from ._values.inputs import (
    LanguageModelInput as LanguageModelInput,
    PromptValue as PromptValue,
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
    ChatGeneration as ChatGeneration,
    ChatResult as ChatResult,
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
from ._values.structured import StructuredOutput as StructuredOutput
from ._values.tools import ToolSpec as ToolSpec
from ._wire.limits import SizeLimits as SizeLimits

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ._providers.anthropic.models import (
        Anthropic as Anthropic,
        ChatAnthropic as ChatAnthropic,
    )
    from ._providers.ollama.models import ChatOllama as ChatOllama, Ollama as Ollama

_BUILTINS = frozenset(vars(_builtins))
_NAME = _re.compile(r"[A-Za-z_]\w*")

# Imported on first use: each pulls in its provider's wire structs.
_LAZY = {
    "Anthropic": "._providers.anthropic.models",
    "ChatAnthropic": "._providers.anthropic.models",
    "ChatOllama": "._providers.ollama.models",
    "Ollama": "._providers.ollama.models",
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
    """Whether every name in the string annotations of ``cls`` and its rillet bases is public."""
    namespace = globals()
    for base in cls.__mro__:
        if base.__module__.partition(".")[0] != "rillet":
            continue
        for annotation in _inspect.get_annotations(base).values():
            if isinstance(annotation, str):
                for name in _NAME.findall(annotation):
                    if name not in namespace and name not in _BUILTINS:
                        return False
    return True


if not TYPE_CHECKING:  # type checkers see the imports above: a misspelled name is reported

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'rillet' has no attribute {name!r}")
        value: object = getattr(_importlib.import_module(module, __name__), name)
        _public(value)
        globals()[name] = value
        return value


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
