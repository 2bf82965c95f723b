"""Typed events of a run tree (``astream_events``/``stream_events``), and the run bookkeeping.

Events are a msgspec tagged union on ``event``; ``msgspec.json.encode(event)`` gives LangChain's
JSON shape (``event``, ``name``, ``run_id``, ``tags``, ``metadata``, ``data``, ``parent_ids``).
No I/O here: the runnables in ``_async/`` create events through ``RunScope`` and yield them inline.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Sequence
from typing import (
    TYPE_CHECKING,
    ClassVar,
    Final,
    Generic,
    Literal,
    TypeAlias,
    TypeVar,
    cast,
    overload,
)

import msgspec

from .config import RunnableConfig, RunSink, child_config
from .errors import ConfigError, NoRunError
from .messages import AIMessage, AIMessageChunk, AnyMessage
from .outputs import GenerationChunk, LLMResult

__all__ = [
    "BaseEvent",
    "ChainEndEvent",
    "ChainStartEvent",
    "ChainStreamEvent",
    "ChatModelEndData",
    "ChatModelEndEvent",
    "ChatModelInput",
    "ChatModelStartData",
    "ChatModelStartEvent",
    "ChatModelStreamData",
    "ChatModelStreamEvent",
    "CustomEvent",
    "Event",
    "EventData",
    "EventFilter",
    "LLMEndEvent",
    "LLMInput",
    "LLMStartEvent",
    "LLMStreamEvent",
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

RunKind: TypeAlias = Literal["llm", "chat_model", "chain", "prompt", "parser", "tool"]
Version: TypeAlias = Literal["v1", "v2"]
UNSET: Final = msgspec.UNSET
D = TypeVar("D")


class LLMInput(msgspec.Struct, frozen=True):
    """What an LLM run was asked: LangChain's ``{"prompts": [...]}``."""

    prompts: list[str]


# -- data payloads -----------------------------------------------------------------------------


class _Keyed:
    """``data["chunk"]`` reads the field ``chunk``, like LangChain's dict (an unset input is a
    missing key); the typed overloads are declared on each class."""

    __slots__ = ()

    if not TYPE_CHECKING:  # each subclass declares its keys' types

        def __getitem__(self, key: str) -> object:
            value = getattr(self, key, UNSET) if key in self.__struct_fields__ else UNSET
            if value is UNSET:
                raise KeyError(key)
            return value

    def __contains__(self, key: object) -> bool:
        fields: tuple[str, ...] = self.__struct_fields__  # type: ignore[attr-defined]  # every subclass is a Struct
        return isinstance(key, str) and key in fields and getattr(self, key) is not UNSET


class StartData(_Keyed, msgspec.Struct, frozen=True, omit_defaults=True):
    """``input`` is unset when the run consumes a stream (known only at the end)."""

    input: object | msgspec.UnsetType = UNSET

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["input"]) -> object: ...


class StreamData(_Keyed, msgspec.Struct, frozen=True):
    chunk: object

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["chunk"]) -> object: ...


class EndData(_Keyed, msgspec.Struct, frozen=True, omit_defaults=True):
    output: object
    input: object | msgspec.UnsetType = UNSET

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["output", "input"]) -> object: ...


class LLMStartData(_Keyed, msgspec.Struct, frozen=True):
    input: LLMInput

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["input"]) -> LLMInput: ...


class LLMStreamData(_Keyed, msgspec.Struct, frozen=True):
    chunk: GenerationChunk

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["chunk"]) -> GenerationChunk: ...


class LLMEndData(_Keyed, msgspec.Struct, frozen=True):
    """``output`` is None only in v1, for a run that failed (as LangChain's v1 reports it)."""

    output: LLMResult | None
    input: LLMInput

    if TYPE_CHECKING:

        @overload
        def __getitem__(self, key: Literal["output"]) -> LLMResult | None: ...
        @overload
        def __getitem__(self, key: Literal["input"]) -> LLMInput: ...
        def __getitem__(self, key: str) -> object: ...


class ChatModelInput(msgspec.Struct, frozen=True):
    """What a chat model run was asked: LangChain's ``{"messages": [[...]]}`` (one list per
    prompt of a batch; one list for a run)."""

    messages: list[list[AnyMessage]]


class ChatModelStartData(_Keyed, msgspec.Struct, frozen=True):
    input: ChatModelInput

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["input"]) -> ChatModelInput: ...


class ChatModelStreamData(_Keyed, msgspec.Struct, frozen=True):
    chunk: AIMessageChunk

    if TYPE_CHECKING:

        def __getitem__(self, key: Literal["chunk"]) -> AIMessageChunk: ...


class ChatModelEndData(_Keyed, msgspec.Struct, frozen=True):
    """``output`` is the finished message; None only in v1, for a run that failed."""

    output: AIMessage | None
    input: ChatModelInput

    if TYPE_CHECKING:

        @overload
        def __getitem__(self, key: Literal["output"]) -> AIMessage | None: ...
        @overload
        def __getitem__(self, key: Literal["input"]) -> ChatModelInput: ...
        def __getitem__(self, key: str) -> object: ...


EventData: TypeAlias = (
    StartData
    | StreamData
    | EndData
    | LLMStartData
    | LLMStreamData
    | LLMEndData
    | ChatModelStartData
    | ChatModelStreamData
    | ChatModelEndData
)


# -- events --------------------------------------------------------------------------------------


class BaseEvent(msgspec.Struct, tag_field="event", kw_only=True, frozen=True):
    """Fields every event has. ``parent_ids`` runs root first (always empty in v1).

    An event reads like LangChain's dict too: ``event["event"]``, ``event["name"]``,
    ``event["data"]["chunk"]``..., each key typed precisely; ``event.event`` is the event type
    (a Literal per class, so ``if event.event == "on_chat_model_stream":`` narrows the union).
    """

    name: str
    run_id: str
    tags: list[str]
    metadata: dict[str, object]
    parent_ids: list[str]

    event: ClassVar[str]

    @overload
    def __getitem__(self, key: Literal["event", "name", "run_id"]) -> str: ...
    @overload
    def __getitem__(self, key: Literal["tags", "parent_ids"]) -> list[str]: ...
    @overload
    def __getitem__(self, key: Literal["metadata"]) -> dict[str, object]: ...
    @overload
    def __getitem__(self, key: Literal["data"]) -> object: ...
    def __getitem__(self, key: str) -> object:
        if key in _EVENT_KEYS:
            return getattr(self, key)
        raise KeyError(key)


_EVENT_KEYS: Final = frozenset(
    ("event", "name", "run_id", "tags", "metadata", "parent_ids", "data")
)


class Event(BaseEvent, Generic[D], kw_only=True, frozen=True):
    """An event whose ``data`` is a ``D``: ``event["data"]`` is typed ``D``."""

    data: D

    if TYPE_CHECKING:

        @overload
        def __getitem__(self, key: Literal["event", "name", "run_id"]) -> str: ...
        @overload
        def __getitem__(self, key: Literal["tags", "parent_ids"]) -> list[str]: ...
        @overload
        def __getitem__(self, key: Literal["metadata"]) -> dict[str, object]: ...
        @overload
        def __getitem__(self, key: Literal["data"]) -> D: ...
        def __getitem__(self, key: str) -> object: ...


class LLMStartEvent(Event[LLMStartData], tag="on_llm_start", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_llm_start"]] = "on_llm_start"


class LLMStreamEvent(Event[LLMStreamData], tag="on_llm_stream", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_llm_stream"]] = "on_llm_stream"


class LLMEndEvent(Event[LLMEndData], tag="on_llm_end", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_llm_end"]] = "on_llm_end"


class ChatModelStartEvent(
    Event[ChatModelStartData], tag="on_chat_model_start", kw_only=True, frozen=True
):
    event: ClassVar[Literal["on_chat_model_start"]] = "on_chat_model_start"


class ChatModelStreamEvent(
    Event[ChatModelStreamData], tag="on_chat_model_stream", kw_only=True, frozen=True
):
    event: ClassVar[Literal["on_chat_model_stream"]] = "on_chat_model_stream"


class ChatModelEndEvent(
    Event[ChatModelEndData], tag="on_chat_model_end", kw_only=True, frozen=True
):
    event: ClassVar[Literal["on_chat_model_end"]] = "on_chat_model_end"


class ChainStartEvent(Event[StartData], tag="on_chain_start", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_chain_start"]] = "on_chain_start"


class ChainStreamEvent(Event[StreamData], tag="on_chain_stream", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_chain_stream"]] = "on_chain_stream"


class ChainEndEvent(Event[EndData], tag="on_chain_end", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_chain_end"]] = "on_chain_end"


class ToolStartEvent(Event[StartData], tag="on_tool_start", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_tool_start"]] = "on_tool_start"


class ToolStreamEvent(Event[StreamData], tag="on_tool_stream", kw_only=True, frozen=True):
    """v1 only: LangChain's v1 reports a tool's result as a stream event too."""

    event: ClassVar[Literal["on_tool_stream"]] = "on_tool_stream"


class ToolEndEvent(Event[EndData], tag="on_tool_end", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_tool_end"]] = "on_tool_end"


class PromptStartEvent(Event[StartData], tag="on_prompt_start", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_prompt_start"]] = "on_prompt_start"


class PromptStreamEvent(Event[StreamData], tag="on_prompt_stream", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_prompt_stream"]] = "on_prompt_stream"


class PromptEndEvent(Event[EndData], tag="on_prompt_end", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_prompt_end"]] = "on_prompt_end"


class ParserStartEvent(Event[StartData], tag="on_parser_start", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_parser_start"]] = "on_parser_start"


class ParserStreamEvent(Event[StreamData], tag="on_parser_stream", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_parser_stream"]] = "on_parser_stream"


class ParserEndEvent(Event[EndData], tag="on_parser_end", kw_only=True, frozen=True):
    event: ClassVar[Literal["on_parser_end"]] = "on_parser_end"


class CustomEvent(Event[object], tag="on_custom_event", kw_only=True, frozen=True):
    """Dispatched by user code with ``dispatch_custom_event(name, data)`` (v2 only)."""

    event: ClassVar[Literal["on_custom_event"]] = "on_custom_event"


StreamEvent: TypeAlias = (
    LLMStartEvent
    | LLMStreamEvent
    | LLMEndEvent
    | ChatModelStartEvent
    | ChatModelStreamEvent
    | ChatModelEndEvent
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

STREAM_EVENTS: Final = (
    LLMStreamEvent,
    ChatModelStreamEvent,
    ChainStreamEvent,
    ToolStreamEvent,
    PromptStreamEvent,
    ParserStreamEvent,
)
"""The ``*_stream`` events (what a run invoked, not streamed, never emits)."""

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


def check_version(version: str, method: str) -> Version:
    """``version`` of a ``method`` call (``astream_events``/``stream_events``) checked."""
    if version in ("v1", "v2"):
        return cast(Version, version)
    raise ConfigError(f"unsupported {method} version {version!r}: expected 'v1' or 'v2'")


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
        self._custom: list[BaseEvent] = []

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

    def chat_start(self, input: ChatModelInput) -> ChatModelStartEvent:
        return ChatModelStartEvent(
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=ChatModelStartData(input),
        )

    def chat_stream(self, chunk: AIMessageChunk) -> ChatModelStreamEvent:
        return ChatModelStreamEvent(
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=ChatModelStreamData(chunk),
        )

    def chat_end(self, output: AIMessage | None, input: ChatModelInput) -> ChatModelEndEvent:
        return ChatModelEndEvent(
            name=self.name,
            run_id=self.run_id,
            tags=self.tags,
            metadata=self.metadata,
            parent_ids=self.parent_ids,
            data=ChatModelEndData(output, input),
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

    def take_custom(self) -> list[BaseEvent]:
        """Custom events dispatched (and events of child runs reported through ``function_config``)
        since the last call, in order."""
        if not self._custom:
            return []
        taken = list(self._custom)
        self._custom.clear()
        return taken

    def function_config(self, config: RunnableConfig) -> RunnableConfig:
        """The config a function run by this run receives: runnables invoked with it report
        their events here (``RunSink``), as children of this run."""
        out = child_config(config)
        out["callbacks"] = RunSink(
            parent_ids=self.child_parents(),
            emit=self.emit,
            version=self.version,
            events=self._custom,  # type: ignore[arg-type]  # a list of BaseEvent
        )
        return out


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
        include_names: Iterable[str] | None = None,
        include_types: Iterable[str] | None = None,
        include_tags: Iterable[str] | None = None,
        exclude_names: Iterable[str] | None = None,
        exclude_types: Iterable[str] | None = None,
        exclude_tags: Iterable[str] | None = None,
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
    return tag[3 : tag.rindex("_")]  # "on_llm_stream" -> "llm", "on_chat_model_end" -> "chat_model"


# -- custom events from user code -------------------------------------------------------------


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
