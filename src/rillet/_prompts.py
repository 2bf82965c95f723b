"""Prompt templates: ``"Tell me about {topic}"`` + ``{"topic": "goldfish"}`` -> a prompt value."""

from __future__ import annotations

import string
from collections.abc import Mapping

import msgspec

from ._values.errors import ConfigError
from ._values.inputs import InvalidInputError

__all__ = ["StringPromptValue", "Template"]


class StringPromptValue(msgspec.Struct, frozen=True):
    """A formatted prompt; an LLM reads it with ``to_string()``."""

    text: str
    type: str = "StringPromptValue"

    def to_string(self) -> str:
        return self.text


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
