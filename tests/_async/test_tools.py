"""``@tool``: a typed function as a tool spec and a runnable; a ToolCall in gives a ToolMessage
out; LangChain's tool events (transcribed from langchain-core 1.8.3, see notes/issue-13.md)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest

from rillet import (
    BaseChatModel,
    ChainEndEvent,
    ChainStartEvent,
    ConfigError,
    RunnableLambda,
    Tool,
    ToolCall,
    ToolCallParseError,
    ToolEndEvent,
    ToolMessage,
    ToolStartEvent,
    ToolStreamEvent,
    tool,
)
from rillet._values.errors import InvalidInputError
from rillet._values.tools import openai_tool

pytestmark = pytest.mark.anyio


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class Place(msgspec.Struct):
    city: str
    country: str = "FR"


@tool(name="describe_place", description="Describe a place.")
def describe(
    place: Place, /, *, detail: Annotated[int, msgspec.Meta(ge=0)] = 1
) -> dict[str, object]:
    return {"city": place.city, "country": place.country, "detail": detail}


def test_tool_spec_from_the_signature() -> None:
    assert isinstance(add, Tool)
    assert (add.name, add.description) == ("add", "Add two integers.")
    # langchain-core 1.8.3: convert_to_openai_tool(add)
    assert openai_tool(add.tool_spec) == {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two integers.",
            "parameters": {
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
                "type": "object",
            },
        },
    }
    assert describe.name == "describe_place"
    params = describe.tool_spec.parameters
    assert params["required"] == ["place"]
    assert msgspec.structs.fields(describe.args_schema)[0].name == "place"


async def test_invoke_with_arguments_returns_the_result() -> None:
    assert await add.ainvoke({"a": 2, "b": 3}) == 5
    assert await add.ainvoke({"a": 2, "b": "3"}) == 5  # lax, as LangChain's pydantic
    assert await describe.ainvoke({"place": {"city": "Paris"}, "detail": 2}) == {
        "city": "Paris",
        "country": "FR",
        "detail": 2,
    }


async def test_invoke_with_a_tool_call_returns_a_tool_message() -> None:
    message = await add.ainvoke(ToolCall("add", {"a": 2, "b": 3}, "call_1"))
    # langchain-core: ToolMessage(content='5', name='add', tool_call_id='call_1')
    assert message == ToolMessage("5", tool_call_id="call_1", name="add")
    described = await describe.ainvoke(
        ToolCall("describe_place", {"place": {"city": "Nice"}}, "c2")
    )
    assert described == ToolMessage(
        '{"city": "Nice", "country": "FR", "detail": 1}', tool_call_id="c2", name="describe_place"
    )
    # LangChain's tool-call dict is accepted too
    as_dict: object = await add.ainvoke(
        {"name": "add", "args": {"a": 1, "b": 1}, "id": "call_9", "type": "tool_call"}
    )
    assert as_dict == ToolMessage("2", tool_call_id="call_9", name="add")


async def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(ToolCallParseError, match=r"tool 'add' do not fit.*\$\.b") as info:
        await add.ainvoke({"a": 2, "b": "x"})
    assert info.value.name == "add"
    with pytest.raises(ToolCallParseError, match="Object missing required field `b`"):
        await add.ainvoke(ToolCall("add", {"a": 2}, "c"))
    with pytest.raises(ToolCallParseError, match="Expected `int` >= 0"):
        await describe.ainvoke({"place": {"city": "x"}, "detail": -1})
    with pytest.raises(InvalidInputError, match="takes a dict of arguments or a ToolCall"):
        await add.ainvoke("2+3")  # type: ignore[call-overload]  # the case under test


def test_a_name_as_the_first_argument_as_langchain() -> None:
    @tool("adder", description="Adds two integers.")
    def plus(a: int, b: int) -> int:
        return a + b

    assert (plus.name, plus.description) == ("adder", "Adds two integers.")
    assert plus.invoke({"a": 2, "b": 3}) == 5

    @tool("summed")
    def total(a: int) -> int:
        """Sum it."""
        return a

    assert (total.name, total.description) == ("summed", "Sum it.")
    with pytest.raises(ConfigError, match="two names"):
        tool("one", name="two")  # type: ignore[call-overload]  # the case under test


def test_a_tool_without_a_docstring_needs_a_description() -> None:
    def bare(a: int) -> int:
        return a

    with pytest.raises(ConfigError, match=r"'bare' has no description.*description="):
        tool(bare)
    assert tool(description="Echo.")(bare).description == "Echo."


def test_parse_docstring_is_always_on() -> None:
    @tool(parse_docstring=True)
    def scale(x: int, factor: int) -> int:
        """Scale a number.

        Args:
            x: The number.
            factor: How many times.
        """
        return x * factor

    assert scale.description == "Scale a number."
    props = scale.tool_spec.parameters["properties"]
    assert isinstance(props, dict)
    assert props["factor"]["description"] == "How many times."
    with pytest.raises(ConfigError, match="parse_docstring=False is not supported"):
        tool(parse_docstring=False)  # type: ignore[call-overload]  # the case under test


async def test_unknown_arguments_are_refused_naming_the_expected_ones() -> None:
    with pytest.raises(ToolCallParseError, match=r"unknown argument.*'c'; it takes: 'a', 'b'"):
        await add.ainvoke({"a": 1, "b": 2, "c": 3})
    with pytest.raises(ToolCallParseError, match="'c'; it takes: 'a', 'b'"):
        await add.ainvoke(ToolCall("add", {"a": 1, "b": 2, "c": 3}, "call_1"))


async def test_errors_raised_by_the_tool_propagate() -> None:
    @tool
    def fail(reason: str) -> str:
        """Always fails."""
        raise RuntimeError(reason)

    with pytest.raises(RuntimeError, match="boom"):
        await fail.ainvoke({"reason": "boom"})


async def test_events_v2_root_and_nested() -> None:
    # langchain-core 1.8.3, add.astream_events({"a": 2, "b": 3}, version="v2"):
    #   on_tool_start {input}, on_tool_end {output} (no input at the root)
    events = [e async for e in add.astream_events({"a": 2, "b": 3}, version="v2")]
    assert [type(e) for e in events] == [ToolStartEvent, ToolEndEvent]
    start, end = events
    assert isinstance(start, ToolStartEvent)
    assert (start.name, start.data.input, start.parent_ids) == ("add", {"a": 2, "b": 3}, [])
    assert isinstance(end, ToolEndEvent)
    assert end.data.output == 5
    assert msgspec.json.decode(msgspec.json.encode(end))["data"] == {"output": 5}
    assert end.run_id == start.run_id

    # nested: (RunnableLambda(lambda x: x) | add), on_tool_end {output, input}, tag seq:step:2
    chain = RunnableLambda(lambda x: x) | add
    nested = [e async for e in chain.astream_events({"a": 2, "b": 3}, version="v2")]
    tool_events = [e for e in nested if isinstance(e, (ToolStartEvent, ToolEndEvent))]
    assert [type(e) for e in tool_events] == [ToolStartEvent, ToolEndEvent]
    root = nested[0]
    assert isinstance(root, ChainStartEvent)
    for event in tool_events:
        assert event.parent_ids == [root.run_id]
        assert event.tags == ["seq:step:2"]
    nested_end = tool_events[1]
    assert isinstance(nested_end, ToolEndEvent)
    assert msgspec.json.decode(msgspec.json.encode(nested_end.data)) == {
        "output": 5,
        "input": {"a": 2, "b": 3},
    }
    assert isinstance(nested[-1], ChainEndEvent)
    assert nested[-1].data.output == 5


async def test_events_v1_report_the_result_as_a_stream_event() -> None:
    # langchain-core 1.8.3, version="v1": on_tool_start, on_tool_stream {chunk: 5}, on_tool_end
    events = [e async for e in add.astream_events({"a": 2, "b": 3}, version="v1")]
    assert [type(e) for e in events] == [ToolStartEvent, ToolStreamEvent, ToolEndEvent]
    stream = events[1]
    assert isinstance(stream, ToolStreamEvent)
    assert stream.data.chunk == 5


async def test_a_tool_call_event_carries_the_tool_message() -> None:
    call = ToolCall("add", {"a": 2, "b": 3}, "call_1")
    events = [e async for e in add.astream_events(call, version="v2")]
    start = events[0]
    assert isinstance(start, ToolStartEvent)
    assert start.data.input == call
    end = events[-1]
    assert isinstance(end, ToolEndEvent)
    assert end.data.output == ToolMessage("5", tool_call_id="call_1", name="add")


async def test_stream_yields_the_result_once() -> None:
    assert [c async for c in add.astream({"a": 2, "b": 3})] == [5]


async def test_custom_chat_models_have_no_tools() -> None:
    class Echo(BaseChatModel):
        def _generate(self, messages: list[Any], stop: list[str] | None = None) -> str:
            return "hi"

    with pytest.raises(ConfigError, match="Echo has no bind_tools"):
        Echo().bind_tools([GetWeather])
    with pytest.raises(ConfigError, match="has no with_structured_output"):
        Echo().with_structured_output(Joke)


class GetWeather(msgspec.Struct):
    city: str


class Joke(msgspec.Struct):
    setup: str
    punchline: str
