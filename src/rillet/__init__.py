"""rillet: typed, token-by-token LLM streaming through the Runnable interface.

from rillet import OpenAI

llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)
for chunk in llm.stream("Write me a 1 verse song about sparkling water."):
    print(chunk, end="|", flush=True)
"""

from ._async._stream import AsyncStream as AsyncStream
from ._config import RunnableConfig as RunnableConfig
from ._errors import (
    APIConnectionError as APIConnectionError,
    APIError as APIError,
    APIStatusError as APIStatusError,
    APITimeoutError as APITimeoutError,
    AuthenticationError as AuthenticationError,
    BadRequestError as BadRequestError,
    ConfigError as ConfigError,
    ConflictError as ConflictError,
    IncompleteStreamError as IncompleteStreamError,
    InternalServerError as InternalServerError,
    NotFoundError as NotFoundError,
    PermissionDeniedError as PermissionDeniedError,
    RateLimitError as RateLimitError,
    RilletError as RilletError,
    StreamClosedError as StreamClosedError,
    StreamDecodeError as StreamDecodeError,
    StreamError as StreamError,
    StreamProviderError as StreamProviderError,
    UnprocessableEntityError as UnprocessableEntityError,
)
from ._facade import LLM as LLM, BaseLLM as BaseLLM, Runnable as Runnable
from ._inputs import (
    InvalidInputError as InvalidInputError,
    LanguageModelInput as LanguageModelInput,
    PromptValue as PromptValue,
)
from ._models import OpenAI as OpenAI
from ._outputs import (
    Generation as Generation,
    GenerationChunk as GenerationChunk,
    GenerationInfo as GenerationInfo,
    LLMOutput as LLMOutput,
    LLMResult as LLMResult,
    Logprobs as Logprobs,
    RunInfo as RunInfo,
    TokenUsage as TokenUsage,
)
from ._secret import Secret as Secret
from ._sync._stream import Stream as Stream

__version__ = "0.1.0"

__all__ = [
    "LLM",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BaseLLM",
    "ConfigError",
    "ConflictError",
    "Generation",
    "GenerationChunk",
    "GenerationInfo",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidInputError",
    "LLMOutput",
    "LLMResult",
    "LanguageModelInput",
    "Logprobs",
    "NotFoundError",
    "OpenAI",
    "PermissionDeniedError",
    "PromptValue",
    "RateLimitError",
    "RilletError",
    "RunInfo",
    "Runnable",
    "RunnableConfig",
    "Secret",
    "Stream",
    "StreamClosedError",
    "StreamDecodeError",
    "StreamError",
    "StreamProviderError",
    "TokenUsage",
    "UnprocessableEntityError",
]
