"""Composition and the small runnables users chain with a model (the one-object facades).

``prompt | llm | parser`` builds a ``RunnableSequence``; functions become ``RunnableLambda``s and
dicts ``RunnableParallel``s, as in LangChain. Each facade builds the runnables of both twins from
the twins of its parts; nothing here does I/O.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from types import UnionType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast, overload

import msgspec
from typing_extensions import Self, TypeVar as DefaultTypeVar

from .._aggregate import AddableDict
from .._parsers import HasText, JsonParse, StrParse
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
from .runnable import ExponentialJitterParams, Runnable

if TYPE_CHECKING:
    from typing import _SpecialForm  # what a checker types Literal[...], Optional[...] as

    from .._async.runnable import AsyncRunnable
    from .._sync.runnable import SyncRunnable
    from .._sync.stream import Stream
    from .._values.events import StreamEvent

    # Constructor type variables: what a checker cannot infer (an unannotated lambda's parameter,
    # the input of a dict mixing runnables and functions) is Any, not an error (PEP 696 default).
    In = DefaultTypeVar("In", default=Any)
    Out = DefaultTypeVar("Out", default=Any)

__all__ = [
    "ChatPromptTemplate",
    "JsonOutputParser",
    "PromptTemplate",
    "RunnableAssign",
    "RunnableBinding",
    "RunnableBranch",
    "RunnableLambda",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableRetry",
    "RunnableSequence",
    "RunnableWithFallbacks",
    "StrOutputParser",
    "chain",
    "coerce",
]

Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)
T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")
W = TypeVar("W")
X = TypeVar("X")
S = TypeVar("S")
Passed = DefaultTypeVar("Passed", default=Any)
# RunnableParallel[In] alone means outputs of any type (PEP 696 default).
Value = DefaultTypeVar("Value", default=object)


class GeneratorFunctionTakesAnIterator:
    """The input type of ``RunnableLambda(gen)`` when ``gen`` is a generator function whose
    parameter is not an iterator: a generator function in a RunnableLambda is a stream
    transformer, handed an iterator of input chunks. Annotate it ``(Iterator[In]) ->
    Iterator[Out]`` (or ``AsyncIterator``), or make it a plain function."""


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

    @overload
    def __init__(
        self: RunnableSequence[T, U],
        first: Runnable[T, V],
        last: Runnable[V, U],
        /,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableSequence[T, U],
        first: Runnable[T, V],
        second: Runnable[V, W],
        last: Runnable[W, U],
        /,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableSequence[T, U],
        first: Runnable[T, V],
        second: Runnable[V, W],
        third: Runnable[W, X],
        last: Runnable[X, U],
        /,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableSequence[T, object],
        first: Runnable[T, object],
        second: Runnable[Any, object],
        third: Runnable[Any, object],
        fourth: Runnable[Any, object],
        fifth: Runnable[Any, object],
        /,
        *steps: Runnable[Any, object],
        name: str | None = None,
    ) -> None: ...

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


class RunnableParallel(Runnable[Input, AddableDict[Value]], Generic[Input, Value]):
    """Runs each branch on the same input; outputs ``{key: branch output}``.

    Typed ``RunnableParallel[In, V]`` with ``V`` the branches' outputs joined (a union under
    pyright; under mypy their common base, ``object`` when they differ): a dict cannot say
    which key holds which type."""

    @overload
    def __init__(
        self: RunnableParallel[In, Out],
        steps: Mapping[str, Runnable[In, Out]],
        /,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableParallel[In, Out],
        steps: Mapping[str, Callable[[In], Out]],
        /,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableParallel[In, Out],
        steps: Mapping[str, Runnable[In, Out] | Callable[[In], Out]] | None = None,
        /,
        **kwargs: Runnable[In, Out] | Callable[[In], Out],
    ) -> None: ...

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

    def get_name(self) -> str:
        return self.name or "RunnableParallel<" + ",".join(self.steps) + ">"

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


def _takes_config(func: Callable[..., Any]) -> bool:
    """Whether a function has a ``config`` parameter (it then gets the run's config)."""
    try:
        return "config" in inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


_ITERATOR_WORDS = ("Iterator", "Iterable", "Generator")


def _check_transformer(func: object) -> None:
    """A generator function is a stream transformer, handed an iterator of input chunks: refuse
    one whose parameter is annotated as something else (it would fail on its first chunk)."""
    if not (inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func)):
        return
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return
    if not parameters or parameters[0].annotation is inspect.Parameter.empty:
        return
    annotation = parameters[0].annotation
    text = annotation if isinstance(annotation, str) else repr(annotation)
    if not any(word in text for word in _ITERATOR_WORDS):
        raise ConfigError(
            f"{_lambda_name(func)} is a generator function whose parameter is annotated "
            f"{text}: in a RunnableLambda a generator function is a stream transformer, handed "
            "an iterator of input chunks; annotate it Iterator[...] (AsyncIterator[...] for an "
            "async generator), or make it a plain function"
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

    A function with a ``config`` parameter (``def step(x, config: RunnableConfig)``) gets the
    run's config; runnables it invokes or streams with it appear in events as children of this
    run, in order (handed on when the function next yields or returns).
    """

    # The constructed type: __new__ for pyright, the self types of __init__ for mypy (which reads
    # __init__ when a class defines both). An async function alone gives an AsyncOnlyLambda,
    # whose sync verbs take no input a checker accepts.
    @overload
    def __new__(
        cls,
        func: Callable[[AsyncIterator[In]], AsyncIterator[Out]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> AsyncOnlyLambda[In, Out]: ...

    @overload
    def __new__(
        cls,
        func: Callable[[AsyncIterator[In], RunnableConfig], AsyncIterator[Out]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> AsyncOnlyLambda[In, Out]: ...

    @overload
    def __new__(
        cls,
        func: Callable[[In], Awaitable[Out]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> AsyncOnlyLambda[In, Out]: ...

    @overload
    def __new__(
        cls,
        func: Callable[[T, RunnableConfig], Awaitable[U]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> AsyncOnlyLambda[T, U]: ...

    @overload
    def __new__(
        cls,
        func: Callable[..., object],
        afunc: Callable[..., object] | None = None,
        *,
        name: str | None = None,
    ) -> Self: ...

    def __new__(cls, *args: object, **kwargs: object) -> Any:
        # No required parameter: copy and pickle call __new__ with none.
        func = args[0] if args else kwargs.get("func")
        afunc = args[1] if len(args) > 1 else kwargs.get("afunc")
        if cls is RunnableLambda and afunc is None and _async_only(func):
            cls = AsyncOnlyLambda
        return super().__new__(cls)

    @overload
    def __init__(
        self: RunnableLambda[In, Out],
        func: Callable[[Iterator[In]], Iterator[Out]],
        afunc: Callable[[AsyncIterator[In]], AsyncIterator[Out]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(  # type: ignore[misc]  # a subclass: the type mypy gives RunnableLambda(async_fn)
        self: AsyncOnlyLambda[In, Out],
        func: Callable[[AsyncIterator[In]], AsyncIterator[Out]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[In, Out],
        func: Callable[[Iterator[In], RunnableConfig], Iterator[Out]],
        afunc: Callable[[AsyncIterator[In], RunnableConfig], AsyncIterator[Out]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(  # type: ignore[misc]  # a subclass: the type mypy gives RunnableLambda(async_fn)
        self: AsyncOnlyLambda[In, Out],
        func: Callable[[AsyncIterator[In], RunnableConfig], AsyncIterator[Out]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[GeneratorFunctionTakesAnIterator, GeneratorFunctionTakesAnIterator],
        func: Callable[[In], Iterator[object] | AsyncIterator[object]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(  # type: ignore[misc]  # a subclass: the type mypy gives RunnableLambda(async_fn)
        self: AsyncOnlyLambda[In, Out],
        func: Callable[[In], Awaitable[Out]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[In, Out],
        func: Callable[[In], Out],
        afunc: Callable[[In], Awaitable[Out]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(  # type: ignore[misc]  # a subclass: the type mypy gives RunnableLambda(async_fn)
        self: AsyncOnlyLambda[T, U],
        func: Callable[[T, RunnableConfig], Awaitable[U]],
        afunc: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: RunnableLambda[T, U],
        func: Callable[[T, RunnableConfig], U],
        afunc: Callable[[T, RunnableConfig], Awaitable[U]] | None = None,
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
        for function in (func, afunc):
            _check_transformer(function)
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
        takes = _takes_config(func)
        if inspect.isgeneratorfunction(func):
            return SyncRunnableLambda(name=self.get_name(), transform=func, takes_config=takes)
        return SyncRunnableLambda(name=self.get_name(), call=func, takes_config=takes)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableLambda

        native = self.afunc or self.func
        takes = _takes_config(native)
        name = self.get_name()
        if inspect.isasyncgenfunction(native):
            return AsyncRunnableLambda(name=name, transform=native, takes_config=takes)
        if inspect.iscoroutinefunction(native):
            return AsyncRunnableLambda(name=name, call=native, takes_config=takes)
        if inspect.isgeneratorfunction(native):
            return AsyncRunnableLambda(name=name, blocking_transform=native, takes_config=takes)
        return AsyncRunnableLambda(name=name, blocking_call=native, takes_config=takes)


def _async_only(func: object) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


class UseAinvokeForAnAsyncFunction:
    """The input type of the sync verbs (``invoke``, ``stream``, ``batch``...) of
    ``RunnableLambda(async_fn)``: an async function runs only through ``ainvoke``/``astream``/
    ``abatch``/``astream_events`` (a checker reports a sync call; at run time it is a
    ``ConfigError``). Give a sync function too (``RunnableLambda(func, afunc)``) to have both."""


class AsyncOnlyLambda(RunnableLambda[Input, Output]):
    """What ``RunnableLambda(async_fn)`` is: an async function (or async generator) alone, which
    runs only through the async verbs. Its sync verbs are typed so that a type checker reports
    a call (their input is ``UseAinvokeForAnAsyncFunction``); at run time they raise
    ``ConfigError``."""

    if TYPE_CHECKING:

        def invoke(  # type: ignore[override]  # no sync call of an async function
            self, input: UseAinvokeForAnAsyncFunction, config: RunnableConfig | None = None
        ) -> Output: ...
        def stream(  # type: ignore[override]  # no sync call of an async function
            self, input: UseAinvokeForAnAsyncFunction, config: RunnableConfig | None = None
        ) -> Stream[Output]: ...
        def batch(  # type: ignore[override]  # no sync call of an async function
            self,
            inputs: Sequence[UseAinvokeForAnAsyncFunction],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
        ) -> list[Output]: ...
        def batch_as_completed(  # type: ignore[override]  # no sync call of an async function
            self,
            inputs: Sequence[UseAinvokeForAnAsyncFunction],
            config: RunnableConfig | Sequence[RunnableConfig] | None = None,
            *,
            return_exceptions: bool = False,
        ) -> Iterator[tuple[int, Output]]: ...
        def stream_events(  # type: ignore[override]  # no sync call of an async function
            self,
            input: UseAinvokeForAnAsyncFunction,
            config: RunnableConfig | None = None,
            *,
            version: Literal["v1", "v2"] = "v2",
        ) -> Stream[StreamEvent]: ...


class RunnableBinding(Runnable[Input, Output]):
    """``runnable.with_config(...)``: the runnable with a config applied to every call."""

    def __init__(self, bound: Runnable[Input, Output], config: RunnableConfig) -> None:
        self.bound = bound
        self.config = ensure_config(config)
        self.name = bound.name

    def get_name(self) -> str:
        """The bound runnable's name: ``run_name`` names the runs (in events), not the runnable."""
        return self.bound.get_name()

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.runnable import SyncRunnableBinding

        return SyncRunnableBinding(self.bound._sync_twin(), self.config)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.runnable import AsyncRunnableBinding

        return AsyncRunnableBinding(self.bound._async_twin(), self.config)


class PromptTemplate(Runnable[Mapping[str, object] | str, StringPromptValue]):
    """``PromptTemplate.from_template("Tell me about {topic}")``: a dict in, a prompt value out
    (a prompt with one variable also takes the bare value)."""

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


class StrOutputParser(Runnable[str | HasText, str]):
    """The text of an LLM's output, streamed chunk by chunk."""

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncOutputParser

        return SyncOutputParser(StrParse, name=self.get_name(), snapshots=False)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncOutputParser

        return AsyncOutputParser(StrParse, name=self.get_name(), snapshots=False)


class JsonOutputParser(Runnable[str | HasText, Output]):
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

    @overload
    def __init__(self: JsonOutputParser[object], schema: UnionType | _SpecialForm) -> None: ...

    def __init__(self, schema: object = None) -> None:
        if schema is not None:
            try:
                msgspec.json.Decoder(schema)
            except TypeError as exc:
                raise ConfigError(
                    f"JsonOutputParser takes a type msgspec can decode into (a Struct, a "
                    f"dataclass, int | str, Literal[...]...), got {schema!r}: {exc}"
                ) from None
        self.schema = schema

    def _make(self) -> JsonParse[Any]:
        return JsonParse(cast("type[Any] | None", self.schema))

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.parsers import SyncOutputParser

        return SyncOutputParser(self._make, name=self.get_name(), snapshots=True)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.parsers import AsyncOutputParser

        return AsyncOutputParser(self._make, name=self.get_name(), snapshots=True)


# -- LCEL pieces -----------------------------------------------------------------------------------

DictSteps = Mapping[str, Runnable[dict[str, Any], object] | Callable[[dict[str, Any]], object]]


class RunnablePassthrough(Runnable[Passed, Passed], Generic[Passed]):
    """Its input, unchanged (streamed chunk by chunk as it arrives); ``RunnablePassthrough.assign``
    adds keys to a dict input. ``RunnablePassthrough[T]()`` passes a ``T`` (unparametrized: Any,
    as LangChain's)."""

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnablePassthrough"

    @classmethod
    def assign(  # type: ignore[override]  # LangChain's spelling: a classmethod here
        cls, **steps: Runnable[dict[str, Any], object] | Callable[[dict[str, Any]], object]
    ) -> RunnableAssign:
        """The input dict plus ``{key: step(input)}`` for each step (run concurrently)."""
        return RunnableAssign(RunnableParallel(steps))

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnablePassthrough

        return SyncRunnablePassthrough()

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnablePassthrough

        return AsyncRunnablePassthrough()


class RunnableAssign(Runnable[Mapping[str, object], AddableDict]):
    """A dict input plus the outputs of ``mapper`` (a RunnableParallel) on it. Streams the
    input's dict pieces as they arrive, then the mapper's, as LangChain does."""

    def __init__(self, mapper: RunnableParallel[dict[str, Any]] | DictSteps) -> None:
        self.mapper = mapper if isinstance(mapper, RunnableParallel) else RunnableParallel(mapper)

    def get_name(self) -> str:
        return self.name or "RunnableAssign<" + ",".join(self.mapper.steps) + ">"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableAssign, SyncRunnableParallel

        mapper = self.mapper._sync_twin()
        assert isinstance(mapper, SyncRunnableParallel)
        return SyncRunnableAssign(mapper)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableAssign, AsyncRunnableParallel

        mapper = self.mapper._async_twin()
        assert isinstance(mapper, AsyncRunnableParallel)
        return AsyncRunnableAssign(mapper)


class RunnablePick(Runnable[Mapping[str, object], object]):
    """One key's value of a dict input (``keys`` a str; None if absent), or a dict of the keys
    present (a list)."""

    def __init__(self, keys: str | list[str]) -> None:
        if not isinstance(keys, str) and not all(isinstance(k, str) for k in keys):
            raise ConfigError(f"pick takes a key (str) or a list of keys, got {keys!r}")
        self.keys = keys if isinstance(keys, str) else list(keys)

    def get_name(self) -> str:
        keys = [self.keys] if isinstance(self.keys, str) else self.keys
        return self.name or "RunnablePick<" + ",".join(keys) + ">"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnablePick

        return SyncRunnablePick(self.keys)

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnablePick

        return AsyncRunnablePick(self.keys)


def _exception_types(label: str, value: object) -> tuple[type[BaseException], ...]:
    if not isinstance(value, tuple) or not all(
        isinstance(t, type) and issubclass(t, BaseException) for t in value
    ):
        raise ConfigError(f"{label} must be a tuple of exception classes, got {value!r}")
    return value


class RunnableWithFallbacks(Runnable[Input, Output]):
    """``runnable.with_fallbacks([...])``: see ``Runnable.with_fallbacks``."""

    def __init__(
        self,
        runnable: Runnable[Input, Output],
        fallbacks: Sequence[Runnable[Input, Output]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...],
    ) -> None:
        self.runnable = runnable
        self.fallbacks = [coerce(f) for f in fallbacks]
        self.exceptions_to_handle = _exception_types("exceptions_to_handle", exceptions_to_handle)

    @property
    def runnables(self) -> list[Runnable[Any, Any]]:
        """The runnable and its fallbacks, in the order they are tried."""
        return [self.runnable, *self.fallbacks]

    def get_name(self) -> str:
        return self.name or "RunnableWithFallbacks"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableWithFallbacks

        return SyncRunnableWithFallbacks(
            [r._sync_twin() for r in self.runnables], self.exceptions_to_handle
        )

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableWithFallbacks

        return AsyncRunnableWithFallbacks(
            [r._async_twin() for r in self.runnables], self.exceptions_to_handle
        )


class RunnableRetry(Runnable[Input, Output]):
    """``runnable.with_retry(...)``: see ``Runnable.with_retry``."""

    def __init__(
        self,
        bound: Runnable[Input, Output],
        *,
        retry_if_exception_type: tuple[type[BaseException], ...],
        wait_exponential_jitter: bool,
        exponential_jitter_params: ExponentialJitterParams | None,
        stop_after_attempt: int,
    ) -> None:
        if not isinstance(stop_after_attempt, int) or stop_after_attempt < 1:
            raise ConfigError(f"stop_after_attempt must be an int >= 1, got {stop_after_attempt!r}")
        self.bound = bound
        self.retry_if_exception_type = _exception_types(
            "retry_if_exception_type", retry_if_exception_type
        )
        self.wait_exponential_jitter = wait_exponential_jitter
        self.exponential_jitter_params = ExponentialJitterParams(
            **(exponential_jitter_params or {})
        )
        self.stop_after_attempt = stop_after_attempt

    def get_name(self) -> str:
        return self.name or "RunnableRetry"

    def _wait(self, attempt: int) -> float:
        if not self.wait_exponential_jitter:
            return 0.0
        from .._retry import exponential_jitter

        p = self.exponential_jitter_params
        return exponential_jitter(
            attempt - 1,
            initial=p.get("initial", 1.0),
            maximum=p.get("max", 60.0),
            exp_base=p.get("exp_base", 2.0),
            jitter=p.get("jitter", 1.0),
        )

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableRetry

        return SyncRunnableRetry(
            self.bound._sync_twin(),
            attempts=self.stop_after_attempt,
            exceptions=self.retry_if_exception_type,
            wait=self._wait,
        )

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableRetry

        return AsyncRunnableRetry(
            self.bound._async_twin(),
            attempts=self.stop_after_attempt,
            exceptions=self.retry_if_exception_type,
            wait=self._wait,
        )


Condition = Runnable[Any, object] | Callable[[Any], object]


class RunnableBranch(Runnable[Input, Output]):
    """``RunnableBranch((condition, runnable), ..., default)``: the runnable of the first
    condition true of the input (conditions are tried in order), else ``default``; it streams
    like the runnable it picked."""

    def __init__(
        self,
        *branches: tuple[Condition, Runnable[Input, Output] | Callable[[Input], Output]]
        | Runnable[Input, Output]
        | Callable[[Input], Output],
        name: str | None = None,
    ) -> None:
        if len(branches) < 2 or isinstance(branches[-1], tuple):
            raise ConfigError(
                "RunnableBranch takes (condition, runnable) pairs and then a default runnable, "
                "e.g. RunnableBranch((lambda x: x > 0, positive), negative)"
            )
        pairs: list[tuple[Runnable[Any, Any], Runnable[Any, Any]]] = []
        for branch in branches[:-1]:
            if not isinstance(branch, tuple) or len(branch) != 2:
                raise ConfigError(
                    f"each branch but the last must be a (condition, runnable) pair, got {branch!r}"
                )
            pairs.append((coerce(branch[0]), coerce(branch[1])))
        self.branches = pairs
        self.default = coerce(branches[-1])
        self.name = name

    def get_name(self) -> str:
        return self.name or "RunnableBranch"

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        from .._sync.composition import SyncRunnableBranch

        return SyncRunnableBranch(
            [(c._sync_twin(), r._sync_twin()) for c, r in self.branches],
            self.default._sync_twin(),
            name=self.name,
        )

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        from .._async.composition import AsyncRunnableBranch

        return AsyncRunnableBranch(
            [(c._async_twin(), r._async_twin()) for c, r in self.branches],
            self.default._async_twin(),
            name=self.name,
        )


@overload
def chain(func: Callable[[Iterator[T]], Iterator[U]]) -> RunnableLambda[T, U]: ...


@overload
def chain(func: Callable[[AsyncIterator[T]], AsyncIterator[U]]) -> RunnableLambda[T, U]: ...


@overload
def chain(func: Callable[[Iterator[T], RunnableConfig], Iterator[U]]) -> RunnableLambda[T, U]: ...


@overload
def chain(
    func: Callable[[AsyncIterator[T], RunnableConfig], AsyncIterator[U]],
) -> RunnableLambda[T, U]: ...


@overload
def chain(func: Callable[[T], Awaitable[U]]) -> RunnableLambda[T, U]: ...


@overload
def chain(func: Callable[[T], U]) -> RunnableLambda[T, U]: ...


@overload
def chain(func: Callable[[T, RunnableConfig], Awaitable[U]]) -> RunnableLambda[T, U]: ...


@overload
def chain(func: Callable[[T, RunnableConfig], U]) -> RunnableLambda[T, U]: ...


def chain(func: Callable[..., Any]) -> RunnableLambda[Any, Any]:
    """``@chain`` over a function: the function as a ``RunnableLambda`` named after it."""
    return cast("RunnableLambda[Any, Any]", RunnableLambda(func))
