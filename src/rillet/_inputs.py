"""What an LLM accepts as input, turned into the prompt string the provider sees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeAlias, runtime_checkable

from ._errors import RilletError

__all__ = ["InvalidInputError", "LanguageModelInput", "PromptValue", "to_prompt"]


class InvalidInputError(RilletError, ValueError):
    """The input is not something this runnable accepts; the message says what is."""


@runtime_checkable
class PromptValue(Protocol):
    """Anything with ``to_string()``, e.g. what a ``PromptTemplate`` produces."""

    def to_string(self) -> str: ...


MessageLike: TypeAlias = "tuple[str, str] | Mapping[str, str]"
LanguageModelInput: TypeAlias = "str | PromptValue | Sequence[MessageLike]"

# LangChain's get_buffer_string prefixes, so a message list reads the same to the model.
_ROLE_PREFIX = {
    "human": "Human",
    "user": "Human",
    "ai": "AI",
    "assistant": "AI",
    "system": "System",
    "developer": "System",
    "tool": "Tool",
    "function": "Function",
}


def _message_line(message: object) -> str:
    if isinstance(message, tuple) and len(message) == 2:
        role, content = message
    elif isinstance(message, Mapping):
        role, content = message.get("role"), message.get("content")
    else:
        role = content = None
    if not isinstance(role, str) or not isinstance(content, str):
        raise InvalidInputError(
            f"invalid message {message!r}: expected a (role, content) tuple or a "
            '{"role": ..., "content": ...} dict of strings'
        )
    prefix = _ROLE_PREFIX.get(role.lower(), role)
    return f"{prefix}: {content}"


def to_prompt(value: object) -> str:
    """The prompt string for ``value``: a str as is, a PromptValue via ``to_string()``, a list of
    messages flattened as LangChain does (``"System: ...\\nHuman: ..."``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, PromptValue):
        return value.to_string()
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return "\n".join(_message_line(message) for message in value)
    raise InvalidInputError(
        f"invalid input type {type(value).__name__}: an LLM takes a str, a PromptValue, "
        "or a list of (role, content) messages"
    )
