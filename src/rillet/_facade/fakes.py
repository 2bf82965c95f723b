"""In-process fake LLMs for users' tests: scripted answers, no network.

Both are custom LLMs (``rillet.LLM``), so they run through the same runnable logic as every other
model: ``invoke``/``stream``/``batch``/``generate``, their async twins, events and chains.
For fakes that go over real HTTP, see ``rillet.testing.FakeServer``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence

from .._async_compat import sleep as async_sleep
from .._values.errors import ConfigError, RilletError
from .llm import LLM

__all__ = ["FakeListLLM", "FakeListLLMError", "FakeStreamingListLLM"]

Stop = list[str] | None


class FakeListLLMError(RilletError):
    """Raised by ``FakeStreamingListLLM`` at ``error_on_chunk_number``; ``partial_text`` holds
    the characters streamed before it."""


class FakeListLLM(LLM):
    """Answers with ``responses`` in turn, whatever the prompt, starting over after the last.

    It does not stream: ``stream`` gives the whole response as one chunk (the documented fallback
    of a model that cannot stream). ``i`` is the index of the next response.
    """

    def __init__(self, *, responses: Sequence[str], name: str | None = None) -> None:
        if isinstance(responses, str) or not all(isinstance(r, str) for r in responses):
            raise ConfigError(f"responses must be a list of str, got {responses!r}")
        if not responses:
            raise ConfigError("responses must not be empty: give at least one answer")
        super().__init__(name=name)
        self.responses: tuple[str, ...] = tuple(responses)
        self.i = 0
        self._lock = threading.Lock()  # sync batches run calls on worker threads

    def _next_response(self) -> str:
        with self._lock:
            response = self.responses[self.i]
            self.i = (self.i + 1) % len(self.responses)
        return response

    def _call(self, prompt: str, stop: Stop = None) -> str:
        return self._next_response()

    async def _acall(self, prompt: str, stop: Stop = None) -> str:
        return self._next_response()


class FakeStreamingListLLM(FakeListLLM):
    """As ``FakeListLLM``, streaming each response character by character.

    ``sleep``: seconds to wait before each character. ``error_on_chunk_number``: raise
    ``FakeListLLMError`` instead of yielding that character (0-based), to test error handling.
    """

    def __init__(
        self,
        *,
        responses: Sequence[str],
        sleep: float | None = None,
        error_on_chunk_number: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(responses=responses, name=name)
        if sleep is not None and sleep < 0:
            raise ConfigError(f"sleep must be >= 0 seconds or None, got {sleep!r}")
        self.sleep = sleep
        self.error_on_chunk_number = error_on_chunk_number

    def _chars(self) -> Iterator[str]:
        for index, char in enumerate(self._next_response()):
            if index == self.error_on_chunk_number:
                raise FakeListLLMError(f"{self.get_name()}: scripted error at chunk {index}")
            yield char

    def _stream(self, prompt: str, stop: Stop = None) -> Iterator[str]:
        for char in self._chars():
            if self.sleep:
                time.sleep(self.sleep)
            yield char

    async def _astream(self, prompt: str, stop: Stop = None) -> AsyncIterator[str]:
        for char in self._chars():
            if self.sleep:
                await async_sleep(self.sleep)
            yield char
