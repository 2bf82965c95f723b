"""Composition and the small runnables users chain with a model (the one-object facades).

``prompt | llm | parser`` builds a ``RunnableSequence``; functions become ``RunnableLambda``s and
dicts ``RunnableParallel``s, as in LangChain. Each facade builds the runnables of both twins from
the twins of its parts; nothing here does I/O.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .._parsers import JsonParse, StrParse
from .._prompts import (
    ChatPromptValue,
    ChatTemplate,
    ChatTemplateLike,
    StringPromptValue,
    Template,
)
from .._values.config import RunnableConfig, ensure_config
from .._values.errors import ConfigError
from .._values.messages import AnyMessage
from .runnable import Runnable

if TYPE_CHECKING:
    from .._async.runnable import AsyncRunnable
    from .._sync.runnable import SyncRunnable

__all__ = [
    "ChatPromptTemplate",
    "JsonOutputParser",
    "PromptTemplate",
    "RunnableBinding",
    "RunnableLambda",
    "RunnableParallel",
    "RunnableSequence",
    "StrOutputParser",
    "coerce",
]

Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)
T = TypeVar("T")
U = TypeVar("U")
S = TypeVar("S")


def coerce(thing: object) -> Runnable[Any, Any]:
    """A runnable from a runnable, a function (RunnableLambda) or a dict (RunnableParallel)."""
    if isinstance(thing, Runnable):
        return thing
    if isinstance(thing, Mapping):
        return RunnableParallel(thing)
    if callable(thing):
        return RunnableLambda(thing)
    raise ConfigError(
        f"cannot compose {type(thing).__name__}: expected a Runnable, a function or a dict of them"
    )


class RunnableSequence(Runnable[Input, Output]):
    """Steps in order; streaming flows through every step as chunks arrive."""

    steps: list[Runnable[Any, Any]]

    def __init__(self, *steps: Runnable[Any, Any], name: str | None = None) -> None:
        flat: list[Runnable[Any, Any]] = []
        for step in steps:
            flat.extend(step.steps if isinstance(step, RunnableSequence) else [step])
        if len(flat) < 2:
            raise ConfigError("a RunnableSequence needs at least two steps")
        self.steps = flat
        self.name = name

    @property
    def first(self) -> Runnable[Any, Any]:
        """The first step."""
        return self.steps[0]

    @property
    def last(self) -> Runnable[Any, Any]:
        """The last step."""
        return self.steps[-1]

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableSequence

        return SyncRunnableSequence([s._sync_twin() for s in self.steps], name=self.name)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableSequence

        return AsyncRunnableSequence([s._async_twin() for s in self.steps], name=self.name)


class RunnableParallel(Runnable[Input, dict[str, Any]]):
    """Runs each branch on the same input; outputs ``{key: branch output}``."""

    def __init__(
        self,
        steps: Mapping[str, Runnable[Any, Any] | Callable[[Any], Any]] | None = None,
        /,
        **kwargs: Runnable[Any, Any] | Callable[[Any], Any],
    ) -> None:
        merged = {**(steps or {}), **kwargs}
        if not merged:
            raise ConfigError("a RunnableParallel needs at least one branch")
        self.steps = {str(key): coerce(value) for key, value in merged.items()}

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableParallel

        return SyncRunnableParallel(
            {k: s._sync_twin() for k, s in self.steps.items()}, name=self.name
        )

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableParallel

        return AsyncRunnableParallel(
            {k: s._async_twin() for k, s in self.steps.items()}, name=self.name
        )


def _lambda_name(func: object) -> str:
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) and name != "<lambda>" else "RunnableLambda"


class RunnableLambda(Runnable[Input, Output]):
    """A function as a runnable.

    - a function (sync or async) gets the whole input and returns the output;
    - a generator function (sync or async) gets an iterator of input chunks and yields output
      chunks: a stream transformer.

    ``afunc`` is an async implementation for the async methods; a sync function alone also serves
    the async methods (on a worker thread), an async function alone serves only the async ones.
    Inside, ``dispatch_custom_event`` / ``adispatch_custom_event`` report progress as events.
    """

    @overload
    def __init__(
        self: RunnableLambda[T, U],
        func: Callable[[Iterator[T]], Iterator[U]],
        afunc: Callable[[AsyncIterator[T]], AsyncIterator[U]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[T, U],
        func: Callable[[AsyncIterator[T]], AsyncIterator[U]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[T, U],
        func: Callable[[T], Awaitable[U]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[T, U],
        func: Callable[[T], U],
        afunc: Callable[[T], Awaitable[U]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        func: Callable[..., Any],
        afunc: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if not callable(func) or (afunc is not None and not callable(afunc)):
            raise ConfigError(f"RunnableLambda takes functions, got {func!r}")
        self.func = func
        self.afunc = afunc
        self.name = name or _lambda_name(func)

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableLambda

        func = self.func
        if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
            raise ConfigError(
                f"{self.get_name()} is an async function: use ainvoke/astream/astream_events, "
                "or pass a sync function too"
            )
        if inspect.isgeneratorfunction(func):
            return SyncRunnableLambda(name=self.get_name(), transform=func)
        return SyncRunnableLambda(name=self.get_name(), call=func)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableLambda

        native = self.afunc or self.func
        if inspect.isasyncgenfunction(native):
            return AsyncRunnableLambda(name=self.get_name(), transform=native)
        if inspect.iscoroutinefunction(native):
            return AsyncRunnableLambda(name=self.get_name(), call=native)
        if inspect.isgeneratorfunction(native):
            return AsyncRunnableLambda(name=self.get_name(), blocking_transform=native)
        return AsyncRunnableLambda(name=self.get_name(), blocking_call=native)


class RunnableBinding(Runnable[Input, Output]):
    """``runnable.with_config(...)``: the runnable with a config applied to every call."""

    def __init__(self, bound: Runnable[Input, Output], config: RunnableConfig) -> None:
        self.bound = bound
        self.config = ensure_config(config)
        self.name = self.config.get("run_name") or bound.name

    def get_name(self) -> str:
        """``name`` if set, else the bound runnable's run name."""
        return self.name or self.bound.get_name()

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.runnable import SyncRunnableBinding

        return SyncRunnableBinding(self.bound._sync_twin(), self.config)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.runnable import AsyncRunnableBinding

        return AsyncRunnableBinding(self.bound._async_twin(), self.config)


class PromptTemplate(Runnable[Mapping[str, object], StringPromptValue]):
    """``PromptTemplate.from_template("Tell me about {topic}")``: a dict in, a prompt value out."""

    def __init__(self, template: str, *, name: str | None = None) -> None:
        self.template = Template.parse(template)
        self.name = name

    @classmethod
    def from_template(cls, template: str) -> PromptTemplate:
        return cls(template)

    @property
    def input_variables(self) -> list[str]:
        """The ``{names}`` the template needs, in order of first use."""
        return list(self.template.input_variables)

    def format(self, **values: object) -> str:
        """The template filled with ``values`` (each one by name)."""
        return self.template.format(values).text

    def get_name(self) -> str:
        """``name`` if set, else ``PromptTemplate``."""
        return self.name or "PromptTemplate"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncPromptTemplate

        return SyncPromptTemplate(self.template, name=self.name)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncPromptTemplate

        return AsyncPromptTemplate(self.template, name=self.name)


class ChatPromptTemplate(Runnable[Mapping[str, object], ChatPromptValue]):
    """A chat prompt: a dict in, a ``ChatPromptValue`` (a message list) out.

    ``ChatPromptTemplate.from_messages([("system", "You are {persona}."),
    MessagesPlaceholder("history"), ("human", "{question}")])``. Messages are ``(role, template)``
    tuples (``system``, ``human``/``user``, ``ai``/``assistant``, ``placeholder``), template
    strings (human), ``{"role": ..., "content": ...}`` dicts, ``MessagesPlaceholder``s, or
    message structs (used verbatim). Into a string LLM it flattens as LangChain's does
    (``"System: ...\nHuman: ..."``).
    """

    def __init__(
        self,
        messages: Sequence[ChatTemplateLike],
        *,
        name: str | None = None,
        _template: ChatTemplate | None = None,
    ) -> None:
        self.template = _template if _template is not None else ChatTemplate.parse(messages)
        self.name = name

    @classmethod
    def from_messages(cls, messages: Sequence[ChatTemplateLike]) -> ChatPromptTemplate:
        return cls(messages)

    @classmethod
    def from_template(cls, template: str) -> ChatPromptTemplate:
        """One human message from a template string."""
        return cls([("human", template)])

    @property
    def input_variables(self) -> list[str]:
        """The variables a call must supply, sorted (as LangChain lists them); partials excluded."""
        return self.template.input_variables

    @property
    def optional_variables(self) -> list[str]:
        """The names of optional ``MessagesPlaceholder``s: ``[]`` when a call leaves them out."""
        return self.template.optional_variables

    def partial(self, **values: object) -> ChatPromptTemplate:
        """This prompt with some variables filled in now."""
        return ChatPromptTemplate((), name=self.name, _template=self.template.partial(values))

    def format_prompt(self, **values: object) -> ChatPromptValue:
        """The messages filled with ``values``, as a ``ChatPromptValue``."""
        return self.template.format(values)

    def format_messages(self, **values: object) -> list[AnyMessage]:
        """The messages filled with ``values``."""
        return self.template.format(values).to_messages()

    def format(self, **values: object) -> str:
        """The messages flattened to one string, as an LLM would read them."""
        return self.template.format(values).to_string()

    def get_name(self) -> str:
        return self.name or "ChatPromptTemplate"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncPromptTemplate

        return SyncPromptTemplate(self.template, name=self.name)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncPromptTemplate

        return AsyncPromptTemplate(self.template, name=self.name)


class StrOutputParser(Runnable[object, str]):
    """The text of an LLM's output, streamed chunk by chunk."""

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncOutputParser

        return SyncOutputParser(StrParse, name=self.get_name())

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncOutputParser

        return AsyncOutputParser(StrParse, name=self.get_name())


class JsonOutputParser(Runnable[object, Output]):
    """Parses JSON as it streams: yields the partial value each time it grows.

    ``JsonOutputParser()`` yields JSON values (dicts, lists...). ``JsonOutputParser(Joke)`` decodes
    into the msgspec Struct (or any type msgspec converts to): while streaming it yields each
    partial value that already fits the type; the final value must fit, or ``OutputParserError``
    (carrying the text) is raised. A Markdown ```json fence around the JSON is accepted.
    """

    @overload
    def __init__(self: JsonOutputParser[object], schema: None = None) -> None: ...

    @overload
    def __init__(self: JsonOutputParser[S], schema: type[S]) -> None: ...

    def __init__(self, schema: type[Any] | None = None) -> None:
        self.schema = schema

    def _make(self) -> JsonParse[Any]:
        return JsonParse(self.schema)

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncOutputParser

        return SyncOutputParser(self._make, name=self.get_name())

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncOutputParser

        return AsyncOutputParser(self._make, name=self.get_name())
