"""Typed events of a run tree (``astream_events``/``stream_events``), and the run bookkeeping.

Events are a msgspec tagged union on ``event``; ``msgspec.json.encode(event)`` gives LangChain's
JSON shape (``event``, ``name``, ``run_id``, ``tags``, ``metadata``, ``data``, ``parent_ids``).
No I/O here: the runnables in ``_async/`` create events through ``RunScope`` and yield them inline.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Sequence
from typing import Final, Literal, TypeAlias, cast

import msgspec

from .config import RunnableConfig
from .errors import ConfigError, RilletError
from .outputs import GenerationChunk, LLMResult

__all__ = [
    "BaseEvent",
    "ChainEndEvent",
    "ChainStartEvent",
    "ChainStreamEvent",
    "CustomEvent",
    "EventData",
    "EventFilter",
    "LLMEndEvent",
    "LLMInput",
    "LLMStartEvent",
    "LLMStreamEvent",
    "NoRunError",
    "ParserEndEvent",
    "ParserStartEvent",
    "ParserStreamEvent",
    "PromptEndEvent",
    "PromptStartEvent",
    "PromptStreamEvent",
    "RunKind",
    "RunScope",
    "StreamEvent",
    "ToolEndEvent",
    "ToolStartEvent",
    "ToolStreamEvent",
    "adispatch_custom_event",
    "dispatch_custom_event",
]

RunKind: TypeAlias = Literal["llm", "chain", "prompt", "parser", "tool"]
Version: TypeAlias = Literal["v1", "v2"]
UNSET: Final = msgspec.UNSET


class LLMInput(msgspec.Struct, frozen=True):
    """What an LLM run was asked: LangChain's ``{"prompts": [...]}``."""

    prompts: list[str]


# -- data payloads -----------------------------------------------------------------------------


class StartData(msgspec.Struct, frozen=True, omit_defaults=True):
    """``input`` is unset when the run consumes a stream (known only at the end)."""

    input: object | msgspec.UnsetType = UNSET


class StreamData(msgspec.Struct, frozen=True):
    chunk: object


class EndData(msgspec.Struct, frozen=True, omit_defaults=True):
    output: object
    input: object | msgspec.UnsetType = UNSET


class LLMStartData(msgspec.Struct, frozen=True):
    input: LLMInput


class LLMStreamData(msgspec.Struct, frozen=True):
    chunk: GenerationChunk


class LLMEndData(msgspec.Struct, frozen=True):
    """``output`` is None only in v1, for a run that failed (as LangChain's v1 reports it)."""

    output: LLMResult | None
    input: LLMInput


EventData: TypeAlias = StartData | StreamData | EndData | LLMStartData | LLMStreamData | LLMEndData


# -- events --------------------------------------------------------------------------------------


class BaseEvent(msgspec.Struct, tag_field="event", kw_only=True, frozen=True):
    """Fields every event has. ``parent_ids`` runs root first (always empty in v1)."""

    name: str
    run_id: str
    tags: list[str]
    metadata: dict[str, object]
    parent_ids: list[str]


class LLMStartEvent(BaseEvent, tag="on_llm_start", kw_only=True, frozen=True):
    data: LLMStartData


class LLMStreamEvent(BaseEvent, tag="on_llm_stream", kw_only=True, frozen=True):
    data: LLMStreamData


class LLMEndEvent(BaseEvent, tag="on_llm_end", kw_only=True, frozen=True):
    data: LLMEndData


class ChainStartEvent(BaseEvent, tag="on_chain_start", kw_only=True, frozen=True):
    data: StartData


class ChainStreamEvent(BaseEvent, tag="on_chain_stream", kw_only=True, frozen=True):
    data: StreamData


class ChainEndEvent(BaseEvent, tag="on_chain_end", kw_only=True, frozen=True):
    data: EndData


class PromptStartEvent(BaseEvent, tag="on_prompt_start", kw_only=True, frozen=True):
    data: StartData


class PromptStreamEvent(BaseEvent, tag="on_prompt_stream", kw_only=True, frozen=True):
    data: StreamData


class PromptEndEvent(BaseEvent, tag="on_prompt_end", kw_only=True, frozen=True):
    data: EndData


class ParserStartEvent(BaseEvent, tag="on_parser_start", kw_only=True, frozen=True):
    data: StartData


class ParserStreamEvent(BaseEvent, tag="on_parser_stream", kw_only=True, frozen=True):
    data: StreamData


class ParserEndEvent(BaseEvent, tag="on_parser_end", kw_only=True, frozen=True):
    data: EndData


class ToolStartEvent(BaseEvent, tag="on_tool_start", kw_only=True, frozen=True):
    data: StartData


class ToolStreamEvent(BaseEvent, tag="on_tool_stream", kw_only=True, frozen=True):
    """v1 only: LangChain's v1 reports a tool's result as a stream event too."""

    data: StreamData


class ToolEndEvent(BaseEvent, tag="on_tool_end", kw_only=True, frozen=True):
    data: EndData


class CustomEvent(BaseEvent, tag="on_custom_event", kw_only=True, frozen=True):
    """Dispatched by user code with ``dispatch_custom_event(name, data)`` (v2 only)."""

    data: object


StreamEvent: TypeAlias = (
    LLMStartEvent
    | LLMStreamEvent
    | LLMEndEvent
    | ChainStartEvent
    | ChainStreamEvent
    | ChainEndEvent
    | PromptStartEvent
    | PromptStreamEvent
    | PromptEndEvent
    | ParserStartEvent
    | ParserStreamEvent
    | ParserEndEvent
    | ToolStartEvent
    | ToolStreamEvent
    | ToolEndEvent
    | CustomEvent
)

_START: Final = {
    "chain": ChainStartEvent,
    "prompt": PromptStartEvent,
    "parser": ParserStartEvent,
    "tool": ToolStartEvent,
}
_STREAM: Final = {
    "chain": ChainStreamEvent,
    "prompt": PromptStreamEvent,
    "parser": ParserStreamEvent,
    "tool": ToolStreamEvent,
}
_END: Final = {
    "chain": ChainEndEvent,
    "prompt": PromptEndEvent,
    "parser": ParserEndEvent,
    "tool": ToolEndEvent,
}


def check_version(version: str) -> Version:
    if version in ("v1", "v2"):
        return cast(Version, version)
    raise ConfigError(f"unsupported astream_events version {version!r}: expected 'v1' or 'v2'")


class RunScope:
    """One run in a run tree: its identity, and the events it emits (when events are on).

    ``emit`` is False under plain ``stream``/``invoke``: then no event object is ever built,
    so streaming without events costs nothing extra.
    """

    __slots__ = (
        "_custom",
        "emit",
        "kind",
        "metadata",
        "name",
        "parent_ids",
        "run_id",
        "tags",
        "version",
    )

    def __init__(
        self,
        *,
        kind: RunKind,
        name: str,
        config: RunnableConfig,
        parent_ids: Sequence[str],
        emit: bool,
        version: Version,
    ) -> None:
        run_id = config.get("run_id")
        self.run_id = str(run_id if run_id is not None else uuid.uuid4())
        self.kind: RunKind = kind
        self.name = config.get("run_name") or name
        self.tags = list(config.get("tags", ()))
        self.metadata = dict(config.get("metadata", {}))
        self.parent_ids = list(parent_ids) if version == "v2" else []
        self.emit = emit
        self.version: Version = version
        self._custom: list[CustomEvent] = []

    def child_parents(self) -> tuple[str, ...]:
        """The parent ids a child of this run has (root first)."""
        return (*self.parent_ids, self.run_id)

    def start(self, input: object | msgspec.UnsetType = UNSET) -> BaseEvent:
        return _START[self.kind](
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=StartData(input),
        )

    def stream(self, chunk: object) -> BaseEvent:
        return _STREAM[self.kind](
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=StreamData(chunk),
        )

    def end(self, output: object, input: object | msgspec.UnsetType = UNSET) -> BaseEvent:
        return _END[self.kind](
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=EndData(output, input),
        )

    def llm_start(self, input: LLMInput) -> LLMStartEvent:
        return LLMStartEvent(
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=LLMStartData(input),
        )

    def llm_stream(self, chunk: GenerationChunk) -> LLMStreamEvent:
        return LLMStreamEvent(
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=LLMStreamData(chunk),
        )

    def llm_end(self, output: LLMResult | None, input: LLMInput) -> LLMEndEvent:
        return LLMEndEvent(
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=LLMEndData(output, input),
        )

    # -- custom events ------------------------------------------------------------------------

    def add_custom(self, name: str, data: object) -> None:
        if self.emit and self.version == "v2":
            self._custom.append(
                CustomEvent(
                    name=name,
                    run_id=self.run_id,
                    tags=self.tags,
                    metadata=self.metadata,
                    parent_ids=self.parent_ids,
                    data=data,
                )
            )

    def take_custom(self) -> list[CustomEvent]:
        """Custom events dispatched since the last call, in order."""
        if not self._custom:
            return self._custom
        taken, self._custom = self._custom, []
        return taken


class EventFilter:
    """LangChain's include/exclude rules, applied per event to the emitting run only.

    Included when no include_* is given, or when the name, the run type or any tag is included;
    then excluded when the name, the type or any tag is excluded. A custom event's "type" is its
    name, as in LangChain.
    """

    __slots__ = ("_all", "_ex_names", "_ex_tags", "_ex_types", "_in_names", "_in_tags", "_in_types")

    def __init__(
        self,
        *,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
    ) -> None:
        for label, value in (
            ("include_names", include_names),
            ("include_types", include_types),
            ("include_tags", include_tags),
            ("exclude_names", exclude_names),
            ("exclude_types", exclude_types),
            ("exclude_tags", exclude_tags),
        ):
            if isinstance(value, str):
                raise ConfigError(f"{label} must be a list of str, got the str {value!r}")
        self._in_names = frozenset(include_names) if include_names is not None else None
        self._in_types = frozenset(include_types) if include_types is not None else None
        self._in_tags = frozenset(include_tags) if include_tags is not None else None
        self._ex_names = frozenset(exclude_names or ())
        self._ex_types = frozenset(exclude_types or ())
        self._ex_tags = frozenset(exclude_tags or ())
        self._all = (
            self._in_names is None
            and self._in_types is None
            and self._in_tags is None
            and not self._ex_names
            and not self._ex_types
            and not self._ex_tags
        )

    def accepts(self, event: BaseEvent) -> bool:
        if self._all:
            return True
        kind = event.name if isinstance(event, CustomEvent) else _run_type(event)
        if self._in_names is None and self._in_types is None and self._in_tags is None:
            included = True
        else:
            included = (
                (self._in_names is not None and event.name in self._in_names)
                or (self._in_types is not None and kind in self._in_types)
                or (self._in_tags is not None and not self._in_tags.isdisjoint(event.tags))
            )
        return (
            included
            and event.name not in self._ex_names
            and kind not in self._ex_types
            and self._ex_tags.isdisjoint(event.tags)
        )


def _run_type(event: BaseEvent) -> str:
    tag = type(event).__struct_config__.tag
    assert isinstance(tag, str)
    return tag.split("_")[1]  # "on_llm_stream" -> "llm"


# -- custom events from user code -------------------------------------------------------------


class NoRunError(RilletError, RuntimeError):
    """A custom event was dispatched outside of a run (call it from inside a RunnableLambda)."""


current_run: contextvars.ContextVar[RunScope | None] = contextvars.ContextVar(
    "rillet_current_run", default=None
)


def dispatch_custom_event(name: str, data: object) -> None:
    """Emit an ``on_custom_event`` from inside a running ``RunnableLambda`` (v2 events only).

    It is delivered in order with the lambda's run id and parent ids. Outside a run it raises
    ``NoRunError``.
    """
    run = current_run.get()
    if run is None:
        raise NoRunError(
            f"dispatch_custom_event({name!r}) was called outside of a run: call it from inside a "
            "function run by a RunnableLambda (e.g. a step of a chain)"
        )
    if not isinstance(name, str):
        raise ConfigError(f"a custom event's name must be a str, got {name!r}")
    run.add_custom(name, data)


async def adispatch_custom_event(name: str, data: object) -> None:
    """The async spelling of ``dispatch_custom_event`` (same behaviour)."""
    dispatch_custom_event(name, data)
