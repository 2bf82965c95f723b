"""``Runnable``: the one-object API every public runnable shares.

``invoke``/``batch``/``stream`` delegate to the generated sync twin (``rillet._sync``),
``ainvoke``/``abatch``/``astream`` to the hand-written async twin (``rillet._async``); a facade
class only says which twin objects it stands for (``_sync_twin``/``_async_twin``). Nothing here
bridges one world to the other with threads; each twin does its own I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, overload

from .._values.errors import RilletError

if TYPE_CHECKING:
    from typing_extensions import TypeVar as DefaultTypeVar

    from .._aggregate import AddableDict
    from .._async.runnable import AsyncRunnable
    from .._async.stream import AsyncStream
    from .._sync.runnable import SyncRunnable
    from .._sync.stream import Stream
    from .._values.config import RunnableConfig, RunSink
    from .._values.events import StreamEvent
    from .._values.options import SequenceNotStr
    from .composition import (
        GeneratorFunctionTakesAnIterator,
        RunnableBinding,
        RunnableRetry,
        RunnableSequence,
        RunnableWithFallbacks,
    )

    In = DefaultTypeVar("In", default=Any)  # not inferable (a dict of mixed steps): Any

__all__ = ["ExponentialJitterParams", "Runnable"]


Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)
T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")


class ExponentialJitterParams(TypedDict, total=False):
    """``with_retry``'s backoff: ``initial * exp_base**n`` plus up to ``jitter`` s, at most
    ``max`` s (defaults 1, 2, 1, 60: tenacity's, as LangChain uses them)."""

    initial: float
    max: float
    exp_base: float
    jitter: float


class Runnable(Generic[Input, Output]):
    """Invoke, batch and stream, sync and async, on one object."""

    name: str | None = None

    def get_name(self) -> str:
        """The run name in events and traces: ``name`` if set, else the class name."""
        return self.name or type(self).__name__

    def _sync_twin(self) -> SyncRunnable[Any, Any]:
        raise NotImplementedError

    def _async_twin(self) -> AsyncRunnable[Any, Any]:
        raise NotImplementedError

    # -- composition -------------------------------------------------------------------------

    @overload
    def __or__(self, other: Runnable[Output, T]) -> RunnableSequence[Input, T]: ...

    # Overlaps below are on purpose: the first signature that fits wins (a transformer, then a
    # generator of a non-iterator, which cannot run, then plain functions).
    @overload
    def __or__(  # type: ignore[overload-overlap]  # generator functions: stream transformers
        self, other: Callable[[Iterator[Output]], Iterator[T]]
    ) -> RunnableSequence[Input, T]: ...

    @overload
    def __or__(  # type: ignore[overload-overlap]  # async generator functions: transformers
        self, other: Callable[[AsyncIterator[Output]], AsyncIterator[T]]
    ) -> RunnableSequence[Input, T]: ...

    @overload
    def __or__(  # type: ignore[overload-overlap]  # a generator of one value cannot run
        self, other: Callable[[Output], Iterator[object] | AsyncIterator[object]]
    ) -> GeneratorFunctionTakesAnIterator: ...

    @overload
    def __or__(self, other: Callable[[Output], Awaitable[T]]) -> RunnableSequence[Input, T]: ...

    @overload
    def __or__(self, other: Callable[[Output], T]) -> RunnableSequence[Input, T]: ...

    @overload
    def __or__(
        self, other: Mapping[str, Runnable[Output, T]]
    ) -> RunnableSequence[Input, AddableDict[T]]: ...

    @overload
    def __or__(
        self, other: Mapping[str, Callable[[Output], T]]
    ) -> RunnableSequence[Input, AddableDict[T]]: ...

    @overload
    def __or__(
        self, other: Mapping[str, Runnable[Output, object] | Callable[[Output], object]]
    ) -> RunnableSequence[Input, AddableDict[object]]: ...

    def __or__(self, other: object) -> RunnableSequence[Input, Any] | Any:
        """``self | other``: a sequence; functions become RunnableLambdas, dicts RunnableParallels."""
        from .composition import RunnableSequence, coerce

        return RunnableSequence(self, coerce(other))

    @overload
    def __ror__(
        self, other: Callable[[Iterator[T]], Iterator[Input]]
    ) -> RunnableSequence[T, Output]: ...

    @overload
    def __ror__(self, other: Callable[[T], Input]) -> RunnableSequence[T, Output]: ...

    @overload
    def __ror__(
        self, other: Mapping[str, Runnable[In, object] | Callable[[In], object]]
    ) -> RunnableSequence[In, Output]: ...

    def __ror__(self, other: object) -> RunnableSequence[Any, Output]:
        from .composition import RunnableSequence, coerce

        return RunnableSequence(coerce(other), self)

    @overload
    def pipe(
        self, first: Runnable[Output, T] | Callable[[Output], T], /, *, name: str | None = None
    ) -> RunnableSequence[Input, T]: ...

    @overload
    def pipe(
        self,
        first: Runnable[Output, T] | Callable[[Output], T],
        second: Runnable[T, U] | Callable[[T], U],
        /,
        *,
        name: str | None = None,
    ) -> RunnableSequence[Input, U]: ...

    @overload
    def pipe(
        self,
        first: Runnable[Output, T] | Callable[[Output], T],
        second: Runnable[T, U] | Callable[[T], U],
        third: Runnable[U, V] | Callable[[U], V],
        /,
        *,
        name: str | None = None,
    ) -> RunnableSequence[Input, V]: ...

    @overload
    def pipe(
        self,
        first: Runnable[Output, object] | Callable[[Output], object],
        second: Runnable[Any, object] | Callable[[Any], object],
        third: Runnable[Any, object] | Callable[[Any], object],
        fourth: Runnable[Any, object] | Callable[[Any], object],
        /,
        *others: Runnable[Any, object] | Callable[[Any], object],
        name: str | None = None,
    ) -> RunnableSequence[Input, object]: ...

    def pipe(
        self, *others: Runnable[Any, object] | Callable[[Any], object], name: str | None = None
    ) -> RunnableSequence[Input, Any]:
        """``self | others[0] | others[1] ...`` as one ``RunnableSequence`` (named ``name``)."""
        from .composition import RunnableSequence, coerce

        return RunnableSequence(self, *(coerce(o) for o in others), name=name)

    def with_config(
        self,
        config: RunnableConfig | None = None,
        *,
        tags: SequenceNotStr[str] | None = None,
        metadata: Mapping[str, object] | None = None,
        run_name: str | None = None,
        max_concurrency: int | None = None,
        run_id: uuid.UUID | None = None,
        recursion_limit: int | None = None,
        configurable: Mapping[str, object] | None = None,
        callbacks: RunSink | None = None,
    ) -> RunnableBinding[Input, Output]:
        """The same runnable with this config (tags, metadata, run_name...) on every call.

        ``run_name`` names its runs in events; ``get_name()`` stays the runnable's own name.
        ``callbacks`` takes only the config a function received (rillet has no callback
        handlers: LangChain's are a ``ConfigError`` at once).
        """
        from .._values.config import ensure_config
        from .composition import RunnableBinding

        if callbacks is not None:
            ensure_config({"callbacks": callbacks})  # a LangChain handler: say what to use
        merged: dict[str, object] = dict(config or {})
        options: dict[str, object | None] = {
            "tags": tags,
            "metadata": metadata,
            "run_name": run_name,
            "max_concurrency": max_concurrency,
            "run_id": run_id,
            "recursion_limit": recursion_limit,
            "configurable": configurable,
            "callbacks": callbacks,
        }
        merged.update({key: value for key, value in options.items() if value is not None})
        return RunnableBinding(self, merged)  # type: ignore[arg-type]  # validated by ensure_config

    # -- LCEL pieces ---------------------------------------------------------------------------

    def assign(
        self,
        **steps: Runnable[dict[str, Any], object] | Callable[[dict[str, Any]], object],
    ) -> RunnableSequence[Input, AddableDict]:
        """``self | RunnablePassthrough.assign(**steps)``: this runnable's dict output plus the
        outputs of ``steps`` on it (run concurrently)."""
        from .composition import RunnablePassthrough, RunnableSequence

        assign: Runnable[Any, AddableDict] = RunnablePassthrough.assign(**steps)
        return RunnableSequence(self, assign)

    @overload
    def pick(self, keys: str) -> RunnableSequence[Input, object]: ...

    @overload
    def pick(self, keys: list[str]) -> RunnableSequence[Input, AddableDict]: ...

    def pick(self, keys: str | list[str]) -> RunnableSequence[Input, Any]:
        """One key's value of this runnable's dict output (``keys`` a str), or a dict of some
        of its keys (a list)."""
        from .composition import RunnablePick, RunnableSequence

        picked: Runnable[Any, Any] = RunnablePick(keys)
        return RunnableSequence(self, picked)

    def with_fallbacks(
        self,
        fallbacks: Sequence[Runnable[Input, Output]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (RilletError,),
    ) -> RunnableWithFallbacks[Input, Output]:
        """This runnable, and when it fails with one of ``exceptions_to_handle`` each fallback in
        turn. A stream falls back only before its first chunk; after that the error propagates
        with its partial text."""
        from .composition import RunnableWithFallbacks

        return RunnableWithFallbacks(self, fallbacks, exceptions_to_handle=exceptions_to_handle)

    def with_retry(
        self,
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: ExponentialJitterParams | None = None,
        stop_after_attempt: int = 3,
    ) -> RunnableRetry[Input, Output]:
        """This runnable, run again (``stop_after_attempt`` attempts in all) when it fails with
        one of ``retry_if_exception_type``, after an exponential backoff with jitter. A stream
        is retried only before its first chunk. (HTTP-level retries of a model are separate.)"""
        from .composition import RunnableRetry

        return RunnableRetry(
            self,
            retry_if_exception_type=retry_if_exception_type,
            wait_exponential_jitter=wait_exponential_jitter,
            exponential_jitter_params=exponential_jitter_params,
            stop_after_attempt=stop_after_attempt,
        )

    # -- events ------------------------------------------------------------------------------

    def astream_events(
        self,
        input: Input,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: SequenceNotStr[str] | None = None,
        include_types: SequenceNotStr[str] | None = None,
        include_tags: SequenceNotStr[str] | None = None,
        exclude_names: SequenceNotStr[str] | None = None,
        exclude_types: SequenceNotStr[str] | None = None,
        exclude_tags: SequenceNotStr[str] | None = None,
    ) -> AsyncStream[StreamEvent]:
        """Typed events from every step, in order, as the run happens (LangChain's v1/v2)."""
        from .deferred import loop_free  # the async world loads on first use

        return loop_free(
            lambda: self._async_twin().astream_events(
                input,
                config,
                version=version,
                include_names=include_names,
                include_types=include_types,
                include_tags=include_tags,
                exclude_names=exclude_names,
                exclude_types=exclude_types,
                exclude_tags=exclude_tags,
            )
        )

    def stream_events(
        self,
        input: Input,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: SequenceNotStr[str] | None = None,
        include_types: SequenceNotStr[str] | None = None,
        include_tags: SequenceNotStr[str] | None = None,
        exclude_names: SequenceNotStr[str] | None = None,
        exclude_types: SequenceNotStr[str] | None = None,
        exclude_tags: SequenceNotStr[str] | None = None,
    ) -> Stream[StreamEvent]:
        """The sync twin of ``astream_events`` (LangChain has none): the same events, in order."""
        return self._sync_twin().stream_events(
            input,
            config,
            version=version,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
        )

    def invoke(self, input: Input, config: RunnableConfig | None = None) -> Output:
        """Run on one input and return the whole output (the sync twin; no thread)."""
        output: Output = self._sync_twin().invoke(input, config)
        return output

    async def ainvoke(self, input: Input, config: RunnableConfig | None = None) -> Output:
        """Run on one input and return the whole output (the async twin)."""
        output: Output = await self._async_twin().ainvoke(input, config)
        return output

    def stream(self, input: Input, config: RunnableConfig | None = None) -> Stream[Output]:
        """Run on one input and yield the output in chunks as they come.

        The ``Stream`` closes its HTTP responses when exhausted, closed (``with`` or ``close()``),
        or dropped; chunks add up to what ``invoke`` returns.
        """
        return self._sync_twin().stream(input, config)

    def astream(self, input: Input, config: RunnableConfig | None = None) -> AsyncStream[Output]:
        """Run on one input and yield the output in chunks as they come (async).

        The ``AsyncStream`` closes its HTTP responses when exhausted, closed (``async with`` or
        ``aclose()``), cancelled or dropped; chunks add up to what ``ainvoke`` returns.
        """
        from .deferred import loop_free  # the async world loads on first use

        return loop_free(lambda: self._async_twin().astream(input, config))

    @overload
    def batch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> list[Output]: ...

    @overload
    def batch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
    ) -> list[Output | Exception]: ...

    def batch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
    ) -> list[Output] | list[Output | Exception]:
        """Run on each input and return the outputs in input order.

        ``config`` is one config for all or one per input; its ``max_concurrency`` bounds the runs
        in flight. With ``return_exceptions=True`` a failed input's exception takes its place in
        the list instead of being raised.
        """
        if return_exceptions:
            return self._sync_twin().batch(inputs, config, return_exceptions=True)
        return self._sync_twin().batch(inputs, config)

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> list[Output]: ...

    @overload
    async def abatch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool,
    ) -> list[Output | Exception]: ...

    async def abatch(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
    ) -> list[Output] | list[Output | Exception]:
        """Run on each input concurrently and return the outputs in input order (async).

        As ``batch``: one config or one per input, ``max_concurrency`` bounds the runs in flight,
        ``return_exceptions=True`` puts a failed input's exception in its place.
        """
        if return_exceptions:
            return await self._async_twin().abatch(inputs, config, return_exceptions=True)
        return await self._async_twin().abatch(inputs, config)

    @overload
    def batch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> Iterator[tuple[int, Output]]: ...

    @overload
    def batch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[True],
    ) -> Iterator[tuple[int, Output | Exception]]: ...

    def batch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
    ) -> Iterator[tuple[int, Output | Exception]]:
        """``(index, output)`` pairs in the order the inputs complete (see ``abatch_as_completed``)."""
        return self._sync_twin().batch_as_completed(
            inputs, config, return_exceptions=return_exceptions
        )

    @overload
    def abatch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> AsyncIterator[tuple[int, Output]]: ...

    @overload
    def abatch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[True],
    ) -> AsyncIterator[tuple[int, Output | Exception]]: ...

    def abatch_as_completed(
        self,
        inputs: SequenceNotStr[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
    ) -> AsyncIterator[tuple[int, Output | Exception]]:
        """``(index, output)`` pairs in the order the inputs complete, ``max_concurrency`` at a
        time (default: all at once)."""
        return self._async_twin().abatch_as_completed(
            inputs, config, return_exceptions=return_exceptions
        )
