"""The error tree, and the one table from HTTP status to error class.

    RilletError
    ├── ConfigError (also ValueError)           bad arguments: the caller must change the call
    │   ├── ToolDefinitionError                 a tool that cannot be described to a model
    │   ├── InvalidOptionError (also TypeError) an unknown or ill-typed call-time option
    │   │                                       or constructor argument
    │   └── NotAChatModelError (also AttributeError) a chat model's method (bind_tools,
    │                                           with_structured_output) asked of a string LLM
    ├── APIError                                 something went wrong talking to a provider
    │   ├── APIConnectionError                   no usable response (DNS, refused, reset, TLS...)
    │   │   └── APITimeoutError                  connect/read/write/pool timeout
    │   ├── APIStatusError                       the server answered with a non-2xx status
    │   │   ├── BadRequestError                  400
    │   │   ├── AuthenticationError              401
    │   │   ├── PermissionDeniedError            403
    │   │   ├── NotFoundError                    404
    │   │   ├── ConflictError                    409
    │   │   ├── UnprocessableEntityError         422
    │   │   ├── RateLimitError                   429
    │   │   └── InternalServerError              >= 500
    │   └── StreamError                          a 2xx response came, then its stream went wrong
    │       ├── StreamDecodeError                an event that is not the JSON we expected
    │       ├── StreamProviderError              the provider sent an error object inside the stream
    │       ├── IncompleteStreamError            the stream ended without its terminal event
    │       │   └── EmptyStreamError             ... without any byte at all
    │       ├── ResponseTooLargeError            an event, line or whole body over its size limit
    │       ├── StreamFormatError                the body is not a stream (no event in it)
    │       │   └── UnexpectedContentTypeError   ... and says so: JSON or HTML instead of a stream
    │       └── StreamInterruptedError           the connection broke mid-stream (also an
    │           │                                APIConnectionError)
    │           └── StreamTimeoutError           a read or the total timeout expired mid-stream
    │                                            (also an APITimeoutError)
    ├── StreamClosedError (also RuntimeError)     a closed stream was used again
    ├── NoRunError (also RuntimeError)            a custom event was dispatched outside of a run
    ├── InvalidInputError (also ValueError)       an input this runnable does not accept
    ├── ToolCallParseError (also ValueError)      a tool call's arguments do not fit the type asked
    ├── OutputParserError (also ValueError)       a model's output could not be parsed
    │   └── StructuredOutputError                 ... into the structured-output schema
    ├── UnexpectedToolCallError                   a string LLM's model answered with a tool call
    ├── UnsupportedOutputError                    the model's output holds something rillet cannot
    │                                            represent (audio, logprobs, an unknown delta)
    ├── FakeListLLMError                          FakeStreamingListLLM's scripted failure (tests)
    └── FakeListChatModelError                    the fake chat models' scripted failure (tests)

    UnknownEventWarning (a UserWarning)          a stream event of a type rillet does not know

Every error raised after the first token carries ``partial_text``: the text already streamed, so
nothing the caller paid for is lost. Every ``StreamError`` also carries the response's
``status_code`` and ``request_id`` and, where one exists, the ``raw`` bytes at fault.

Retries (``_retry.py``) happen only before a response is handed back, so a ``StreamError`` is
never retried: part of the output has already been delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .messages import UsageMetadata

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "EmptyStreamError",
    "FakeListChatModelError",
    "FakeListLLMError",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidInputError",
    "InvalidOptionError",
    "NoRunError",
    "NotFoundError",
    "OutputParserError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RilletError",
    "StreamClosedError",
    "StreamDecodeError",
    "StreamError",
    "StreamFormatError",
    "StreamInterruptedError",
    "StreamProviderError",
    "StreamTimeoutError",
    "StructuredOutputError",
    "ToolCallParseError",
    "ToolDefinitionError",
    "UnexpectedContentTypeError",
    "UnexpectedToolCallError",
    "UnknownEventWarning",
    "UnprocessableEntityError",
    "UnsupportedOutputError",
    "error_message",
    "status_error",
]


class RilletError(Exception):
    """Base of every error rillet raises.

    ``partial_text`` is the text streamed before the error ("" when it happened before the first
    token, or outside a stream).
    """

    partial_text: str = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(RilletError, ValueError):
    """An argument is invalid. The message says what was expected."""


class InvalidOptionError(ConfigError, TypeError):
    """A call-time option (``llm.invoke(x, temperature=...)``, ``bind``, ``with_config``) or a
    constructor argument this runnable does not take, or a value of the wrong type; the message
    names what it takes."""


class NotAChatModelError(ConfigError, AttributeError):
    """A chat model's method (``bind_tools``, ``with_structured_output``) was asked of a string
    LLM (``OpenAIChat``, ``Anthropic``...), which has none: the message names the chat model to
    use. An ``AttributeError``, so ``hasattr(llm, "bind_tools")`` stays False."""


class StreamClosedError(RilletError, RuntimeError):
    """The stream was already closed or consumed; start a new one."""


class ToolCallParseError(RilletError, ValueError):
    """``ToolCall.parse(T)`` failed: the arguments the model sent do not fit ``T``.

    ``name`` and ``tool_args`` are the tool call's; the message says which field is wrong.
    """

    def __init__(self, message: str, *, name: str, args: object) -> None:
        super().__init__(message)
        self.name = name
        self.tool_args = args


class ToolDefinitionError(ConfigError):
    """A tool could not be described to a model (no schema, a bad name, an unsupported type).

    The message names the tool and says what to change."""


class NoRunError(RilletError, RuntimeError):
    """A custom event was dispatched outside of a run (call it from inside a RunnableLambda)."""


class InvalidInputError(RilletError, ValueError):
    """The input is not something this runnable accepts; the message says what is."""


class OutputParserError(RilletError, ValueError):
    """The model's output could not be parsed. ``text`` is the whole output."""

    def __init__(self, message: str, *, text: str) -> None:
        super().__init__(message)
        self.text = text
        self.partial_text = text


class StructuredOutputError(OutputParserError):
    """The model's structured output did not decode into the schema (or the model did not call
    the tool that carries it). ``text`` is the raw output, ``schema`` the type it had to fit."""

    def __init__(self, message: str, *, text: str, schema: object) -> None:
        super().__init__(message, text=text)
        self.schema = schema


class UnexpectedToolCallError(RilletError):
    """A string LLM (``OpenAIChat``, ``Anthropic``) got a tool call back, which a string cannot
    carry: use the chat model (``ChatOpenAI(...).bind_tools([...])``). ``tool_name`` is the
    call's name; ``partial_text`` the text before it."""

    def __init__(
        self, *, tool_name: str | None, llm: str, chat_model: str, partial_text: str = ""
    ) -> None:
        super().__init__(
            f"the model answered with a tool call ({tool_name or 'unnamed'}), which {llm}, a "
            f"string LLM, cannot return: use {chat_model}(...).bind_tools([...]) to receive tool "
            "calls (and drop tools=... from bind())"
        )
        self.tool_name = tool_name
        self.partial_text = partial_text


class UnsupportedOutputError(RilletError):
    """The model's reply holds a kind of output rillet cannot represent (OpenAI ``audio``,
    ``logprobs``, a legacy ``function_call``; an Anthropic delta type rillet does not know):
    raised instead of dropping it. ``what`` names the wire field; ``partial_text`` is the text
    streamed before it."""

    def __init__(self, message: str, *, what: str, partial_text: str = "") -> None:
        super().__init__(message)
        self.what = what
        self.partial_text = partial_text


class FakeListLLMError(RilletError):
    """Raised by ``FakeStreamingListLLM`` at ``error_on_chunk_number``; ``partial_text`` holds
    the characters streamed before it."""


class FakeListChatModelError(RilletError):
    """Raised by the fake chat models: at ``error_on_chunk_number``, or when a
    ``GenericFakeChatModel`` has no scripted message left. ``partial_text`` holds the text
    streamed before it."""


class APIError(RilletError):
    """A request to the provider failed. ``method`` and ``url`` name the request."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class APIConnectionError(APIError):
    """No usable response: the connection failed or broke."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool)."""


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    ``body`` is the decoded JSON error body (the inner ``error`` object when there is one) or the
    raw text; ``request_id`` comes from the ``x-request-id`` (or ``request-id``) header.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.headers: Mapping[str, str] = dict(headers or {})


class BadRequestError(APIStatusError):
    """400: the request is malformed; fix it, retrying will not help."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource."""


class NotFoundError(APIStatusError):
    """404: unknown model or endpoint (check ``model`` and ``base_url``)."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429: rate limited or out of quota."""


class InternalServerError(APIStatusError):
    """5xx: the provider failed."""


class StreamError(APIError):
    """A 2xx response came, then its stream failed.

    ``status_code`` and ``request_id`` name the response; ``raw`` holds the bytes at fault (the
    offending event's data, the unterminated tail of a truncated stream, the first bytes of a
    body that is not a stream), ``b""`` when there are none; ``partial_text`` is the text
    streamed before the failure.
    """

    def __init__(
        self,
        message: str,
        *,
        partial_text: str = "",
        request_id: str | None = None,
        status_code: int | None = None,
        raw: bytes = b"",
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.partial_text = partial_text
        self.request_id = request_id
        self.status_code = status_code
        self.raw = raw


class StreamDecodeError(StreamError):
    """An event's data could not be decoded. ``raw`` holds the offending data bytes."""


class StreamProviderError(StreamError):
    """The provider reported an error inside a 200 stream. ``body`` is its error object;
    ``usage`` the token counts the provider reported with it (OpenRouter sends the usage of the
    whole request on its error chunk), None when it sent none (or for a string LLM)."""

    def __init__(
        self,
        message: str,
        *,
        body: object,
        raw: bytes,
        usage: UsageMetadata | None = None,
        partial_text: str = "",
        request_id: str | None = None,
        status_code: int | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(
            message,
            partial_text=partial_text,
            request_id=request_id,
            status_code=status_code,
            raw=raw,
            method=method,
            url=url,
        )
        self.body = body
        self.usage = usage


class IncompleteStreamError(StreamError):
    """The stream ended (EOF) before its terminal event (``[DONE]``, ``message_stop``...).

    ``raw`` is the unterminated tail the stream ended on (a partial event), if any.
    """


class EmptyStreamError(IncompleteStreamError):
    """The 2xx response had an empty body: not a single event."""


class ResponseTooLargeError(StreamError):
    """The server sent more than a size limit allows (``SizeLimits``): an SSE event or NDJSON
    line longer than ``max_event_bytes``, or a whole answer longer than ``max_response_bytes``.
    Reading stopped there: ``limit_name`` and ``limit`` say which limit, ``raw`` holds the first
    bytes, ``partial_text`` the text streamed before."""

    def __init__(
        self,
        message: str,
        *,
        limit_name: str,
        limit: int,
        raw: bytes,
        partial_text: str = "",
        request_id: str | None = None,
        status_code: int | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(
            message,
            partial_text=partial_text,
            request_id=request_id,
            status_code=status_code,
            raw=raw,
            method=method,
            url=url,
        )
        self.limit_name = limit_name
        self.limit = limit


class StreamFormatError(StreamError):
    """The 2xx body is not the stream that was asked for: no event or line could be read from it
    (e.g. a JSON error or an HTML page instead of ``text/event-stream``, which some servers send
    for a prompt that is too long). ``raw`` holds the body's first bytes and ``body`` its
    decoded JSON error object, if it is one (else None)."""

    def __init__(
        self,
        message: str,
        *,
        body: object = None,
        raw: bytes,
        partial_text: str = "",
        request_id: str | None = None,
        status_code: int | None = None,
        content_type: str | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(
            message,
            partial_text=partial_text,
            request_id=request_id,
            status_code=status_code,
            raw=raw,
            method=method,
            url=url,
        )
        self.body = body
        self.content_type = content_type


class UnexpectedContentTypeError(StreamFormatError):
    """The 2xx response declared a content type that is not a stream (``application/json``,
    ``text/html``...); ``content_type`` says which. It was not parsed as a stream."""


class StreamInterruptedError(StreamError, APIConnectionError):
    """The connection broke (reset, closed mid-body) while the stream was being read. Also an
    ``APIConnectionError``; not retried, since part of the output was already delivered."""


class StreamTimeoutError(StreamInterruptedError, APITimeoutError):
    """A read timed out mid-stream (the server stalled), or the request's total timeout passed.
    Also an ``APITimeoutError``."""


class UnknownEventWarning(UserWarning):
    """A stream carried an event type this version of rillet does not know; it was skipped.

    Providers add event types over time (Anthropic's docs reserve the right to), so an unknown
    event is not fatal, but it is not dropped in silence either. ``event_type`` and ``raw`` (the
    event's data) say what it was. To fail instead: ``warnings.simplefilter("error",
    UnknownEventWarning)``; to silence it: ``"ignore"``.
    """

    def __init__(self, message: str, *, event_type: str, raw: bytes) -> None:
        super().__init__(message)
        self.event_type = event_type
        self.raw = raw


_STATUS_ERRORS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_message(body: object) -> str | None:
    """The human message of a decoded error body, if it has one (at most 500 characters)."""
    message: object = body
    if isinstance(body, Mapping):
        # OpenAI and Anthropic: {"message": ...} (the inner error object); Ollama: {"error": "..."}
        message = body.get("message", body.get("error"))
        if isinstance(message, Mapping):  # {"error": {"message": ...}} left whole
            message = message.get("message")
    if isinstance(message, str) and message:
        return message[:500]
    return None


def status_error(
    status_code: int,
    *,
    body: object,
    request_id: str | None,
    headers: Mapping[str, str],
    method: str,
    url: str,
) -> APIStatusError:
    """The error for a non-2xx response, picked from the status table."""
    default = InternalServerError if status_code >= 500 else APIStatusError
    cls = _STATUS_ERRORS.get(status_code, default)
    detail = ""
    if 300 <= status_code < 400:
        location = headers.get("location") or headers.get("Location") or "?"
        detail = (
            f" (a redirect to {location}): rillet follows no redirect, so that an API key is "
            "never sent to another URL; set base_url to the final URL"
        )
    elif (message := error_message(body)) is not None:
        detail = f": {message}"
    return cls(
        f"{method} {url} returned HTTP {status_code}{detail}",
        status_code=status_code,
        body=body,
        request_id=request_id,
        headers=headers,
        method=method,
        url=url,
    )
