"""Structured output (pure): partial JSON as it grows -> the schema's type each time the partial
already decodes into it; the final value, or a typed error.

``partial_json`` is the one partial parse: jiter's partial mode (never a hand-written parser),
plus one rule jiter lacks: a number at the very end of the text may still grow (``3`` before
``30``), so it is left out until something follows it. A growing value is therefore always a
valid partial of the final one: strings grow, containers gain members, numbers and literals
appear only whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final, Generic, Literal, TypeVar, overload

import msgspec

from .._parsers import NOTHING
from .errors import InvalidInputError, StructuredOutputError
from .messages import AIMessage, AIMessageChunk, ToolCall

__all__ = [
    "MessageParse",
    "StructuredOutput",
    "StructuredParse",
    "ToolCallsParse",
    "partial_json",
    "schema_name",
]

T = TypeVar("T")

_NUMBER_TAIL: Final = frozenset("0123456789+-.eE")


def schema_name(schema: object) -> str:
    return str(getattr(schema, "__name__", schema))


def partial_json(text: str, *, strings: bool = True) -> object:
    """The JSON value ``text`` holds so far, or ``NOTHING`` when it holds none yet.

    With ``strings=True`` an unfinished string shows what arrived of it. A trailing run of
    number characters is left out until something follows it (it may be a number that can still
    grow; inside a string, leaving it out only shows a shorter prefix), so no value ever shrinks
    or changes: each result is a partial of the final value.
    """
    end = len(text)
    while end and text[end - 1] in _NUMBER_TAIL:
        end -= 1
    if not text[:end].strip():
        return NOTHING
    import jiter  # here, not at the top: `import rillet` need not load it

    try:
        return jiter.from_json(
            text[:end].encode(), partial_mode="trailing-strings" if strings else True
        )
    except ValueError:
        return NOTHING


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


class StructuredParse(Generic[T]):
    """Feed the output as it arrives (text fragments, or whole partial values such as a tool
    call's growing arguments); each feed returns a new ``T`` when the partial value decodes into
    ``T`` and differs from the last one, else ``NOTHING``. ``finish`` returns the final ``T`` or
    raises ``StructuredOutputError``.

    Decoding uses ``msgspec.convert`` in lax mode (``"3"`` fits an ``int``), as LangChain's
    pydantic parsers do.
    """

    __slots__ = ("_last", "_last_out", "_texts", "schema")

    def __init__(self, schema: type[T]) -> None:
        self.schema = schema
        self._texts: list[str] = []
        self._last: object = NOTHING  # the last partial JSON value that decoded
        self._last_out: object = NOTHING  # ... and what it decoded into

    def _convert(self, value: object) -> T | object:
        if value is NOTHING or value == self._last:
            return NOTHING
        try:
            converted = msgspec.convert(value, self.schema, strict=False)
        except msgspec.ValidationError:
            return NOTHING  # a partial value that does not fit the schema yet
        self._last = value
        if converted == self._last_out:
            return NOTHING
        self._last_out = converted
        return converted

    def feed_text(self, fragment: str) -> T | object:
        if not fragment:
            return NOTHING
        self._texts.append(fragment)
        return self._convert(partial_json(_strip_fence("".join(self._texts))))

    def feed_value(self, value: object) -> T | object:
        return self._convert(value)

    def finish_text(self) -> T:
        return self.parse_text("".join(self._texts))

    def parse_text(self, text: str) -> T:
        """A whole output text (a Markdown fence allowed) as ``T``."""
        body = _strip_fence(text)
        import jiter  # here, not at the top: `import rillet` need not load it

        try:
            value = jiter.from_json(body.encode())
        except ValueError as exc:
            raise StructuredOutputError(
                f"the output is not valid JSON for {schema_name(self.schema)} ({exc}); "
                f"the text was: {text[:200]!r}",
                text=text,
                schema=self.schema,
            ) from None
        return self.decode(value, text)

    def decode(self, value: object, text: str) -> T:
        """``value`` (the final JSON value) as ``T``, or ``StructuredOutputError``."""
        try:
            return msgspec.convert(value, self.schema, strict=False)
        except msgspec.ValidationError as exc:
            raise StructuredOutputError(
                f"the output does not match {schema_name(self.schema)}: {exc}; "
                f"the text was: {text[:200]!r}",
                text=text,
                schema=self.schema,
            ) from None

    def changed(self, value: object) -> bool:
        """Whether ``value`` (the final value) differs from the last partial streamed."""
        return value != self._last_out


# -- structured output from a chat model's messages --------------------------------------------


class StructuredOutput(msgspec.Struct, Generic[T], frozen=True):
    """``with_structured_output(..., include_raw=True)``: the model's whole message, the parsed
    value (None when parsing failed) and the parsing error (None when it succeeded).

    Reads like LangChain's dict too: ``result["parsed"]``.
    """

    raw: AIMessage
    parsed: T | None
    parsing_error: StructuredOutputError | None

    @overload
    def __getitem__(self, key: Literal["raw"]) -> AIMessage: ...
    @overload
    def __getitem__(self, key: Literal["parsed"]) -> T | None: ...
    @overload
    def __getitem__(self, key: Literal["parsing_error"]) -> StructuredOutputError | None: ...
    def __getitem__(self, key: str) -> object:
        if key not in ("raw", "parsed", "parsing_error"):
            raise KeyError(key)
        return getattr(self, key)


def _message_chunk(chunk: object, what: str) -> AIMessageChunk | AIMessage:
    if isinstance(chunk, (AIMessageChunk, AIMessage)):
        return chunk
    raise InvalidInputError(
        f"{what} reads a chat model's messages (AIMessage or AIMessageChunk), "
        f"got {type(chunk).__name__}: put it after a chat model"
    )


class _MessageSum:
    """The chunks of one reply added up (or the whole reply, on the invoke path)."""

    __slots__ = ("message", "total")

    def __init__(self) -> None:
        self.total: AIMessageChunk | None = None
        self.message: AIMessage | None = None

    def add(self, item: AIMessageChunk | AIMessage) -> None:
        if isinstance(item, AIMessage):
            self.message = item
        else:
            self.total = item if self.total is None else self.total + item

    def final(self, what: str) -> AIMessage:
        if self.message is not None:
            return self.message
        if self.total is None:
            raise StructuredOutputError(
                f"{what} received no message from the model", text="", schema=None
            )
        return self.total.to_message()


def _named_call(calls: list[ToolCall], name: str) -> ToolCall | None:
    for call in calls:
        if call.name == name:
            return call
    return None


class MessageParse(Generic[T]):
    """Parses a chat model's reply into ``T`` as it streams: from the text (``tool_name`` None:
    ``json_schema``/``json_mode``) or from the arguments of the call of ``tool_name``
    (``function_calling``). With ``include_raw`` nothing streams until the end, then one
    ``StructuredOutput`` (and a failed parse is reported in it instead of raised)."""

    __slots__ = ("_include_raw", "_parse", "_sum", "_tool_name")

    def __init__(self, schema: type[T], *, tool_name: str | None, include_raw: bool) -> None:
        self._parse = StructuredParse(schema)
        self._tool_name = tool_name
        self._include_raw = include_raw
        self._sum = _MessageSum()

    def feed(self, chunk: object) -> object:
        item = _message_chunk(chunk, "with_structured_output")
        self._sum.add(item)
        if self._include_raw or isinstance(item, AIMessage):
            return NOTHING
        if self._tool_name is None:
            return self._parse.feed_text(item.text)
        if not item.tool_call_chunks or self._sum.total is None:
            return NOTHING  # the arguments did not change: no parse
        call = _named_call(self._sum.total.tool_calls, self._tool_name)
        return NOTHING if call is None else self._parse.feed_value(call.args)

    def _final(self, message: AIMessage) -> T:
        if self._tool_name is None:
            return self._parse.parse_text(message.text)
        call = _named_call(message.tool_calls, self._tool_name)
        if call is None:
            invalid = [c for c in message.invalid_tool_calls if c.name == self._tool_name]
            detail = (
                f"its arguments are not valid JSON ({invalid[0].error}): {invalid[0].args!r}"
                if invalid
                else f"it answered {message.text[:200]!r}"
            )
            raise StructuredOutputError(
                f"the model did not call {self._tool_name!r} with arguments for "
                f"{schema_name(self._parse.schema)}: {detail}",
                text=invalid[0].args or "" if invalid else message.text,
                schema=self._parse.schema,
            )
        return self._parse.decode(call.args, json.dumps(call.args))

    def finish(self) -> tuple[object, object]:
        message = self._sum.final("with_structured_output")
        if self._include_raw:
            try:
                out = StructuredOutput(message, self._final(message), None)
            except StructuredOutputError as exc:
                out = StructuredOutput[T](message, None, exc)
            return out, out
        value = self._final(message)
        return value, (value if self._parse.changed(value) else NOTHING)


class ToolCallsParse(Generic[T]):
    """The tools parser: each call of a known tool as its typed arguments (the tool's Struct),
    streamed as a growing list (or, with ``first_tool_only``, the first call's value) each time
    the decoded calls change. A call of an unknown tool, or one whose finished arguments do not
    fit, is a ``StructuredOutputError``."""

    __slots__ = ("_first", "_last", "_schemas", "_sum")

    def __init__(self, schemas: Mapping[str, type[T]], *, first_tool_only: bool) -> None:
        self._schemas = dict(schemas)
        self._first = first_tool_only
        self._sum = _MessageSum()
        self._last: object = NOTHING

    def _values(self, calls: list[ToolCall], final: bool) -> list[T]:
        values: list[T] = []
        for call in calls:
            schema = self._schemas.get(call.name)
            if schema is None:
                if final:
                    raise StructuredOutputError(
                        f"the model called {call.name!r}, which is none of the tools "
                        f"{sorted(self._schemas)}",
                        text=json.dumps(call.args),
                        schema=None,
                    )
                continue
            try:
                values.append(msgspec.convert(call.args, schema, strict=False))
            except msgspec.ValidationError as exc:
                if final:
                    raise StructuredOutputError(
                        f"the arguments of {call.name!r} do not match {schema_name(schema)}: "
                        f"{exc}; got {call.args!r}",
                        text=json.dumps(call.args),
                        schema=schema,
                    ) from None
                break  # a later call cannot be shown before this one
        return values

    def _shape(self, values: list[T]) -> object:
        if self._first:
            return values[0] if values else None
        return values

    def feed(self, chunk: object) -> object:
        item = _message_chunk(chunk, "the tools parser")
        self._sum.add(item)
        if isinstance(item, AIMessage) or not item.tool_call_chunks or self._sum.total is None:
            return NOTHING
        shaped = self._shape(self._values(self._sum.total.tool_calls, final=False))
        if shaped == self._last or shaped is None or shaped == []:
            return NOTHING
        self._last = shaped
        return shaped

    def finish(self) -> tuple[object, object]:
        message = self._sum.final("the tools parser")
        if message.invalid_tool_calls:
            bad = message.invalid_tool_calls[0]
            raise StructuredOutputError(
                f"the arguments of the call of {bad.name!r} are not valid JSON ({bad.error}): "
                f"{bad.args!r}",
                text=bad.args or "",
                schema=self._schemas.get(bad.name or ""),
            )
        shaped = self._shape(self._values(message.tool_calls, final=True))
        return shaped, (shaped if shaped != self._last else NOTHING)
