"""``Runnable``: the one-object API every public runnable shares.

``invoke``/``batch``/``stream`` delegate to the generated sync twin (``rillet._sync``),
``ainvoke``/``abatch``/``astream`` to the hand-written async twin (``rillet._async``); a facade
class only says which twin objects it stands for (``_sync_twin``/``_async_twin``). Nothing here
bridges one world to the other with threads; each twin does its own I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from .._values.config import RunnableConfig
from .._values.events import StreamEvent

if TYPE_CHECKING:
    from .._async.runnable import AsyncRunnable
    from .._async.stream import AsyncStream
    from .._sync.runnable import SyncRunnable
    from .._sync.stream import Stream
    from .composition import RunnableBinding, RunnableSequence

__all__ = ["Runnable"]


Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)
T = TypeVar("T")


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

    @overload
    def __or__(
        self, other: Mapping[str, Runnable[Output, object] | Callable[[Output], object]]
    ) -> RunnableSequence[Input, dict[str, Any]]: ...

    @overload
    def __or__(self, other: Callable[[Output], T]) -> RunnableSequence[Input, T]: ...

    def __or__(self, other: object) -> RunnableSequence[Input, Any]:
        """``self | other``: a sequence; functions become RunnableLambdas, dicts RunnableParallels."""
        from .composition import RunnableSequence, coerce

        return RunnableSequence(self, coerce(other))

    @overload
    def __ror__(
        self, other: Mapping[str, Runnable[T, object] | Callable[[T], object]]
    ) -> RunnableSequence[T, Output]: ...

    @overload
    def __ror__(self, other: Callable[[T], Input]) -> RunnableSequence[T, Output]: ...

    def __ror__(self, other: object) -> RunnableSequence[Any, Output]:
        from .composition import RunnableSequence, coerce

        return RunnableSequence(coerce(other), self)

    def pipe(
        self, *others: Runnable[Any, Any] | Callable[[Any], Any]
    ) -> RunnableSequence[Input, Any]:
        """``self | others[0] | others[1] ...`` as one ``RunnableSequence``."""
        from .composition import RunnableSequence, coerce

        return RunnableSequence(self, *(coerce(o) for o in others))

    def with_config(
        self, config: RunnableConfig | None = None, **options: Any
    ) -> RunnableBinding[Input, Output]:
        """The same runnable with this config (tags, metadata, run_name...) on every call."""
        from .composition import RunnableBinding

        merged: dict[str, Any] = {**(config or {}), **options}
        return RunnableBinding(self, merged)  # type: ignore[arg-type]  # validated by ensure_config

    # -- events ------------------------------------------------------------------------------

    def astream_events(
        self,
        input: Input,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
    ) -> AsyncStream[StreamEvent]:
        """Typed events from every step, in order, as the run happens (LangChain's v1/v2)."""
        return self._async_twin().astream_events(
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

    def stream_events(
        self,
        input: Input,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
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
        return self._async_twin().astream(input, config)

    @overload
    def batch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> list[Output]: ...

    @overload
    def batch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[True],
    ) -> list[Output | Exception]: ...

    def batch(
        self,
        inputs: Sequence[Input],
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
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[False] = False,
    ) -> list[Output]: ...

    @overload
    async def abatch(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: Literal[True],
    ) -> list[Output | Exception]: ...

    async def abatch(
        self,
        inputs: Sequence[Input],
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
