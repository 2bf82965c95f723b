"""``ChatHTTPApi``: everything about one provider's chat API that is not I/O, and what the chat
readers of every provider share.

A chat provider is a ``ChatHTTPApi`` subclass in its ``chat.py`` (pure): where to POST, the body
and headers of a request built from messages, the ``StreamReader`` that turns a streamed response
into ``AIMessageChunk``s and the ``AIMessage`` of a whole one. The I/O, the same for all of them,
is ``_async/chat_provider.py``'s (and its generated sync twin's), which runs the one read loop
of every provider (``_async/read_loop.py``).

What every chat reader promises (the providers' ``chat.py`` modules keep it):

- ``.text`` of the chunks is the text, never reasoning: reasoning comes as ``ReasoningBlock``s;
- usage on a chunk is a DELTA: a provider that reports running totals (Anthropic's
  ``message_start``/``message_delta``, vLLM's continuous usage) is converted by ``UsageDeltas``,
  so adding the chunks with ``+`` gives the final counts;
- each ``ResponseMetadata`` field is reported on one chunk only (model, id and fingerprint on
  the first, the finish reason on the finish chunk);
- tool-call fragments are ``ToolCallChunk``s keyed by ``index``, whatever the provider's shape.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import ClassVar, Generic, TypeVar

import msgspec

from .._values.messages import AIMessage, AIMessageChunk, AnyMessage, UsageMetadata
from .._values.options import NO_OPTIONS, CallOptions
from .._wire.reader import StreamReader
from .base import Settings, Stop

__all__ = ["ChatHTTPApi", "UsageDeltas", "usage_minus", "whole_reply"]

S = TypeVar("S", bound=Settings)
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")
T = TypeVar("T", bound=msgspec.Struct)


class ChatHTTPApi(abc.ABC, Generic[S, Frame, Payload]):
    """One chat API spoken with fixed ``settings``: messages in, a stream of ``Frame``s (SSE
    events or NDJSON lines) or a whole ``Payload`` out."""

    path: ClassVar[str]
    """Appended to ``settings.base_url``."""
    what: ClassVar[str]
    """What a whole response is, for the error when one cannot be decoded."""
    provider: ClassVar[str]
    """``ls_provider`` and ``ResponseMetadata.model_provider``: openai, anthropic, ollama."""
    call_options: ClassVar[CallOptions] = NO_OPTIONS
    """The call-time options (``model.invoke(x, temperature=0)``) this API takes; they reach
    ``body`` as ``overrides``, checked and with ``extra_body`` merged in."""

    def __init__(self, settings: S) -> None:
        self.settings = settings
        self.url = f"{settings.base_url}{self.path}"

    @abc.abstractmethod
    def headers(self, *, stream: bool) -> dict[str, str]: ...

    def ls_params(self) -> dict[str, object]:
        """LangChain's ``ls_*`` run metadata of this model: its name, and the temperature and
        max tokens when set."""
        settings = self.settings
        params: dict[str, object] = {"ls_model_name": settings.model}
        for name in ("temperature", "max_tokens"):
            value = getattr(settings, name, None)
            if value is not None:
                params[f"ls_{name}"] = value
        return params

    @abc.abstractmethod
    def body(
        self,
        messages: Sequence[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        *,
        stream: bool,
    ) -> bytes:
        """The request body. A call's ``stop`` replaces the instance's; unset parameters are
        left out; ``extra_body`` and then the call's ``overrides`` are merged last."""

    @abc.abstractmethod
    def reader(self) -> StreamReader[Frame, AIMessageChunk]:
        """A fresh reader for one streamed response."""

    @abc.abstractmethod
    def decode(self, content: bytes) -> Payload:
        """A whole response body (raises ``msgspec.DecodeError``)."""

    @abc.abstractmethod
    def message(self, payload: Payload) -> AIMessage | AIMessageChunk:
        """The message of one whole response; or, when some tool call came without an id, the
        reply as one chunk marked last (the chat model gives it its id, then its message)."""


def whole_reply(reply: AIMessageChunk) -> AIMessage | AIMessageChunk:
    """A whole response built as one finished chunk: its message, unless a tool call came
    without an id (then the chunk itself: the chat model names the message, and the call ids
    derive from that name, as for a stream's sum)."""
    if any(call.id is None for call in reply.tool_call_chunks):
        return reply
    return reply.to_message()


def usage_minus(new: T, old: T | None) -> T:
    """``new - old`` field by field (ints subtract, nested structs recurse, None stays None):
    the delta between two running totals of the same usage struct."""
    if old is None:
        return new
    changes: dict[str, object] = {}
    for name in new.__struct_fields__:
        value = getattr(new, name)
        before = getattr(old, name)
        if isinstance(value, int) and not isinstance(value, bool):
            changes[name] = value - (before if isinstance(before, int) else 0)
        elif isinstance(value, msgspec.Struct):
            changes[name] = usage_minus(value, before if type(before) is type(value) else None)
    return msgspec.structs.replace(new, **changes)


class UsageDeltas:
    """Turns the usage a provider reports (once, or as running totals) into deltas: ``delta``
    returns what changed since the last report, or None when nothing did."""

    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total: UsageMetadata | None = None

    def delta(self, total: UsageMetadata) -> UsageMetadata | None:
        if total == self.total:
            return None
        previous, self.total = self.total, total
        return usage_minus(total, previous)
