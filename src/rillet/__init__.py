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
)
from ._errors import (
    APIError as APIError,
)
from ._errors import (
    APIStatusError as APIStatusError,
)
from ._errors import (
    APITimeoutError as APITimeoutError,
)
from ._errors import (
    AuthenticationError as AuthenticationError,
)
from ._errors import (
    BadRequestError as BadRequestError,
)
from ._errors import (
    ConfigError as ConfigError,
)
from ._errors import (
    ConflictError as ConflictError,
)
from ._errors import (
    IncompleteStreamError as IncompleteStreamError,
)
from ._errors import (
    InternalServerError as InternalServerError,
)
from ._errors import (
    NotFoundError as NotFoundError,
)
from ._errors import (
    PermissionDeniedError as PermissionDeniedError,
)
from ._errors import (
    RateLimitError as RateLimitError,
)
from ._errors import (
    RilletError as RilletError,
)
from ._errors import (
    StreamClosedError as StreamClosedError,
)
from ._errors import (
    StreamDecodeError as StreamDecodeError,
)
from ._errors import (
    StreamError as StreamError,
)
from ._errors import (
    StreamProviderError as StreamProviderError,
)
from ._errors import (
    UnprocessableEntityError as UnprocessableEntityError,
)
from ._facade import LLM as LLM
from ._facade import BaseLLM as BaseLLM
from ._facade import OpenAI as OpenAI
from ._facade import Runnable as Runnable
from ._inputs import (
    InvalidInputError as InvalidInputError,
)
from ._inputs import (
    LanguageModelInput as LanguageModelInput,
)
from ._inputs import (
    PromptValue as PromptValue,
)
from ._outputs import (
    Generation as Generation,
)
from ._outputs import (
    GenerationChunk as GenerationChunk,
)
from ._outputs import (
    GenerationInfo as GenerationInfo,
)
from ._outputs import (
    LLMOutput as LLMOutput,
)
from ._outputs import (
    LLMResult as LLMResult,
)
from ._outputs import (
    Logprobs as Logprobs,
)
from ._outputs import (
    RunInfo as RunInfo,
)
from ._outputs import (
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
