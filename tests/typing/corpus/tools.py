"""Tools and structured output as users' code sees them (type-checked, not run)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from typing_extensions import assert_type

from rillet import (
    BaseChatModel,
    MessageLike,
    OutputParserError,
    StructuredOutput,
    StructuredOutputError,
    Tool,
    ToolCall,
    ToolDefinitionError,
    ToolEndEvent,
    ToolMessage,
    ToolsOutputParser,
    ToolSpec,
    ToolStartEvent,
    ToolStreamEvent,
    UnexpectedToolCallError,
    tool,
)
from rillet.testing import Reply, ToolCallReply


class GetWeather(msgspec.Struct):
    """Get the current weather in a city."""

    city: Annotated[str, msgspec.Meta(description="City name, e.g. Paris")]
    unit: str = "celsius"


class Joke(msgspec.Struct):
    setup: str
    punchline: str


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool(name="mul", description="Multiply.")
def mul(a: int, b: int) -> int:
    return a * b


@tool
async def aadd(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def tools_surface(call: ToolCall, raw: StructuredOutput[Joke]) -> None:
    assert_type(add, Tool[int])
    assert_type(mul, Tool[int])
    assert_type(aadd, Tool[int])
    assert_type(add.invoke({"a": 1, "b": 2}), int)
    assert_type(add.invoke(call), ToolMessage)
    assert_type(await add.ainvoke(call), ToolMessage)
    assert_type(await aadd.ainvoke({"a": 1, "b": 2}), int)
    spec = add.tool_spec
    assert_type(spec, ToolSpec)
    assert_type(spec.parameters, dict[str, object])
    assert_type(add.args_schema, type[msgspec.Struct])
    assert_type(call.parse(GetWeather), GetWeather)
    assert_type(raw.parsed, Joke | None)
    assert_type(raw["parsed"], Joke | None)
    assert_type(raw["parsing_error"], StructuredOutputError | None)
    async for event in add.astream_events({"a": 1, "b": 2}):
        if isinstance(event, (ToolStartEvent, ToolStreamEvent, ToolEndEvent)):
            assert_type(event.run_id, str)
    errors: tuple[type[Exception], ...] = (
        ToolDefinitionError,
        StructuredOutputError,
        OutputParserError,
        UnexpectedToolCallError,
    )
    del errors
    Reply(tokens=(), tool_calls=[ToolCallReply("add", {"a": 1, "b": 2}, fragments=[3])])


def tools_rejected(call: ToolCall) -> None:
    add.invoke("2+3")  # wrong: a tool takes a dict or a ToolCall
    raw: StructuredOutput[Joke] = StructuredOutput(ToolMessage("x", tool_call_id="c"), None, None)  # wrong: raw is the AIMessage
    raw["other"]  # wrong: only raw / parsed / parsing_error


async def structured_surface(model: BaseChatModel) -> None:
    joker = model.with_structured_output(Joke)
    assert_type(joker.invoke("Tell me a joke"), Joke)
    for partial in joker.stream("Tell me a joke"):
        assert_type(partial, Joke)
    assert_type(await joker.ainvoke("Tell me a joke"), Joke)
    raw = model.with_structured_output(Joke, method="function_calling", include_raw=True)
    assert_type(raw.invoke("x"), StructuredOutput[Joke])
    schema = {"title": "joke", "type": "object", "properties": {"setup": {"type": "string"}}}
    assert_type(model.with_structured_output(schema).invoke("x"), dict[str, object])
    bound = model.bind_tools([GetWeather, add], tool_choice="auto", parallel_tool_calls=False)
    msg = bound.invoke("Weather in Paris?")
    weather = msg.tool_calls[0].parse(GetWeather)
    assert_type(weather, GetWeather)
    calls = (bound | ToolsOutputParser([GetWeather])).invoke("x")
    assert_type(calls, list[GetWeather])
    first = (bound | ToolsOutputParser([GetWeather], first_tool_only=True)).invoke("x")
    assert_type(first, GetWeather | None)
    mixed = (bound | ToolsOutputParser([GetWeather, add])).invoke("x")
    assert_type(mixed, list[msgspec.Struct])
    ToolsOutputParser([GetWeather, add])  # ok
    ToolsOutputParser([add], first_tool_only=True)  # ok
    ToolsOutputParser([GetWeather, len])  # wrong: a plain function is not a Struct or a @tool


def structured_rejected(model: BaseChatModel) -> None:
    model.with_structured_output(Joke, method="xml")  # wrong: no such method
    model.bind_tools(GetWeather)  # wrong: a list of tools


def the_issue_code_block() -> None:
    """Issue 13's "What users write", as written (type-checked, not run)."""
    from rillet import ChatAnthropic, ChatOpenAI, ToolMessage

    model = ChatOpenAI(model="gpt-4o-mini").bind_tools([GetWeather, add], tool_choice="auto")
    full = None
    for chunk in model.stream("Weather in Paris, and 2+3?"):
        full = chunk if full is None else full + chunk
        for call in full.tool_calls:
            print(call.name, call.args)
    msg = model.invoke("Weather in Paris?")
    weather = msg.tool_calls[0].parse(GetWeather)
    assert_type(weather, GetWeather)
    history = [("human", "2+3?"), msg, ToolMessage(content="5", tool_call_id=msg.tool_calls[0].id)]  # ok
    del history  # mypy joins that list's items to object: annotate it to send it back
    typed: list[MessageLike] = [("human", "2+3?"), msg, ToolMessage(content="5", tool_call_id=msg.tool_calls[0].id)]  # ok
    model.invoke(typed)  # ok
    joker = ChatAnthropic(model="claude-sonnet-4-5").with_structured_output(Joke)
    for partial in joker.stream("Tell me a joke"):
        assert_type(partial, Joke)
    joke: Joke = joker.invoke("Tell me a joke")
    assert_type(joke, Joke)
