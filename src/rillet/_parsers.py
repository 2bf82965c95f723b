"""Output parsing, chunk by chunk (pure): the text of a chunk, str and streaming JSON parsers."""

from __future__ import annotations

from typing import Final, Generic, Protocol, TypeVar

import msgspec

from ._values.errors import InvalidInputError, OutputParserError

__all__ = ["NOTHING", "HasText", "JsonParse", "StrParse", "text_of"]

T = TypeVar("T")


class _Nothing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Final = _Nothing()


class HasText(Protocol):
    """An output chunk with text: a ``GenerationChunk``, a message or message chunk."""

    @property
    def text(self) -> str: ...


def text_of(chunk: object) -> str:
    """The text of an LLM output chunk: a str, or anything with a str ``text``/``content``."""
    if isinstance(chunk, str):
        return chunk
    for attribute in ("text", "content"):
        value = getattr(chunk, attribute, None)
        if isinstance(value, str):
            return value
    raise InvalidInputError(
        f"an output parser takes text (str or GenerationChunk), got {type(chunk).__name__}"
    )


class StrParse:
    """StrOutputParser: every chunk's text, as is."""

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        self._texts: list[str] = []

    def feed(self, chunk: object) -> str | _Nothing:
        text = text_of(chunk)
        self._texts.append(text)
        return text if text else NOTHING

    def finish(self) -> tuple[str, str | _Nothing]:
        """The final output, and one more chunk to stream (none here)."""
        return "".join(self._texts), NOTHING


def _strip_fence(text: str) -> str:
    # Models often wrap JSON in a Markdown fence: ```json ... ```
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped[3:]
        if stripped[:4].lower() == "json":
            stripped = stripped[4:]
        end = stripped.rfind("```")
        if end != -1:
            stripped = stripped[:end]
    return stripped.strip()


class JsonParse(Generic[T]):
    """JsonOutputParser: the partial JSON value after each chunk, when it changed.

    With a ``schema`` (a msgspec Struct type or any type msgspec converts to), each partial value
    that converts is streamed as that type, and the final value must convert.
    """

    __slots__ = ("_last", "_schema", "_texts")

    def __init__(self, schema: type[T] | None) -> None:
        self._schema = schema
        self._texts: list[str] = []
        self._last: object = NOTHING

    def _convert(self, value: object) -> object:
        return value if self._schema is None else msgspec.convert(value, self._schema)

    def feed(self, chunk: object) -> object:
        self._texts.append(text_of(chunk))
        body = _strip_fence("".join(self._texts))
        if not body:
            return NOTHING
        import jiter  # here, not at the top: `import rillet` need not load it

        try:
            value = jiter.from_json(body.encode(), partial_mode="trailing-strings")
        except ValueError:
            return NOTHING  # not JSON yet (or a prefix jiter cannot complete): wait for more
        if value == self._last:
            return NOTHING
        try:
            converted = self._convert(value)
        except msgspec.ValidationError:
            return NOTHING  # a partial object that does not fit the schema yet
        self._last = value
        return converted

    def finish(self) -> tuple[object, object]:
        text = "".join(self._texts)
        body = _strip_fence(text)
        import jiter  # here, not at the top: `import rillet` need not load it

        try:
            value = jiter.from_json(body.encode())
        except ValueError as exc:
            raise OutputParserError(
                f"the output is not valid JSON ({exc}); the text was: {text[:200]!r}", text=text
            ) from None
        try:
            final = self._convert(value)
        except msgspec.ValidationError as exc:
            raise OutputParserError(
                f"the output does not match {getattr(self._schema, '__name__', self._schema)}: "
                f"{exc}; the text was: {text[:200]!r}",
                text=text,
            ) from None
        return final, (final if value != self._last else NOTHING)
