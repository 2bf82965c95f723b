"""Tools and structured output on chat models: ``bind_tools``, ``with_structured_output`` and
the parsers that turn a chat model's streamed messages into typed values.

``model.with_structured_output(Joke)`` is ``model.bind(<provider fields>) |
StructuredOutputParser(Joke, ...)``: the parser reads the JSON text (``json_schema``,
``json_mode``) or the arguments of the forced tool call (``function_calling``) as they grow, and
streams ``Joke`` each time the partial JSON already decodes into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

import msgspec

from .._values.errors import ConfigError
from .._values.structured import MessageParse, ToolCallsParse
from .._values.tools import (
    DEFAULT_METHOD,
    StructuredMethod,
    ToolChoice,
    ToolFormat,
    ToolLike,
    structured_overrides,
    tool_overrides,
    tool_spec,
    tool_specs,
)
from .runnable import Runnable

if TYPE_CHECKING:
    from .._async.runnable import AsyncRunnable
    from .._sync.runnable import SyncRunnable
    from .chat_model import BaseChatModel, BoundChatModel
    from .composition import RunnableSequence
    from .tool import Tool

__all__ = ["StructuredOutputParser", "ToolsOutputParser", "bind_tools", "with_structured_output"]

T = TypeVar("T")
Output = TypeVar("Output", covariant=True)


class StructuredOutputParser(Runnable[object, Output], Generic[Output]):
    """A chat model's reply as ``schema``, streamed as it grows (see the module docstring).

    ``tool_name`` set: read the arguments of that tool's call; None: read the text as JSON.
    ``include_raw``: one ``StructuredOutput`` (raw message, parsed value, parsing error) at the
    end instead of the partial values, and a failed parse reported in it instead of raised.
    """

    def __init__(
        self,
        schema: type[Any],
        *,
        tool_name: str | None = None,
        include_raw: bool = False,
        name: str | None = None,
    ) -> None:
        self.schema = schema
        self.tool_name = tool_name
        self.include_raw = include_raw
        self.name = name or ("StructuredToolParser" if tool_name else "StructuredOutputParser")

    def _make(self) -> MessageParse[Any]:
        return MessageParse(self.schema, tool_name=self.tool_name, include_raw=self.include_raw)

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncOutputParser

        return SyncOutputParser(self._make, name=self.get_name(), snapshots=True)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncOutputParser

        return AsyncOutputParser(self._make, name=self.get_name(), snapshots=True)


class ToolsOutputParser(Runnable[object, Output], Generic[Output]):
    """The tool calls of a chat model's reply as typed values, streamed as their arguments grow:
    each call of one of ``tools`` (msgspec Struct types) decoded into that Struct, a list in call
    order (``first_tool_only=True``: the first call's value, or None). LangChain's
    ``PydanticToolsParser``, typed."""

    @overload
    def __init__(
        self: ToolsOutputParser[list[T]],
        tools: Sequence[type[T]],
        *,
        first_tool_only: Literal[False] = False,
    ) -> None: ...

    @overload
    def __init__(
        self: ToolsOutputParser[T | None],
        tools: Sequence[type[T]],
        *,
        first_tool_only: Literal[True],
    ) -> None: ...

    # A ``@tool`` among them: its calls decode into its argument Struct (``add.args_schema``),
    # so the values are Structs (narrow with isinstance).
    @overload
    def __init__(
        self: ToolsOutputParser[list[msgspec.Struct]],
        tools: Sequence[type[msgspec.Struct] | Tool[object]],
        *,
        first_tool_only: Literal[False] = False,
    ) -> None: ...

    @overload
    def __init__(
        self: ToolsOutputParser[msgspec.Struct | None],
        tools: Sequence[type[msgspec.Struct] | Tool[object]],
        *,
        first_tool_only: Literal[True],
    ) -> None: ...

    def __init__(
        self, tools: Sequence[type[Any] | Tool[object]], *, first_tool_only: bool = False
    ) -> None:
        schemas: dict[str, type[Any]] = {}
        for kind in tools:
            spec = tool_spec(kind)
            if spec.args_type is None:
                raise ConfigError(f"ToolsOutputParser takes Struct types, got {kind!r}")
            schemas[spec.name] = spec.args_type
        self.schemas = schemas
        self.first_tool_only = first_tool_only
        self.name = "ToolsOutputParser"

    def _make(self) -> ToolCallsParse[Any]:
        return ToolCallsParse(self.schemas, first_tool_only=self.first_tool_only)

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncOutputParser

        return SyncOutputParser(self._make, name=self.get_name(), snapshots=True)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncOutputParser

        return AsyncOutputParser(self._make, name=self.get_name(), snapshots=True)


def _format(model: BaseChatModel, what: str) -> ToolFormat:
    fmt = model._tool_format()
    if fmt is None:
        raise ConfigError(
            f"{model.get_name()} has no {what}: it is not a provider chat model (ChatOpenAI, "
            "ChatAnthropic, ChatOllama)"
        )
    return fmt


def bind_tools(
    model: BaseChatModel,
    tools: Sequence[ToolLike],
    *,
    tool_choice: ToolChoice,
    parallel_tool_calls: bool | None,
    strict: bool | None,
) -> BoundChatModel:
    fmt = _format(model, "bind_tools")
    overrides = tool_overrides(
        fmt,
        tool_specs(tools),
        tool_choice=tool_choice,
        parallel_tool_calls=parallel_tool_calls,
        strict=strict,
    )
    return model._bind(None, overrides)


def with_structured_output(
    model: BaseChatModel,
    schema: type[Any] | Mapping[str, object],
    *,
    method: StructuredMethod | None,
    include_raw: bool,
    strict: bool | None,
) -> RunnableSequence[Any, Any]:
    from .composition import RunnableSequence

    fmt = _format(model, "with_structured_output")
    spec = tool_spec(schema)
    target: type[Any] = dict[str, Any] if spec.args_type is None else spec.args_type
    if isinstance(schema, type) and not issubclass(schema, msgspec.Struct):
        raise ConfigError(f"with_structured_output takes a msgspec Struct type, got {schema!r}")
    chosen: StructuredMethod = method if method is not None else DEFAULT_METHOD[fmt]
    overrides, tool_name = structured_overrides(fmt, spec, chosen, strict=strict)
    parser: StructuredOutputParser[Any] = StructuredOutputParser(
        target, tool_name=tool_name, include_raw=include_raw
    )
    return RunnableSequence(model._bind(None, overrides), parser)
