"""Ollama generate wire structs: one NDJSON line of ``/api/generate``.

Pure: no I/O. Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-completion
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = ["OllamaLine", "line_decoder"]


class OllamaLine(msgspec.Struct, frozen=True, gc=False):
    """One NDJSON line of ``/api/generate`` (a whole response when not streamed). Metrics are
    ``omitempty`` upstream: absent when zero."""

    model: str = ""
    response: str = ""
    done: bool = False
    done_reason: str | None = None
    prompt_eval_count: int | None = None
    eval_count: int | None = None
    error: str | None = None


line_decoder: Final = msgspec.json.Decoder(OllamaLine)
