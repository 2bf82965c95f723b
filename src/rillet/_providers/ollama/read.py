"""Reading an Ollama generate stream: NDJSON, not SSE, one JSON object per line, no sentinel.

Pure: no I/O; ``_async/read_loop.py`` feeds ``OllamaReader`` the lines. Each line's ``response``
is a text fragment (often ``""``, never yielded then); the line with ``"done": true`` ends the
stream and carries ``done_reason`` (the finish reason) and the eval counts
(``prompt_eval_count``/``eval_count``, the usage; absent when zero). An ``{"error": ...}`` line
mid-stream raises ``StreamProviderError``. ``thinking`` fragments are not text. Reference:
https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-completion
"""

from __future__ import annotations

import msgspec

from ..._values.outputs import (
    Generation,
    GenerationChunk,
    GenerationInfo,
    LLMOutput,
    LLMResult,
    TokenUsage,
)
from ..._wire.reader import NDJSONStreamReader
from .wire import OllamaLine, line_decoder

__all__ = ["OllamaReader", "generate_result"]


def _usage(line: OllamaLine) -> TokenUsage:
    prompt = line.prompt_eval_count or 0
    completion = line.eval_count or 0
    return TokenUsage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


class OllamaReader(NDJSONStreamReader[GenerationChunk]):
    """Reads an ``/api/generate`` stream into candidate 0 of the builder."""

    terminal = 'a line with "done": true'
    __slots__ = ()

    def feed(self, frame: bytes) -> GenerationChunk | None:
        try:
            line = line_decoder.decode(frame)
        except msgspec.DecodeError as exc:
            raise self.decode_error("Ollama NDJSON line", frame, exc) from exc
        if line.error is not None:  # after output has started, errors come as a line
            raise self.provider_error(line.error, body={"error": line.error}, raw=frame)
        builder = self.builder
        if builder.model_name is None and line.model:
            builder.model_name = line.model
        if line.done:
            self.done = True
            builder.finish(0, line.done_reason or "stop")
            builder.usage = _usage(line)
        if not line.response:
            return None
        chunk = GenerationChunk(line.response)
        builder.add_chunk(0, chunk)
        return chunk


def generate_result(line: OllamaLine) -> LLMResult:
    """A whole (``"stream": false``) generate response."""
    info = GenerationInfo(line.done_reason) if line.done_reason is not None else None
    output = LLMOutput(token_usage=_usage(line), model_name=line.model or None)
    return LLMResult(generations=[[Generation(line.response, info)]], llm_output=output)
