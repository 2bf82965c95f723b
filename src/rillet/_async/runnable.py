"""``AsyncRunnable``: the Runnable protocol (invoke, batch, stream) with LangChain's defaults."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from functools import partial
from typing import Generic, Literal, TypeVar, overload

from .._async_compat import gather_limited
from .._config import RunnableConfig, config_list, ensure_config
from .._resources import Resources
from ._stream import AsyncStream

__all__ = ["AsyncRunnable"]

Input = TypeVar("Input")
Output = TypeVar("Output")


class AsyncRunnable(Generic[Input, Output]):
    """A unit of work that can be invoked, batched and streamed.

    Subclasses implement ``ainvoke``; the default ``astream`` yields one chunk, the final output
    (LangChain's documented fallback), and ``abatch`` runs ``ainvoke`` per input concurrently.
    """

    name: str | None = None

    def get_name(self) -> str:
        return self.name or type(self).__name__

    async def ainvoke(self, input: Input, config: RunnableConfig | None = None) -> Output:
        raise NotImplementedError(f"{type(self).__name__} must implement ainvoke")

    def astream(self, input: Input, config: RunnableConfig | None = None) -> AsyncStream[Output]:
        """Stream the output in chunks; the returned stream is also a (async) context manager."""
        conf = ensure_config(config)
        return AsyncStream(partial(self._stream_chunks, input, conf))

    async def _stream_chunks(
        self, input: Input, config: RunnableConfig, resources: Resources
    ) -> AsyncGenerator[Output, None]:
        yield await self.ainvoke(input, config)

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
        """``ainvoke`` each input, at most ``config["max_concurrency"]`` at a time (default: all).

        With ``return_exceptions=True`` a failing input yields its exception in its own slot and
        the others still complete; otherwise the first failure cancels the rest and is raised.
        """
        configs = config_list(config, len(inputs))
        if not configs:
            return []
        limit = configs[0].get("max_concurrency")
        if not return_exceptions:
            return await gather_limited(
                [
                    partial(self.ainvoke, item, conf)
                    for item, conf in zip(inputs, configs, strict=True)
                ],
                limit=limit,
            )

        async def isolated(item: Input, conf: RunnableConfig) -> Output | Exception:
            try:
                return await self.ainvoke(item, conf)
            except Exception as exc:
                return exc

        return await gather_limited(
            [partial(isolated, item, conf) for item, conf in zip(inputs, configs, strict=True)],
            limit=limit,
        )
