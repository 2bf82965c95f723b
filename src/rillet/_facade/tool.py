"""``@tool``: a typed function as a tool a model can call and a runnable that runs it.

``add.invoke({"a": 2, "b": 3})`` returns the function's result; ``add.invoke(tool_call)``
returns a ``ToolMessage`` answering that call (its ``tool_call_id``), ready for the next turn.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar, overload

from .._values.config import RunnableConfig
from .._values.errors import ConfigError, ToolDefinitionError
from .._values.messages import ToolCall, ToolMessage
from .._values.tools import ToolRun, ToolSpec, tool_spec
from .runnable import Runnable

if TYPE_CHECKING:
    import msgspec

    from .._async.runnable import AsyncRunnable
    from .._sync.runnable import SyncRunnable

__all__ = ["Tool", "tool"]

R = TypeVar("R")
P = ParamSpec("P")
R_co = TypeVar("R_co", covariant=True)

ToolInput = Mapping[str, object] | ToolCall


class Tool(Runnable[ToolInput, "R_co | ToolMessage"], Generic[R_co]):
    """A tool made by ``@tool`` from a typed function (sync or async).

    ``tool_spec`` is what ``bind_tools`` sends (name, description, argument schema);
    ``args_schema`` the Struct the arguments decode into. Arguments are checked (lax, as
    LangChain's pydantic does: ``"3"`` fits an ``int``); a mismatch is a ``ToolCallParseError``.
    """

    def __init__(
        self,
        func: Callable[..., object],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        if not callable(func):
            raise ConfigError(f"@tool decorates a function, got {func!r}")
        self.func = func
        spec = tool_spec(func, name=name, description=description)
        if not spec.description:
            raise ToolDefinitionError(
                f"the tool {spec.name!r} has no description: give the function a docstring "
                "(its summary tells the model what the tool does) or pass description=..."
            )
        self._spec = spec
        self._run = ToolRun(spec, func)
        self.name = spec.name
        self.description = spec.description
        self.is_async = inspect.iscoroutinefunction(func)

    @property
    def tool_spec(self) -> ToolSpec:
        """The tool as a model sees it: name, description and JSON schema of its arguments."""
        return self._spec

    @property
    def args_schema(self) -> type[msgspec.Struct]:
        """The msgspec Struct its arguments decode into (built from the function's signature)."""
        args_type = self._spec.args_type
        assert args_type is not None  # made from a function
        return args_type

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r}, description={self.description!r})"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.tool import SyncTool

        if self.is_async:
            raise ConfigError(
                f"the tool {self.name!r} is an async function: use ainvoke/astream/"
                "astream_events, or make it a sync function"
            )
        return SyncTool(self._run, call=self.func)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.tool import AsyncTool

        if self.is_async:
            return AsyncTool(self._run, call=self.func)  # type: ignore[arg-type]  # an async function, checked above
        return AsyncTool(self._run, blocking_call=self.func)

    # -- typed invoke: a ToolCall gives a ToolMessage, a dict of arguments the result ---------

    @overload
    def invoke(self, input: ToolCall, config: RunnableConfig | None = None) -> ToolMessage: ...

    @overload
    def invoke(self, input: Mapping[str, object], config: RunnableConfig | None = None) -> R_co: ...

    def invoke(self, input: ToolInput, config: RunnableConfig | None = None) -> Any:
        return super().invoke(input, config)

    @overload
    async def ainvoke(
        self, input: ToolCall, config: RunnableConfig | None = None
    ) -> ToolMessage: ...

    @overload
    async def ainvoke(
        self, input: Mapping[str, object], config: RunnableConfig | None = None
    ) -> R_co: ...

    async def ainvoke(self, input: ToolInput, config: RunnableConfig | None = None) -> Any:
        return await super().ainvoke(input, config)


# ParamSpec, not ``...``: a decorator whose type holds no Any (mypy --disallow-any-expr).
@overload
def tool(func: Callable[P, Awaitable[R]], /) -> Tool[R]: ...


@overload
def tool(func: Callable[P, R], /) -> Tool[R]: ...


@overload
def tool(
    name: str, /, *, description: str | None = None, parse_docstring: Literal[True] = True
) -> Callable[[Callable[P, R]], Tool[R]]: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    parse_docstring: Literal[True] = True,
) -> Callable[[Callable[P, R]], Tool[R]]: ...


def tool(
    func: Callable[..., Any] | str | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    parse_docstring: bool = True,
) -> Tool[Any] | Callable[[Callable[..., Any]], Tool[Any]]:
    """Make a typed function a tool: ``@tool``, ``@tool("name")`` (LangChain's form) or
    ``@tool(name=..., description=...)``.

    The schema comes from the signature (every parameter annotated; no ``*args``/``**kwargs``)
    and the docstring (summary -> description, Google ``Args:`` -> parameter descriptions,
    always: ``parse_docstring=True`` is accepted for LangChain's sake, ``False`` is refused).
    A function without a docstring needs ``description=``.
    """
    if parse_docstring is not True:
        raise ConfigError(
            "parse_docstring=False is not supported: rillet always reads the docstring's "
            "summary as the description and its Args: lines as the parameter descriptions; "
            "pass description=... to set the description yourself"
        )
    if isinstance(func, str):
        if name is not None:
            raise ConfigError(f"@tool got two names ({func!r} and name={name!r}): pass one of them")
        func, name = None, func
    if func is not None:
        return Tool(func, name=name, description=description)

    def decorate(fn: Callable[..., Any]) -> Tool[Any]:
        return Tool(fn, name=name, description=description)

    return decorate
