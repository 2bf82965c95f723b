"""What an LLM accepts as input, turned into the prompt string the provider sees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypedDict, runtime_checkable

from .errors import InvalidInputError

if TYPE_CHECKING:
    from .messages import AnyMessage, ContentBlock

__all__ = [
    "ChatInput",
    "ChatMessage",
    "LanguageModelInput",
    "PromptValue",
    "chat_messages",
    "to_prompt",
]


@runtime_checkable
class PromptValue(Protocol):
    """Anything with ``to_string()``, e.g. what a ``PromptTemplate`` produces."""

    def to_string(self) -> str:
        """The prompt as the text a completion model sees."""
        ...


MessageLike: TypeAlias = (
    "AnyMessage | str | tuple[str, str | list[ContentBlock]] | Mapping[str, object] | ChatMessage"
)
LanguageModelInput: TypeAlias = "str | PromptValue | Sequence[MessageLike]"

# LangChain's get_buffer_string prefixes, so a message list reads the same to the model.
_ROLE_PREFIX = {
    "human": "Human",
    "user": "Human",
    "ai": "AI",
    "AIMessageChunk": "AI",
    "assistant": "AI",
    "system": "System",
    "developer": "System",
    "tool": "Tool",
    "function": "Function",
}


def _role_and_content(message: object) -> tuple[str, str]:
    text = getattr(message, "text", None)  # a message struct: its type is LangChain's role
    if isinstance(text, str) and isinstance(getattr(message, "type", None), str):
        from .messages import ImageBlock  # here: messages imports this module

        content = getattr(message, "content", None)
        if isinstance(content, list) and any(type(b) is ImageBlock for b in content):
            raise InvalidInputError(
                f"a {type(message).__name__} with an image went to a text-only LLM, which "
                "would never see it: send it to a chat model (ChatOpenAI, ChatAnthropic, "
                "ChatOllama) instead"
            )
        return message.type, text  # type: ignore[attr-defined]  # checked just above
    if isinstance(message, str):  # a bare string in a message list is a human turn
        return "human", message
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
    return role, content


def _message_line(message: object) -> str:
    role, content = _role_and_content(message)
    prefix = _ROLE_PREFIX.get(role.lower(), role)
    return f"{prefix}: {content}"


def to_prompt(value: object) -> str:
    """The prompt string for ``value``: a str as is, a PromptValue via ``to_string()``, a list of
    messages flattened as LangChain does (``"System: ...\\nHuman: ..."``)."""
    if isinstance(value, str):
        return value if type(value) is str else str.__str__(value)
    if isinstance(value, PromptValue):
        text = value.to_string()
        if not isinstance(text, str):
            raise InvalidInputError(
                f"{type(value).__name__}.to_string() returned {type(text).__name__}, not str: "
                "a PromptValue must render to a str"
            )
        return str.__str__(text)
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return "\n".join(_message_line(message) for message in value)
    raise InvalidInputError(
        f"invalid input type {type(value).__name__}: an LLM takes a str, a PromptValue, "
        "or a list of (role, content) messages"
    )


class ChatMessage(TypedDict):
    """One message of a chat request body, with the role spelled as chat APIs spell it."""

    role: str
    content: str


ChatInput: TypeAlias = "str | Sequence[MessageLike]"

# LangChain's message types, as the chat APIs name their roles.
_CHAT_ROLE = {"human": "user", "ai": "assistant", "aimessagechunk": "assistant"}


def chat_messages(value: ChatInput) -> list[ChatMessage]:
    """The ``messages`` of a chat request: a str is one user message; (role, content) tuples and
    role/content dicts are kept as messages (``human``/``ai`` become ``user``/``assistant``)."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    messages: list[ChatMessage] = []
    for message in value:
        role, content = _role_and_content(message)
        messages.append({"role": _CHAT_ROLE.get(role.lower(), role), "content": content})
    return messages
