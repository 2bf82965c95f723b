"""Call-time options: what ``invoke``/``stream``/``batch``/``generate``/``bind`` take besides the
input, typed per provider and checked at run time (pure; no I/O).

Each model declares its options as a ``TypedDict`` (``total=False``), the type checker sees them as
``**kwargs: Unpack[...]``, and ``CallOptions(TheTypedDict)`` checks them at run time: an unknown
name or a value of the wrong type is an ``InvalidOptionError`` (a ``TypeError``) naming what the
model takes. ``extra_body`` is the typed escape hatch for request parameters rillet does not know.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Literal, Protocol, SupportsIndex, TypedDict, TypeVar, overload

import msgspec

from .errors import InvalidInputError, InvalidOptionError

__all__ = [
    "NO_OPTIONS",
    "OLLAMA_HINT",
    "AnthropicCallOptions",
    "CallOptions",
    "ChatAnthropicCallOptions",
    "ChatOllamaCallOptions",
    "ChatOpenAICallOptions",
    "NoCallOptions",
    "OllamaCallOptions",
    "OpenAICallOptions",
    "OpenAIChatCallOptions",
    "SequenceNotStr",
    "Stop",
    "check_batch_inputs",
    "check_stop",
]

T_co = TypeVar("T_co", covariant=True)


class SequenceNotStr(Protocol[T_co]):
    """A sequence that is not a ``str``: what ``batch``/``generate`` take, so that a type checker
    reports ``llm.batch("abc")`` (a str is a sequence of its characters; ``str.__contains__``
    takes only ``str``, which this protocol's does not)."""

    @overload
    def __getitem__(self, index: SupportsIndex, /) -> T_co: ...
    @overload
    def __getitem__(self, index: slice, /) -> Sequence[T_co]: ...
    def __contains__(self, value: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[T_co]: ...
    def __reversed__(self) -> Iterator[T_co]: ...


Stop = str | Sequence[str] | None
"""A call's ``stop``: a list (or tuple) of str, or one str."""


class NoCallOptions(TypedDict, total=False):
    """A model that takes no call-time option besides ``stop`` (custom LLMs, fakes)."""


class OpenAICallOptions(TypedDict, total=False):
    """Call-time options of ``OpenAI`` (completions); each replaces the model's setting for this
    call. Other request parameters: ``extra_body={...}``."""

    temperature: float
    max_tokens: int
    top_p: float
    frequency_penalty: float
    presence_penalty: float
    seed: int
    logit_bias: Mapping[str, int]
    logprobs: int
    best_of: int
    echo: bool
    suffix: str
    user: str
    extra_body: Mapping[str, object]


class OpenAIChatCallOptions(TypedDict, total=False):
    """Call-time options of ``OpenAIChat`` (chat completions). Other request parameters:
    ``extra_body={...}``."""

    temperature: float
    max_tokens: int
    max_completion_tokens: int
    top_p: float
    frequency_penalty: float
    presence_penalty: float
    seed: int
    logit_bias: Mapping[str, int]
    reasoning_effort: str
    response_format: Mapping[str, object]
    user: str
    extra_body: Mapping[str, object]


class AnthropicCallOptions(TypedDict, total=False):
    """Call-time options of ``Anthropic`` (Messages API). Other request parameters:
    ``extra_body={...}``."""

    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    metadata: Mapping[str, str]
    extra_body: Mapping[str, object]


class OllamaCallOptions(TypedDict, total=False):
    """Call-time options of ``Ollama`` (``/api/generate``). ``options`` (``temperature``,
    ``num_predict``, ``top_k``...) is merged over the model's ``options``. Other request
    parameters: ``extra_body={...}``."""

    options: Mapping[str, object]
    system: str
    keep_alive: str | float
    format: str | Mapping[str, object]
    suffix: str
    raw: bool
    extra_body: Mapping[str, object]


ToolDicts = Sequence[Mapping[str, object]]
"""Tools as the provider's request takes them (``bind_tools`` builds them from Structs,
functions and ``@tool`` tools)."""


class ChatOpenAICallOptions(TypedDict, total=False):
    """Call-time options of ``ChatOpenAI`` (chat completions): each replaces the model's setting
    for this call. ``tools``/``tool_choice``/``parallel_tool_calls``/``response_format`` are the
    request's own objects (what ``bind_tools`` and ``with_structured_output`` send). Other
    request parameters: ``extra_body={...}``."""

    temperature: float
    max_tokens: int
    max_completion_tokens: int
    top_p: float
    frequency_penalty: float
    presence_penalty: float
    seed: int
    logit_bias: Mapping[str, int]
    reasoning_effort: str
    service_tier: str
    user: str
    metadata: Mapping[str, str]
    store: bool
    response_format: Mapping[str, object]
    tools: ToolDicts
    tool_choice: Literal["auto", "none", "required"] | Mapping[str, object]
    parallel_tool_calls: bool
    extra_body: Mapping[str, object]


class ChatAnthropicCallOptions(TypedDict, total=False):
    """Call-time options of ``ChatAnthropic`` (Messages API): each replaces the model's setting
    for this call; ``thinking``, ``tools``, ``tool_choice`` and ``output_config`` are the
    request's own objects (``{"type": "enabled", "budget_tokens": 2048}``, what ``bind_tools``
    and ``with_structured_output(method="json_schema")`` send). Other request parameters:
    ``extra_body={...}``."""

    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    metadata: Mapping[str, str]
    thinking: Mapping[str, object]
    tools: ToolDicts
    tool_choice: Mapping[str, object]
    output_config: Mapping[str, object]
    extra_body: Mapping[str, object]


class ChatOllamaCallOptions(TypedDict, total=False):
    """Call-time options of ``ChatOllama`` (``/api/chat``). ``options`` (``temperature``,
    ``num_predict``, ``top_k``...) is merged over the model's ``options``; ``think`` is
    Ollama's switch for reasoning (``True``/``False`` or a level); ``format`` is ``"json"`` or a
    JSON schema (what ``with_structured_output`` sends); ``tools`` what ``bind_tools`` sends.
    Other request parameters: ``extra_body={...}``."""

    options: Mapping[str, object]
    format: Literal["json"] | Mapping[str, object]
    think: bool | Literal["low", "medium", "high"]
    keep_alive: str | float
    tools: ToolDicts
    extra_body: Mapping[str, object]


class CallOptions:
    """The run-time check of one ``TypedDict`` of call options (built once per provider)."""

    __slots__ = ("hint", "names", "spec")

    def __init__(self, spec: type[Mapping[str, object]], *, hint: str = "") -> None:
        self.spec = spec
        self.names = frozenset(spec.__annotations__)
        self.hint = hint

    def allowed(self) -> str:
        names = ["stop", *sorted(self.names)]
        return ", ".join(names)

    def check(self, owner: str, options: Mapping[str, object]) -> dict[str, object]:
        """``options`` as request-body keys: unknown names and ill-typed values are refused;
        ``extra_body``'s keys are merged in last."""
        if not options:
            return {}
        unknown = [name for name in options if name not in self.names]
        if unknown:
            hint = self.hint + (
                "; other request parameters go into extra_body={...}"
                if "extra_body" in self.names
                else ""
            )
            raise InvalidOptionError(
                f"{owner} got unknown call option(s) {', '.join(map(repr, unknown))}; "
                f"it takes: {self.allowed()}{hint}"
            )
        try:
            msgspec.convert(dict(options), self.spec)
        except msgspec.ValidationError as exc:
            raise InvalidOptionError(f"{owner}: invalid call option: {exc}") from None
        body = {name: value for name, value in options.items() if name != "extra_body"}
        extra = options.get("extra_body")
        if isinstance(extra, Mapping):
            body.update(extra)
        return body


NO_OPTIONS = CallOptions(NoCallOptions)
OLLAMA_HINT = "; sampling parameters (temperature, num_predict, top_k...) go into options={...}"
"""Ollama takes its sampling parameters inside ``options``, not at the top level."""


def check_stop(owner: str, stop: Stop) -> list[str] | None:
    """A call's ``stop`` as a list of str (one str becomes a list of one), or None."""
    if stop is None:
        return None
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, Sequence):
        items = list(stop)
        if all(isinstance(s, str) for s in items):
            return items
    raise InvalidOptionError(f"{owner}: stop must be a str or a list of str, got {stop!r}")


def check_batch_inputs(inputs: object, what: str = "batch() takes a list of inputs") -> None:
    """Refuse a bare str (or bytes) where a list of inputs belongs: it would run once per
    character."""
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise InvalidInputError(
            f"{what}, got {type(inputs).__name__} {inputs!r:.60}; "
            "for a single input use invoke(), or wrap it in a list"
        )
