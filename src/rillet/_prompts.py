"""Prompt templates: ``"Tell me about {topic}"`` + ``{"topic": "goldfish"}`` -> a prompt value.

``Template`` formats one string; ``ChatTemplate`` formats a list of messages (role templates,
fixed messages, ``MessagesPlaceholder``s) into a ``ChatPromptValue``, following LangChain's
``ChatPromptTemplate``: sorted ``input_variables``, optional placeholders default to ``[]``,
``("placeholder", "{x}")`` is an optional placeholder, message structs are used verbatim.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias, Union

import msgspec

from ._values.errors import ConfigError, InvalidInputError
from ._values.messages import (
    AIMessage,
    AnyMessage,
    ContentBlock,
    HumanMessage,
    SystemMessage,
    buffer_string,
    coerce_message,
    coerce_messages,
)

__all__ = [
    "ChatPromptValue",
    "ChatTemplate",
    "ChatTemplateLike",
    "MessagesPlaceholder",
    "StringPromptValue",
    "Template",
]


class StringPromptValue(msgspec.Struct, frozen=True):
    """A formatted prompt; an LLM reads it with ``to_string()``."""

    text: str
    type: str = "StringPromptValue"

    def to_string(self) -> str:
        return self.text

    def to_messages(self) -> list[AnyMessage]:
        """The prompt as one human message (how a chat model reads a string prompt)."""
        return [HumanMessage(self.text)]


class ChatPromptValue(msgspec.Struct, frozen=True):
    """Formatted chat messages; a chat model reads ``to_messages()``, an LLM ``to_string()``."""

    messages: list[AnyMessage]

    def to_messages(self) -> list[AnyMessage]:
        return list(self.messages)

    def to_string(self) -> str:
        """LangChain's flattening: ``"System: ...\nHuman: ..."``."""
        return buffer_string(self.messages)


class Template(msgspec.Struct, frozen=True):
    """A parsed f-string-style template (``{name}`` fields, ``{{``/``}}`` for braces)."""

    template: str
    input_variables: tuple[str, ...]

    @classmethod
    def parse(cls, template: str) -> Template:
        if not isinstance(template, str):
            raise ConfigError(f"a prompt template must be a str, got {template!r}")
        names: list[str] = []
        try:
            for _, field, spec, conversion in string.Formatter().parse(template):
                if field is None:
                    continue
                if not field.isidentifier() or spec or conversion:
                    raise ConfigError(
                        f"unsupported template field {{{field}}} in {template!r}: use plain "
                        "{name} fields (write {{ and }} for literal braces)"
                    )
                if field not in names:
                    names.append(field)
        except ValueError as exc:
            raise ConfigError(f"invalid prompt template {template!r}: {exc}") from None
        return cls(template, tuple(names))

    def format(self, values: object) -> StringPromptValue:
        if not isinstance(values, Mapping):
            if len(self.input_variables) == 1:
                values = {self.input_variables[0]: values}
            else:
                raise InvalidInputError(
                    f"a prompt with variables {list(self.input_variables)} takes a dict, "
                    f"got {type(values).__name__}"
                )
        missing = [name for name in self.input_variables if name not in values]
        if missing:
            raise InvalidInputError(
                f"prompt input is missing {missing}: expected keys {list(self.input_variables)}, "
                f"got {sorted(map(str, values))}"
            )
        return StringPromptValue(self.template.format_map(values))


class MessagesPlaceholder(msgspec.Struct, frozen=True):
    """A slot in a chat prompt filled by a list of messages from the input ``variable_name``.

    ``optional=True``: a missing variable is ``[]``. ``n_messages``: keep only the last N.
    """

    variable_name: str
    optional: bool = False
    n_messages: int | None = None


class RoleTemplate(msgspec.Struct, frozen=True):
    """One message whose text is a template."""

    role: Literal["system", "human", "ai"]
    template: Template


ChatPart: TypeAlias = RoleTemplate | MessagesPlaceholder | AnyMessage
ChatTemplateLike: TypeAlias = Union[
    AnyMessage,
    MessagesPlaceholder,
    str,
    "tuple[str, str | list[ContentBlock]]",
    "Mapping[str, object]",
]

_TEMPLATE_ROLES: dict[str, Literal["system", "human", "ai"]] = {
    "system": "system",
    "developer": "system",
    "human": "human",
    "user": "human",
    "ai": "ai",
    "assistant": "ai",
}
_MESSAGE = {"system": SystemMessage, "human": HumanMessage, "ai": AIMessage}


def _placeholder(template: object) -> MessagesPlaceholder:
    if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        name = template[1:-1]
        if name.isidentifier():
            return MessagesPlaceholder(name, optional=True)
    raise ConfigError(
        f"a ('placeholder', ...) message takes '{{variable}}', got {template!r}; "
        "or use MessagesPlaceholder(name)"
    )


def _part(item: object) -> ChatPart:
    if isinstance(item, (MessagesPlaceholder, RoleTemplate)):
        return item
    if isinstance(item, str):
        return RoleTemplate("human", Template.parse(item))
    role: object
    content: object
    if isinstance(item, tuple) and len(item) == 2:
        role, content = item
    elif isinstance(item, Mapping) and set(item) == {"role", "content"}:
        role, content = item["role"], item["content"]
    else:
        try:
            return coerce_message(item)  # message structs, used verbatim
        except InvalidInputError as exc:
            raise ConfigError(
                f"invalid chat prompt message {item!r}: expected a (role, template) tuple, a str, "
                f'a {{"role": ..., "content": ...}} dict, a message or a MessagesPlaceholder ({exc})'
            ) from None
    if role == "placeholder":
        return _placeholder(content)
    kind = _TEMPLATE_ROLES.get(role) if isinstance(role, str) else None
    if kind is None:
        raise ConfigError(
            f"invalid role {role!r} in chat prompt message {item!r}: use 'system', 'human', "
            "'user', 'ai', 'assistant' or 'placeholder'"
        )
    if isinstance(content, str):
        return RoleTemplate(kind, Template.parse(content))
    try:  # content blocks are used as they are (not templated)
        return coerce_message((kind, content))
    except InvalidInputError as exc:
        raise ConfigError(f"invalid chat prompt message {item!r}: {exc}") from None


class ChatTemplate(msgspec.Struct, frozen=True):
    """A parsed chat prompt: its parts and the variables already filled by ``partial``."""

    parts: tuple[ChatPart, ...]
    partial_variables: tuple[tuple[str, object], ...] = ()

    @classmethod
    def parse(cls, messages: Sequence[ChatTemplateLike]) -> ChatTemplate:
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise ConfigError(
                f"ChatPromptTemplate.from_messages takes a list of messages, got {messages!r}"
            )
        return cls(tuple(_part(item) for item in messages))

    def _names(self, *, optional: bool) -> list[str]:
        names: set[str] = set()
        for part in self.parts:
            if isinstance(part, RoleTemplate):
                if not optional:
                    names.update(part.template.input_variables)
            elif isinstance(part, MessagesPlaceholder) and part.optional == optional:
                names.add(part.variable_name)
        return sorted(names - {name for name, _ in self.partial_variables})

    @property
    def input_variables(self) -> list[str]:
        """The variables the input must have (sorted, as LangChain lists them)."""
        return self._names(optional=False)

    @property
    def optional_variables(self) -> list[str]:
        """Variables of optional placeholders: ``[]`` when missing."""
        return self._names(optional=True)

    def partial(self, values: Mapping[str, object]) -> ChatTemplate:
        merged = dict(self.partial_variables)
        merged.update(values)
        return ChatTemplate(self.parts, tuple(merged.items()))

    def format(self, values: object) -> ChatPromptValue:
        if not isinstance(values, Mapping):
            required = self.input_variables
            if len(required) != 1:
                raise InvalidInputError(
                    f"a chat prompt with variables {required} takes a dict, "
                    f"got {type(values).__name__}"
                )
            values = {required[0]: values}
        if self.partial_variables:
            values = {**dict(self.partial_variables), **values}
        missing = [name for name in self.input_variables if name not in values]
        if missing:
            raise InvalidInputError(
                f"chat prompt input is missing {missing}: expected keys {self.input_variables}, "
                f"got {sorted(map(str, values))}"
            )
        messages: list[AnyMessage] = []
        for part in self.parts:
            if isinstance(part, RoleTemplate):
                messages.append(_MESSAGE[part.role](part.template.format(values).text))
            elif isinstance(part, MessagesPlaceholder):
                messages.extend(_placeholder_messages(part, values))
            else:
                messages.append(part)
        return ChatPromptValue(messages)


def _placeholder_messages(
    part: MessagesPlaceholder, values: Mapping[str, object]
) -> list[AnyMessage]:
    value = values.get(part.variable_name, [] if part.optional else None)
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(
            f"placeholder {part.variable_name!r} takes a list of messages, got {value!r}"
        )
    messages = coerce_messages(value)
    if part.n_messages is not None:
        messages = messages[-part.n_messages :] if part.n_messages > 0 else []
    return messages
