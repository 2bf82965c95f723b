"""``HTTPApi``: everything about one provider's HTTP API that is not I/O — the provider seam.

Each provider is a folder beside this file with the same parts: ``wire.py`` (its msgspec wire
structs and decoders), ``read.py`` (its ``StreamReader`` and whole-response results), ``api.py``
(its settings and its ``HTTPApi`` subclass: where to POST, the body and headers of a request) and
``models.py`` (the facade users construct). All but ``models.py`` are pure. The I/O, the same for
all of them, is ``_async/provider.py``'s ``AsyncHTTPLLM`` (and its generated sync twin).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from .._values.inputs import ChatInput
from .._values.options import NO_OPTIONS, CallOptions
from .._values.outputs import GenerationBuilder, GenerationChunk, LLMResult

if TYPE_CHECKING:
    from .._wire.reader import StreamReader

__all__ = ["HTTPApi", "Settings", "Stop", "call_ls_params"]

Stop = list[str] | None
Frame = TypeVar("Frame")
Payload = TypeVar("Payload")


class Settings(Protocol):
    """What the shared machinery reads from a provider's settings struct."""

    @property
    def model(self) -> str: ...

    @property
    def base_url(self) -> str: ...

    @property
    def max_retries(self) -> int: ...

    @property
    def streaming(self) -> bool: ...


S = TypeVar("S", bound=Settings)


class HTTPApi(abc.ABC, Generic[S, Frame, Payload]):
    """One HTTP API spoken with fixed ``settings``: it streams ``Frame``s (SSE events or NDJSON
    lines) and answers a non-streamed request with a ``Payload``."""

    path: ClassVar[str]
    """Appended to ``settings.base_url``."""
    what: ClassVar[str]
    """What a whole response is, for the error when one cannot be decoded."""
    batch_size: int = 1
    """Prompts per non-streamed request (more than 1 only where the API takes a list)."""
    takes_messages: ClassVar[bool] = False
    """Whether a list of messages is sent as messages (chat APIs) rather than as one string."""
    call_options: ClassVar[CallOptions] = NO_OPTIONS
    """The call-time options (``llm.invoke(x, temperature=0)``) this API takes; they reach
    ``body`` as ``overrides``, checked and with ``extra_body`` merged in."""

    def __init__(self, settings: S) -> None:
        self.settings = settings
        self.url = f"{settings.base_url}{self.path}"

    @abc.abstractmethod
    def headers(self, *, stream: bool) -> dict[str, str]: ...

    @abc.abstractmethod
    def body(
        self, prompt: ChatInput, stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> bytes:
        """The request body for one prompt. A call's ``stop`` replaces the instance's; unset
        parameters are left out; ``extra_body`` and then the call's ``overrides`` are merged
        last."""

    def batch_body(
        self, prompts: list[ChatInput], stop: Stop, overrides: Mapping[str, object]
    ) -> bytes:
        """The non-streamed body for ``prompts`` (at most ``batch_size`` of them)."""
        return self.body(prompts[0], stop, overrides, stream=False)

    @abc.abstractmethod
    def reader(self, builder: GenerationBuilder) -> StreamReader[Frame, GenerationChunk]:
        """A fresh reader for one streamed response."""

    def text_reader(self, builder: GenerationBuilder) -> StreamReader[Frame, str] | None:
        """A fresh reader that yields candidate 0's text itself (what ``astream`` hands out),
        or None: then ``astream`` takes the text of ``reader``'s chunks."""
        return None

    @abc.abstractmethod
    def decode(self, content: bytes) -> Payload:
        """A whole response body (raises ``msgspec.DecodeError``)."""

    @abc.abstractmethod
    def result(self, payload: Payload, prompts: int) -> LLMResult:
        """The result of one whole response to ``prompts`` prompts."""


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def call_ls_params(overrides: Mapping[str, object]) -> dict[str, object]:
    """The ``ls_*`` run metadata a call's (or ``bind``'s) own options change: LangChain reports
    the model, temperature and max tokens a call runs with, not the constructor's. Ollama's
    go in ``options`` (``num_predict`` is its max tokens)."""
    out: dict[str, object] = {}
    model = overrides.get("model")
    if isinstance(model, str):
        out["ls_model_name"] = model
    options = overrides.get("options")
    nested = options if isinstance(options, Mapping) else {}
    temperature = overrides.get("temperature", nested.get("temperature"))
    if _number(temperature):
        out["ls_temperature"] = temperature
    max_tokens = overrides.get("max_tokens", nested.get("num_predict"))
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool):
        out["ls_max_tokens"] = max_tokens
    return out
