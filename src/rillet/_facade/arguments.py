"""Constructor arguments a model does not take: an ``InvalidOptionError`` (a ``TypeError``) that
names the arguments the model takes and, for a name LangChain users write (``model_name``,
``openai_api_key``, ``model_kwargs``...) or a call-time option passed to the constructor
(``reasoning_effort``), what to write instead. Python's own ``TypeError`` says only which name
was wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Final

from .._values import options
from .._values.errors import InvalidOptionError

__all__ = ["check_arguments"]

RENAMED: Final[Mapping[str, str]] = {
    "model_name": "model",
    "openai_api_key": "api_key",
    "anthropic_api_key": "api_key",
    "openai_api_base": "base_url",
    "anthropic_api_url": "base_url",
    "openai_organization": "organization",
    "request_timeout": "timeout",
    "default_request_timeout": "timeout",
    "model_kwargs": "extra_body",
    "max_tokens_to_sample": "max_tokens",
    "max_tokens": "num_predict",
    "num_predict": "max_tokens",
}
"""Names LangChain (or another provider's model) uses for a constructor argument -> this
model's name for it (a hint only when the model takes that name)."""

DROPPED: Final[Mapping[str, str]] = {
    "stream_usage": "usage is always on the stream (stream_options.include_usage is always sent)",
    "callbacks": (
        "rillet has no callbacks: read the tokens from stream()/astream(), the runs from "
        "stream_events()/astream_events(), or trace with rillet.otel.instrument()"
    ),
    "verbose": "rillet has no verbose mode: read the runs from stream_events()/astream_events()",
    "n": "one reply per call (only OpenAI and OpenAIChat take n)",
}
"""LangChain constructor arguments with no rillet counterpart, and why."""

_keywords: dict[type, tuple[int, tuple[str, ...]] | None] = {}


def _signature(cls: type) -> tuple[int, tuple[str, ...]] | None:
    """(how many positional arguments, the keyword names) ``cls(...)`` takes; None when its
    ``__init__`` takes ``**kwargs`` (nothing to check)."""
    if cls not in _keywords:
        params = list(inspect.signature(cls).parameters.values())
        if any(p.kind is p.VAR_KEYWORD or p.kind is p.VAR_POSITIONAL for p in params):
            _keywords[cls] = None
        else:
            positional = sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
            names = tuple(p.name for p in params if p.kind is not p.POSITIONAL_ONLY)
            _keywords[cls] = (positional, names)
    return _keywords[cls]


def _call_option_names(cls: type) -> frozenset[str]:
    """The call-time options of ``cls`` (its ``<Model>CallOptions``, found by the name of the
    first class in its MRO that has one)."""
    for klass in cls.__mro__:
        spec = getattr(options, f"{klass.__name__}CallOptions", None)
        if spec is not None:
            return frozenset(spec.__annotations__)
    return frozenset()


def _hint(cls: type, name: str, takes: tuple[str, ...]) -> str:
    renamed = RENAMED.get(name)
    if renamed is not None and renamed in takes:
        return f": use {renamed}= instead"
    if name in DROPPED:
        return f": {DROPPED[name]}; drop it"
    if name in _call_option_names(cls):
        return (
            f": it is a call-time option; pass it per call (invoke(x, {name}=...)) or bind it "
            f"once (model.bind({name}=...))"
        )
    if "extra_body" in takes:
        return f" (a request parameter rillet does not know goes into extra_body={{{name!r}: ...}})"
    return ""


def check_arguments(cls: type, args: tuple[object, ...], kwargs: Mapping[str, object]) -> None:
    """Raise ``InvalidOptionError`` when ``cls(*args, **kwargs)`` names an argument ``cls``
    does not take (or passes too many positionally), saying what it takes."""
    signature = _signature(cls)
    if signature is None:
        return
    positional, takes = signature
    unknown = [name for name in kwargs if name not in takes]
    if unknown:
        name = unknown[0]
        raise InvalidOptionError(
            f"{cls.__name__} got an unknown argument {name!r}{_hint(cls, name, takes)}. "
            f"It takes: {', '.join(takes)}"
        )
    if len(args) > positional:
        example = f"model={args[0]!r}" if isinstance(args[0], str) and "model" in takes else "..."
        raise InvalidOptionError(
            f"{cls.__name__} takes its arguments by keyword only: {cls.__name__}({example}). "
            f"It takes: {', '.join(takes)}"
        )
