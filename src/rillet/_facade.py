"""The one-object API: each public runnable serves sync and async callers.

``invoke``/``batch``/``stream``/``generate`` delegate to the generated sync twin (``rillet._sync``),
``ainvoke``/``abatch``/``astream``/``agenerate`` to the hand-written async twin (``rillet._async``).
Nothing here bridges one world to the other with threads; each twin does its own I/O.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

import httpx

from ._async_compat import default_transport, loop_token, release_client
from ._config import RunnableConfig
from ._errors import ConfigError
from ._events import StreamEvent
from ._inputs import LanguageModelInput
from ._outputs import GenerationChunk, LLMResult

if TYPE_CHECKING:
    from ._async._stream import AsyncStream
    from ._async.llm import AsyncBaseLLM, AsyncUserLLM
    from ._async.runnable import AsyncRunnable
    from ._composition import RunnableBinding, RunnableSequence
    from ._sync._stream import Stream
    from ._sync.llm import SyncBaseLLM, SyncUserLLM
    from ._sync.runnable import SyncRunnable

__all__ = ["LLM", "BaseLLM", "BoundLLM", "HTTPModel", "Runnable"]

Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)
AnyLLM = TypeVar("AnyLLM", bound="BaseLLM")
T = TypeVar("T")
U = TypeVar("U")
Stop = list[str] | None

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)


class Runnable(Generic[Input, Output]):
    """Invoke, batch and stream, sync and async, on one object."""

    name: str | None = None

    def get_name(self) -> str:
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
        from ._composition import RunnableSequence, coerce

        return RunnableSequence(self, coerce(other))

    @overload
    def __ror__(
        self, other: Mapping[str, Runnable[T, object] | Callable[[T], object]]
    ) -> RunnableSequence[T, Output]: ...

    @overload
    def __ror__(self, other: Callable[[T], Input]) -> RunnableSequence[T, Output]: ...

    def __ror__(self, other: object) -> RunnableSequence[Any, Output]:
        from ._composition import RunnableSequence, coerce

        return RunnableSequence(coerce(other), self)

    def pipe(
        self, *others: Runnable[Any, Any] | Callable[[Any], Any]
    ) -> RunnableSequence[Input, Any]:
        from ._composition import RunnableSequence, coerce

        return RunnableSequence(self, *(coerce(o) for o in others))

    def with_config(
        self, config: RunnableConfig | None = None, **options: Any
    ) -> RunnableBinding[Input, Output]:
        """The same runnable with this config (tags, metadata, run_name...) on every call."""
        from ._composition import RunnableBinding

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
        output: Output = self._sync_twin().invoke(input, config)
        return output

    async def ainvoke(self, input: Input, config: RunnableConfig | None = None) -> Output:
        output: Output = await self._async_twin().ainvoke(input, config)
        return output

    def stream(self, input: Input, config: RunnableConfig | None = None) -> Stream[Output]:
        return self._sync_twin().stream(input, config)

    def astream(self, input: Input, config: RunnableConfig | None = None) -> AsyncStream[Output]:
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
        if return_exceptions:
            return await self._async_twin().abatch(inputs, config, return_exceptions=True)
        return await self._async_twin().abatch(inputs, config)


class BaseLLM(Runnable[LanguageModelInput, str]):
    """An LLM: a prompt (str, PromptValue or message list) in, text out, streamed as str chunks.

    Usable as ``with llm:`` / ``async with llm:``; ``close()``/``aclose()`` release connections
    the model owns (never a client you passed in).
    """

    def _sync_twin(self) -> SyncBaseLLM:
        raise NotImplementedError

    def _async_twin(self) -> AsyncBaseLLM:
        raise NotImplementedError

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: Stop = None,
        **kwargs: object,
    ) -> str:
        return self._sync_twin().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: Stop = None,
        **kwargs: object,
    ) -> str:
        return await self._async_twin().ainvoke(input, config, stop=stop, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: Stop = None,
        **kwargs: object,
    ) -> Stream[str]:
        return self._sync_twin().stream(input, config, stop=stop, **kwargs)

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: Stop = None,
        **kwargs: object,
    ) -> AsyncStream[str]:
        return self._async_twin().astream(input, config, stop=stop, **kwargs)

    def generate(self, prompts: Sequence[str], *, stop: Stop = None, **kwargs: object) -> LLMResult:
        return self._sync_twin().generate(prompts, stop=stop, **kwargs)

    async def agenerate(
        self, prompts: Sequence[str], *, stop: Stop = None, **kwargs: object
    ) -> LLMResult:
        return await self._async_twin().agenerate(prompts, stop=stop, **kwargs)

    def bind(self, *, stop: Stop = None, **kwargs: object) -> BoundLLM:
        """This model with call arguments fixed (e.g. ``llm.bind(stop=["\\n"])`` in a chain)."""
        return BoundLLM(self, stop=stop, overrides=kwargs)

    def close(self) -> None:
        """Close the sync connections this model owns."""

    async def aclose(self) -> None:
        """Close the async connections this model owns (on the current event loop)."""

    def __enter__(self: AnyLLM) -> AnyLLM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self: AnyLLM) -> AnyLLM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class LLM(BaseLLM):
    """Base class for a custom LLM: implement one method.

    - ``_call(prompt, stop) -> str``: sync; ``stream`` gives one chunk, the whole text, and the
      async methods run it on a worker thread.
    - ``_stream(prompt, stop) -> Iterator[str | GenerationChunk]``: token by token, sync (and
      async, on a worker thread).
    - ``_acall`` / ``_astream``: the async counterparts, used by ``ainvoke``/``astream``.
    """

    _HOOKS: ClassVar[tuple[str, ...]] = ("_call", "_acall", "_stream", "_astream")

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name
        self.__sync: SyncUserLLM | None = None
        self.__async: AsyncUserLLM | None = None

    def _call(self, prompt: str, stop: Stop = None) -> str:
        raise NotImplementedError

    async def _acall(self, prompt: str, stop: Stop = None) -> str:
        raise NotImplementedError

    def _stream(self, prompt: str, stop: Stop = None) -> Iterator[GenerationChunk | str]:
        raise NotImplementedError

    def _astream(self, prompt: str, stop: Stop = None) -> AsyncIterator[GenerationChunk | str]:
        raise NotImplementedError

    def _overrides(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(LLM, hook)

    def _sync_twin(self) -> SyncUserLLM:
        from ._sync.llm import SyncUserLLM

        if self.__sync is None:
            self.__sync = SyncUserLLM(
                name=self.get_name(),
                call=self._call if self._overrides("_call") else None,
                stream=self._stream if self._overrides("_stream") else None,
                blocking_call=None,
                blocking_stream=None,
            )
        return self.__sync

    def _async_twin(self) -> AsyncUserLLM:
        from ._async.llm import AsyncUserLLM

        if self.__async is None:
            self.__async = AsyncUserLLM(
                name=self.get_name(),
                call=self._acall if self._overrides("_acall") else None,
                stream=self._astream if self._overrides("_astream") else None,
                blocking_call=self._call if self._overrides("_call") else None,
                blocking_stream=self._stream if self._overrides("_stream") else None,
            )
        return self.__async


class HTTPModel(BaseLLM):
    """A model served over HTTP: owns one httpx client per twin (per event loop for async)
    unless the caller passes its own, which it then never closes."""

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout | None,
        http_client: httpx.Client | None,
        http_async_client: httpx.AsyncClient | None,
        name: str | None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigError(f"http_client must be an httpx.Client, got {http_client!r}")
        if http_async_client is not None and not isinstance(http_async_client, httpx.AsyncClient):
            raise ConfigError(
                f"http_async_client must be an httpx.AsyncClient, got {http_async_client!r}"
            )
        self.name = name
        if isinstance(timeout, httpx.Timeout):
            self._timeout = timeout
        elif timeout is not None:
            self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        else:
            self._timeout = DEFAULT_TIMEOUT
        self._http_client = http_client
        self._http_async_client = http_async_client
        self._sync: SyncBaseLLM | None = None
        self._owned_client: httpx.Client | None = None
        self._async: tuple[Hashable, AsyncBaseLLM] | None = None
        self._owned_async_client: httpx.AsyncClient | None = None

    def _make_sync(self, client: httpx.Client) -> SyncBaseLLM:
        raise NotImplementedError

    def _make_async(self, client: httpx.AsyncClient) -> AsyncBaseLLM:
        raise NotImplementedError

    def _new_client(self) -> httpx.Client:
        # Redirects are not followed (httpx's default): a key is never sent to another origin.
        return httpx.Client(timeout=self._timeout)

    def _new_async_client(self) -> httpx.AsyncClient:
        # On asyncio: httpx over aiohttp's transport (DESIGN.md decision 8); under trio: httpx's.
        transport = default_transport(self._timeout)
        return httpx.AsyncClient(timeout=self._timeout, transport=transport)

    def __del__(self) -> None:
        # A model dropped without aclose(): release its async connections now (an aiohttp
        # session would otherwise report itself unclosed at exit).
        client = getattr(self, "_owned_async_client", None)
        if client is not None:
            release_client(client)

    def _sync_twin(self) -> SyncBaseLLM:
        if self._sync is None:
            client = self._http_client
            if client is None:
                client = self._owned_client = self._new_client()
            self._sync = self._make_sync(client)
        return self._sync

    def _async_twin(self) -> AsyncBaseLLM:
        # An httpx.AsyncClient belongs to the event loop it first ran on: keep one per loop.
        token = loop_token()
        if self._async is not None and (
            self._async[0] == token or self._http_async_client is not None
        ):
            return self._async[1]
        client = self._http_async_client
        if client is None:
            if self._owned_async_client is not None:
                # The client of an earlier event loop (e.g. a previous asyncio.run): its
                # connections cannot be awaited from here; drop them.
                release_client(self._owned_async_client)
            client = self._owned_async_client = self._new_async_client()
        twin = self._make_async(client)
        self._async = (token, twin)
        return twin

    def close(self) -> None:
        client, self._owned_client, self._sync = self._owned_client, None, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        client, self._owned_async_client, self._async = self._owned_async_client, None, None
        if client is not None:
            await client.aclose()


class BoundLLM(BaseLLM):
    """An LLM with call arguments fixed by ``bind``; shares the model's connections."""

    def __init__(self, model: BaseLLM, *, stop: Stop, overrides: Mapping[str, object]) -> None:
        self.model = model
        self.name = model.name
        self._stop = stop
        self._overrides = dict(overrides)

    def get_name(self) -> str:
        return self.model.get_name()

    def _sync_twin(self) -> SyncBaseLLM:
        return self.model._sync_twin().bind(self._stop, self._overrides)

    def _async_twin(self) -> AsyncBaseLLM:
        return self.model._async_twin().bind(self._stop, self._overrides)

    def close(self) -> None:
        self.model.close()

    async def aclose(self) -> None:
        await self.model.aclose()
