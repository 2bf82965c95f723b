"""A scripted LLM shared by the async tests and their generated sync twins (not generated itself:
it has both a native ``_astream`` and a ``_stream``, so neither twin pays a thread per chunk)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from rillet import LLM, RilletError

__all__ = ["ScriptedLLM"]


class ScriptedLLM(LLM):
    """Streams the same pieces whatever the prompt (or fails before its first chunk)."""

    def __init__(self, pieces: list[str], *, fails: bool = False) -> None:
        super().__init__(name="ScriptedLLM")
        self.pieces = pieces
        self.fails = fails

    def _stream(self, prompt: str, stop: list[str] | None = None) -> Iterator[str]:
        if self.fails:
            raise RilletError("scripted failure before the first chunk")
        yield from self.pieces

    async def _astream(self, prompt: str, stop: list[str] | None = None) -> AsyncIterator[str]:
        if self.fails:
            raise RilletError("scripted failure before the first chunk")
        for piece in self.pieces:
            yield piece
