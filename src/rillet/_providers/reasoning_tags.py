"""Reasoning a model writes into its text between tags (``<think>...</think>``), split off.

Pure: no I/O. Some models (DeepSeek-R1 through Together, Qwen3 on a server without a reasoning
parser) put their reasoning inside the answer's text, between an open and a close tag, with no
wire field saying so. ``TagSplitter`` reads the text as it streams, in pieces of any size, and
tells the reasoning from the answer:

- only a reply whose text *starts* with the open tag (after whitespace) has tagged reasoning; any
  other reply is all answer, passed through as it comes;
- the reasoning is the text between the open tag and the first close tag; the answer is every
  character after the close tag (verbatim: the newline a model writes after it included); the
  whitespace before the open tag stays answer text, so no character is lost;
- a tag split across pieces (``<thi`` + ``nk>``) is held back until it is decided, so a piece
  never shows half a tag; ``flush`` (at the end of the reply) releases what is held: an
  unfinished open tag as answer, reasoning whose close tag never came as reasoning.
"""

from __future__ import annotations

from typing import Final

from .._values.errors import ConfigError

__all__ = ["THINK_TAGS", "TagSplitter", "reasoning_tags"]

THINK_TAGS: Final = ("<think>", "</think>")
"""The tags DeepSeek-R1 and Qwen3 write."""


def reasoning_tags(extract_reasoning: object) -> tuple[str, str] | None:
    """A chat model's ``extract_reasoning`` argument as the tags to split at: ``True`` is
    ``THINK_TAGS``, a pair of non-empty strs is itself, ``False`` is None (no splitting)."""
    if extract_reasoning is False:
        return None
    if extract_reasoning is True:
        return THINK_TAGS
    if (
        isinstance(extract_reasoning, tuple)
        and len(extract_reasoning) == 2
        and all(isinstance(tag, str) and tag for tag in extract_reasoning)
    ):
        return (str(extract_reasoning[0]), str(extract_reasoning[1]))
    raise ConfigError(
        "extract_reasoning must be True (split off <think>...</think>), False, or the pair of "
        f"tags the model writes its reasoning between, e.g. ('<think>', '</think>'); got "
        f"{extract_reasoning!r}"
    )


_BEFORE: Final = 0  # nothing but whitespace yet: the open tag may still come
_INSIDE: Final = 1  # after the open tag: reasoning until the close tag
_AFTER: Final = 2  # answer text, to the end


class TagSplitter:
    """Splits one reply's streamed text into (reasoning, answer) pieces."""

    __slots__ = ("_close", "_held", "_open", "_state")

    def __init__(self, tags: tuple[str, str] = THINK_TAGS) -> None:
        self._open, self._close = tags
        self._state = _BEFORE
        self._held = ""

    @property
    def passing(self) -> bool:
        """True once every further piece is answer text, unchanged."""
        return self._state == _AFTER

    def feed(self, text: str) -> tuple[str, str]:
        """The reasoning and the answer text that ``text`` (the next piece) decides."""
        if self._state == _AFTER:
            return "", text
        held = self._held + text
        self._held = ""
        answer = ""
        if self._state == _BEFORE:
            body = held.lstrip()
            if not body or (len(body) < len(self._open) and self._open.startswith(body)):
                self._held = held  # whitespace, or the open tag's beginning: undecided
                return "", ""
            if not body.startswith(self._open):
                self._state = _AFTER
                return "", held
            self._state = _INSIDE
            answer = held[: len(held) - len(body)]  # the whitespace before the tag
            held = body[len(self._open) :]
        end = held.find(self._close)
        if end >= 0:
            self._state = _AFTER
            return held[:end], answer + held[end + len(self._close) :]
        keep = _partial_suffix(held, self._close)
        if keep:
            self._held = held[-keep:]
            held = held[:-keep]
        return held, answer

    def flush(self) -> tuple[str, str]:
        """What is held back, at the end of the reply: (reasoning, answer)."""
        held, self._held = self._held, ""
        if self._state == _INSIDE:
            return held, ""
        return "", held


def _partial_suffix(text: str, tag: str) -> int:
    """The length of the longest end of ``text`` that is a beginning of ``tag`` (shorter than
    the tag: a whole tag was looked for already)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0
