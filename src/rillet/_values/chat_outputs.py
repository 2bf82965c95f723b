"""What a chat model's ``generate`` produces: ``ChatGeneration`` (one reply, an ``AIMessage``)
and ``ChatResult`` (LangChain's shapes, typed). Beside ``outputs.py``, apart from it so that the
LLM path (``import rillet``) does not load messages.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from .messages import AIMessage
from .outputs import GenerationInfo, LLMOutput

__all__ = ["ChatGeneration", "ChatResult"]


class ChatGeneration(msgspec.Struct, frozen=True):
    """One finished reply of a chat model; ``text`` is its text (LangChain's ChatGeneration)."""

    message: AIMessage
    generation_info: GenerationInfo | None = None
    text: str = ""
    type: Literal["ChatGeneration"] = "ChatGeneration"

    def __post_init__(self) -> None:
        if not self.text:
            msgspec.structs.force_setattr(self, "text", self.message.text)


class ChatResult(msgspec.Struct, frozen=True):
    """``generations[i][0]``: the reply to message list ``i``; ``llm_output`` sums their usage."""

    generations: list[list[ChatGeneration]]
    llm_output: LLMOutput | None = None
    type: Literal["ChatResult"] = "ChatResult"
