"""Structured output and the tools parser over a chat model's chunks (pure)."""

from __future__ import annotations

import msgspec
import pytest

from rillet._parsers import NOTHING
from rillet._values.errors import InvalidInputError, StructuredOutputError
from rillet._values.messages import AIMessage, AIMessageChunk, ToolCall, ToolCallChunk
from rillet._values.structured import MessageParse, StructuredOutput, ToolCallsParse


class Joke(msgspec.Struct):
    setup: str
    punchline: str


class GetWeather(msgspec.Struct):
    city: str
    unit: str = "celsius"


JOKE = '{"setup": "Why?", "punchline": "Because 42."}'


def text_chunks(text: str, size: int = 5) -> list[AIMessageChunk]:
    return [AIMessageChunk(text[i : i + size]) for i in range(0, len(text), size)]


def tool_chunks(name: str, text: str, index: int = 0, size: int = 5) -> list[AIMessageChunk]:
    first = AIMessageChunk(
        tool_call_chunks=[ToolCallChunk(name=name, args="", id=f"call_{index}", index=index)]
    )
    return [first] + [
        AIMessageChunk(tool_call_chunks=[ToolCallChunk(args=text[i : i + size], index=index)])
        for i in range(0, len(text), size)
    ]


def run(
    parse: MessageParse[Joke] | ToolCallsParse[object], chunks: list[AIMessageChunk]
) -> tuple[list[object], object]:
    streamed = [out for c in chunks if (out := parse.feed(c)) is not NOTHING]
    final, last = parse.finish()
    if last is not NOTHING:
        streamed.append(last)
    return streamed, final


def test_text_streams_jokes_as_the_json_grows() -> None:
    streamed, final = run(MessageParse(Joke, tool_name=None, include_raw=False), text_chunks(JOKE))
    assert final == Joke("Why?", "Because 42.")
    assert streamed[-1] == final
    assert all(isinstance(s, Joke) for s in streamed)
    assert len(streamed) > 2  # the punchline grows
    assert [s.punchline for s in streamed if isinstance(s, Joke)] == sorted(
        {s.punchline for s in streamed if isinstance(s, Joke)}, key=len
    )


def test_tool_call_streams_jokes_and_ignores_other_calls() -> None:
    chunks = tool_chunks("Other", '{"x": 1}', index=0) + tool_chunks("Joke", JOKE, index=1)
    streamed, final = run(MessageParse(Joke, tool_name="Joke", include_raw=False), chunks)
    assert final == Joke("Why?", "Because 42.")
    assert streamed[-1] == final
    assert len(streamed) > 2


def test_invoke_path_takes_the_whole_message() -> None:
    parse = MessageParse(Joke, tool_name="Joke", include_raw=False)
    message = AIMessage(tool_calls=[ToolCall("Joke", {"setup": "a", "punchline": "b"}, "c1")])
    assert parse.feed(message) is NOTHING
    assert parse.finish()[0] == Joke("a", "b")


def test_include_raw_gives_message_parsed_and_error() -> None:
    streamed, final = run(MessageParse(Joke, tool_name=None, include_raw=True), text_chunks(JOKE))
    assert streamed == [final]
    assert isinstance(final, StructuredOutput)
    assert final.parsed == Joke("Why?", "Because 42.")
    assert final["parsed"] == final.parsed
    assert final["parsing_error"] is None
    assert final["raw"].text == JOKE
    with pytest.raises(KeyError):
        final["other"]  # type: ignore[call-overload]  # the case under test

    streamed, final = run(
        MessageParse(Joke, tool_name=None, include_raw=True), text_chunks('{"setup": 1}')
    )
    assert isinstance(final, StructuredOutput)
    assert final.parsed is None
    assert isinstance(final.parsing_error, StructuredOutputError)
    assert final.raw.text == '{"setup": 1}'


def test_missing_or_invalid_calls_are_typed_errors() -> None:
    parse = MessageParse(Joke, tool_name="Joke", include_raw=False)
    for chunk in text_chunks("I won't."):
        parse.feed(chunk)
    with pytest.raises(StructuredOutputError, match=r"did not call 'Joke'.*I won't"):
        parse.finish()
    parse = MessageParse(Joke, tool_name="Joke", include_raw=False)
    for chunk in tool_chunks("Joke", '{"setup": "x",,}'):
        parse.feed(chunk)
    with pytest.raises(StructuredOutputError, match="not valid JSON"):
        parse.finish()
    with pytest.raises(InvalidInputError, match="put it after a chat model"):
        MessageParse(Joke, tool_name=None, include_raw=False).feed("text")


def test_tools_parser_streams_typed_calls() -> None:
    chunks = tool_chunks("GetWeather", '{"city": "Paris"}', 0) + tool_chunks("Joke", JOKE, 1)
    parse: ToolCallsParse[object] = ToolCallsParse(
        {"GetWeather": GetWeather, "Joke": Joke}, first_tool_only=False
    )
    streamed, final = run(parse, chunks)
    assert final == [GetWeather("Paris"), Joke("Why?", "Because 42.")]
    assert streamed[-1] == final
    assert streamed[0] == [GetWeather("")]  # the city as it starts arriving
    first: ToolCallsParse[object] = ToolCallsParse({"GetWeather": GetWeather}, first_tool_only=True)
    _, value = run(first, tool_chunks("GetWeather", '{"city": "Paris"}'))
    assert value == GetWeather("Paris")
    unknown: ToolCallsParse[object] = ToolCallsParse({"Joke": Joke}, first_tool_only=False)
    with pytest.raises(StructuredOutputError, match="none of the tools"):
        run(unknown, tool_chunks("GetWeather", '{"city": "Paris"}'))
