"""Tools and structured output on ChatOpenAI, ChatAnthropic and ChatOllama over real HTTP (the
fake server's three chat protocols): what ``bind_tools`` and ``with_structured_output`` send,
tool calls growing as they stream (always a valid partial), the tool round trip of a two-turn
agent loop, structured values streamed as the JSON grows, and the issue's user code block."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Annotated, Any

import msgspec
import pytest

from rillet import (
    AIMessage,
    AIMessageChunk,
    BadRequestError,
    BaseChatModel,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    ConfigError,
    MessageLike,
    StructuredOutput,
    StructuredOutputError,
    ToolMessage,
    ToolsOutputParser,
    tool,
)
from rillet._facade.chat_provider import APIChatModel
from rillet._values.messages import default_call_id
from rillet._values.tools import DEFAULT_METHOD, StructuredMethod
from rillet.testing import FakeServer, Reply, ToolCallReply
from tests.unit.test_partial_json import is_partial

pytestmark = pytest.mark.anyio

Model = APIChatModel[Any, Any, Any]
MakeModel = Callable[..., Model]


class GetWeather(msgspec.Struct):
    """Get the current weather in a city."""

    city: Annotated[str, msgspec.Meta(description="City name, e.g. Paris")]
    unit: str = "celsius"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class Joke(msgspec.Struct):
    setup: str
    punchline: str


WEATHER = {"city": "Paris", "unit": "celsius"}
JOKE: dict[str, str] = {"setup": "Why did the stream stop?", "punchline": "It reached [DONE]."}


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture
async def made() -> AsyncIterator[list[BaseChatModel]]:
    models: list[BaseChatModel] = []
    yield models
    for model in models:
        await model.aclose()


@pytest.fixture(params=["openai", "anthropic", "ollama"])
def make(
    request: pytest.FixtureRequest, server: FakeServer, made: list[BaseChatModel]
) -> MakeModel:
    """Build the parametrized provider's chat model pointed at the fake server."""
    provider: str = request.param

    def build(**kwargs: Any) -> Model:
        model: Model
        if provider == "openai":
            model = ChatOpenAI(
                model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", **kwargs
            )
        elif provider == "anthropic":
            model = ChatAnthropic(
                model="claude-sonnet-4-5", base_url=server.root_url, api_key="sk-ant", **kwargs
            )
        else:
            model = ChatOllama(model="qwen3", base_url=server.root_url, **kwargs)
        made.append(model)
        return model

    return build


def provider_of(model: Model) -> str:
    name: str = model._api.provider
    return name


def sent(server: FakeServer) -> dict[str, Any]:
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    return body


async def test_bind_tools_sends_each_providers_shape(server: FakeServer, make: MakeModel) -> None:
    model = make()
    provider = provider_of(model)
    choice = None if provider == "ollama" else "any"
    bound = model.bind_tools([GetWeather, add], tool_choice=choice)
    server.queue(Reply(tokens=["ok"]))
    await bound.ainvoke("weather?")
    body = sent(server)
    weather_schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "default": "celsius"},
        },
        "required": ["city"],
    }
    add_schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    }
    if provider == "anthropic":
        assert body["tools"] == [
            {
                "name": "GetWeather",
                "description": "Get the current weather in a city.",
                "input_schema": weather_schema,
            },
            {"name": "add", "description": "Add two integers.", "input_schema": add_schema},
        ]
        assert body["tool_choice"] == {"type": "any"}
    else:
        assert body["tools"] == [
            {
                "type": "function",
                "function": {
                    "name": "GetWeather",
                    "description": "Get the current weather in a city.",
                    "parameters": weather_schema,
                },
            },
            {
                "type": "function",
                "function": {
                    "name": "add",
                    "description": "Add two integers.",
                    "parameters": add_schema,
                },
            },
        ]
        if provider == "openai":
            assert body["tool_choice"] == "required"
        else:
            assert "tool_choice" not in body
    if provider == "ollama":
        with pytest.raises(ConfigError, match="no tool_choice"):
            model.bind_tools([GetWeather], tool_choice="GetWeather")
    else:
        named = model.bind_tools([GetWeather], tool_choice="GetWeather", parallel_tool_calls=False)
        server.queue(Reply(tokens=["ok"]))
        await named.ainvoke("weather?")
        body = sent(server)
        if provider == "openai":
            assert body["tool_choice"] == {"type": "function", "function": {"name": "GetWeather"}}
            assert body["parallel_tool_calls"] is False
        else:
            assert body["tool_choice"] == {
                "type": "tool",
                "name": "GetWeather",
                "disable_parallel_tool_use": True,
            }


async def test_parallel_tool_calls_grow_as_valid_partials(
    server: FakeServer, make: MakeModel
) -> None:
    model = make().bind_tools([GetWeather, add])
    calls = [
        ToolCallReply("GetWeather", WEATHER, id="call_w", fragments=[1, 2, 3]),
        ToolCallReply("add", {"a": 2, "b": 30}, id="call_a", fragments=[1]),
    ]
    server.queue(Reply(tokens=["Checking."], tool_calls=calls, interleave_tool_calls=True))
    full: AIMessageChunk | None = None
    prefixes = 0
    async for chunk in model.astream("Weather in Paris, and 2+30?"):
        full = chunk if full is None else full + chunk
        assert full.invalid_tool_calls == []
        for call in full.tool_calls:
            expected = WEATHER if call.name == "GetWeather" else {"a": 2, "b": 30}
            assert is_partial(call.args, expected), call
            prefixes += 1
    assert full is not None
    assert prefixes > 4  # the arguments were seen growing (Ollama: whole, on one line)
    assert full.text == "Checking."
    message = full.to_message()
    assert [(c.name, c.id, c.args) for c in message.tool_calls] == [
        ("GetWeather", "call_w", WEATHER),
        ("add", "call_a", {"a": 2, "b": 30}),
    ]
    assert message.tool_calls[0].parse(GetWeather) == GetWeather("Paris")
    server.queue(Reply(tokens=(), tool_calls=calls))
    invoked = await model.ainvoke("again")
    assert [(c.name, c.id, c.args) for c in invoked.tool_calls] == [
        ("GetWeather", "call_w", WEATHER),
        ("add", "call_a", {"a": 2, "b": 30}),
    ]


async def test_two_turn_agent_loop(server: FakeServer, make: MakeModel) -> None:
    model = make().bind_tools([add])
    server.queue(
        Reply(tokens=(), tool_calls=[ToolCallReply("add", {"a": 2, "b": 3}, id="call_1")]),
        Reply(tokens=["2 + 3 = 5."]),
    )
    history: list[Any] = [("human", "2+3?")]
    message = await model.ainvoke(history)
    assert [c.name for c in message.tool_calls] == ["add"]
    history.append(message)
    for call in message.tool_calls:
        result = await add.ainvoke(call)
        assert result == ToolMessage("5", tool_call_id="call_1", name="add")
        history.append(result)
    answer = await model.ainvoke(history)
    assert answer.text == "2 + 3 = 5."
    # The fake server checks tool turns as the APIs do (400 otherwise); and the round trip:
    messages = sent(server)["messages"]
    provider = provider_of(model.model)  # type: ignore[arg-type]  # a bound provider model
    if provider == "openai":
        assert messages[1]["content"] in ("", None)  # the API takes either
        assert {k: v for k, v in messages[1].items() if k != "content"} == {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a":2,"b":3}'},
                }
            ],
        }
        assert messages[2] == {"role": "tool", "content": "5", "tool_call_id": "call_1"}
    elif provider == "anthropic":
        assert messages[1]["content"] == [
            {"type": "tool_use", "id": "call_1", "name": "add", "input": {"a": 2, "b": 3}}
        ]
        assert messages[2] == {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "5"}],
        }
    else:
        assert messages[1]["tool_calls"][0]["function"] == {
            "name": "add",
            "arguments": {"a": 2, "b": 3},
        }
        assert messages[2]["role"] == "tool"
        assert messages[2]["content"] == "5"


def structured_reply(provider: str, method: StructuredMethod, value: Mapping[str, object]) -> Reply:
    text = msgspec.json.encode(value).decode()
    if method == "function_calling":
        return Reply(tokens=(), tool_calls=[ToolCallReply("Joke", text, fragments=[2])])
    return Reply(tokens=[text[i : i + 3] for i in range(0, len(text), 3)])


METHODS: dict[str, list[StructuredMethod]] = {
    "openai": ["json_schema", "function_calling", "json_mode"],
    "anthropic": ["json_schema", "function_calling"],
    "ollama": ["json_schema", "function_calling", "json_mode"],
}


async def test_structured_output_streams_jokes(server: FakeServer, make: MakeModel) -> None:
    model = make()
    provider = provider_of(model)
    for method in METHODS[provider]:
        joker = model.with_structured_output(Joke, method=method)
        server.queue(structured_reply(provider, method, JOKE))
        # OpenAI's JSON mode asks for "json" in the messages (the fake server checks it too)
        partials = [p async for p in joker.astream("Tell me a joke, as JSON")]
        assert all(isinstance(p, Joke) for p in partials)
        assert partials[-1] == Joke(**JOKE)
        if provider != "ollama" or method != "function_calling":  # Ollama sends calls whole
            assert len(partials) > 3, method  # the punchline grew
        punchlines = [p.punchline for p in partials]
        assert all(JOKE["punchline"].startswith(p) for p in punchlines)
        server.queue(structured_reply(provider, method, JOKE))
        joke = await joker.ainvoke("Tell me a joke, as JSON")
        assert joke == Joke(**JOKE)


async def test_structured_output_requests(server: FakeServer, make: MakeModel) -> None:
    model = make()
    provider = provider_of(model)
    server.queue(structured_reply(provider, "function_calling", JOKE))
    await model.with_structured_output(Joke, method="function_calling").ainvoke("joke")
    body = sent(server)
    assert [t.get("name") or t["function"]["name"] for t in body["tools"]] == ["Joke"]
    if provider == "openai":
        # langchain-openai 1.7.4: tools, tool_choice naming it, parallel_tool_calls false
        assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
        assert body["parallel_tool_calls"] is False
        server.queue(structured_reply(provider, "json_schema", JOKE))
        await model.with_structured_output(Joke).ainvoke("joke")
        assert sent(server)["response_format"] == {
            "type": "json_schema",
            "json_schema": {
                "name": "Joke",
                "schema": {
                    "type": "object",
                    "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
                    "required": ["setup", "punchline"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }
        json_mode = model.with_structured_output(Joke, method="json_mode")
        server.queue(structured_reply(provider, "json_mode", JOKE))
        await json_mode.ainvoke("a joke in JSON")
        assert sent(server)["response_format"] == {"type": "json_object"}
        # as the API: JSON mode needs the word "json" in the messages
        with pytest.raises(BadRequestError, match="must contain the word 'json'"):
            await json_mode.ainvoke("a joke")
    elif provider == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": "Joke"}
        # langchain-anthropic 1.7.10: output_config.format, a json_schema whose objects are
        # closed (its schema also carries pydantic's titles; a Struct's has none)
        server.queue(structured_reply(provider, "json_schema", JOKE))
        await model.with_structured_output(Joke, method="json_schema").ainvoke("joke")
        request = sent(server)
        assert "tools" not in request
        assert request["output_config"] == {
            "format": {
                "type": "json_schema",
                "schema": {
                    "type": "object",
                    "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
                    "additionalProperties": False,
                    "required": ["setup", "punchline"],
                },
            }
        }
        with pytest.raises(ConfigError, match=r"method=.json_schema. .*or .function_calling."):
            model.with_structured_output(Joke, method="json_mode")
        with pytest.raises(ConfigError, match="strict= is OpenAI's switch"):
            model.with_structured_output(Joke, method="json_schema", strict=True)
        # as the API: a schema outside structured outputs' subset is a 400
        assert isinstance(model, ChatAnthropic)
        with pytest.raises(BadRequestError, match="'additionalProperties' must be false"):
            await model.ainvoke(
                "joke",
                output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}},
            )
    else:
        server.queue(structured_reply(provider, "json_schema", JOKE))
        await model.with_structured_output(Joke).ainvoke("joke")
        assert sent(server)["format"]["required"] == ["setup", "punchline"]
        server.queue(structured_reply(provider, "json_mode", JOKE))
        await model.with_structured_output(Joke, method="json_mode").ainvoke("joke in JSON")
        assert sent(server)["format"] == "json"


async def test_include_raw_and_parsing_errors(server: FakeServer, make: MakeModel) -> None:
    model = make()
    provider = provider_of(model)
    method: StructuredMethod = "function_calling"
    raw_joker = model.with_structured_output(Joke, method=method, include_raw=True)
    server.queue(structured_reply(provider, method, JOKE))
    result = await raw_joker.ainvoke("joke")
    assert isinstance(result, StructuredOutput)
    assert result.parsed == Joke(**JOKE)
    assert result["parsing_error"] is None
    assert isinstance(result.raw, AIMessage)
    assert result.raw.tool_calls[0].name == "Joke"
    server.queue(structured_reply(provider, method, {"setup": "no punchline"}))
    streamed = [r async for r in raw_joker.astream("joke")]
    assert len(streamed) == 1
    assert streamed[0].parsed is None
    assert isinstance(streamed[0].parsing_error, StructuredOutputError)
    server.queue(structured_reply(provider, method, {"setup": "no punchline"}))
    with pytest.raises(StructuredOutputError, match="does not match Joke"):
        await model.with_structured_output(Joke, method=method).ainvoke("joke")
    server.queue(Reply(tokens=["I'd rather not."]))
    with pytest.raises(StructuredOutputError, match="did not call 'Joke'"):
        await model.with_structured_output(Joke, method=method).ainvoke("joke")


async def test_tools_output_parser_streams_typed_calls(server: FakeServer, make: MakeModel) -> None:
    chain = make().bind_tools([GetWeather]) | ToolsOutputParser([GetWeather])
    server.queue(
        Reply(
            tokens=(),
            tool_calls=[
                ToolCallReply("GetWeather", {"city": "Paris"}, fragments=[2]),
                ToolCallReply("GetWeather", {"city": "Rome", "unit": "kelvin"}, fragments=[2]),
            ],
        )
    )
    values = [v async for v in chain.astream("weather in Paris and Rome")]
    assert values[-1] == [GetWeather("Paris"), GetWeather("Rome", "kelvin")]
    for value in values:
        assert all(isinstance(v, GetWeather) for v in value)


async def test_the_issue_code_block(server: FakeServer, make: MakeModel) -> None:
    """Issue 13's "What users write", line for line against the fake server (the model built
    with its base url, ``print`` collected, the async spelling here and the sync in the twin;
    the joker is the parametrized provider's, with its default method)."""
    printed: list[tuple[str, dict[str, object]]] = []
    weather_call = ToolCallReply("GetWeather", {"city": "Paris"}, id="call_w")
    add_call = ToolCallReply("add", {"a": 2, "b": 3}, id="call_a")
    base = make()
    provider = provider_of(base)
    joke_reply = structured_reply(provider, DEFAULT_METHOD[provider], JOKE)
    server.queue(
        Reply(tokens=(), tool_calls=[weather_call, add_call]),
        Reply(tokens=(), tool_calls=[weather_call]),
        Reply(tokens=["5"]),
        joke_reply,
        joke_reply,
    )
    model = base.bind_tools([GetWeather, add], tool_choice="auto")
    full = None
    async for chunk in model.astream("Weather in Paris, and 2+3?"):
        full = chunk if full is None else full + chunk
        for call in full.tool_calls:  # grows as arguments arrive: partial, parsed, never "invalid"
            printed.append((call.name, call.args))
    assert printed[-2:] == [("GetWeather", {"city": "Paris"}), ("add", {"a": 2, "b": 3})]
    msg = await model.ainvoke("Weather in Paris?")
    weather = msg.tool_calls[0].parse(GetWeather)  # -> GetWeather (typed), or a typed error
    assert weather == GetWeather("Paris")

    # an agent loop: the tool's result goes back as a ToolMessage, for every provider
    history: list[MessageLike] = [("human", "2+3?"), msg, ToolMessage(content="5", tool_call_id=msg.tool_calls[0].id)]  # fmt: skip
    assert (await model.ainvoke(history)).text == "5"
    assert history[2] == ToolMessage("5", tool_call_id="call_w")

    joker = base.with_structured_output(Joke)
    partials = [partial async for partial in joker.astream("Tell me a joke")]
    assert partials[-1] == Joke(**JOKE)
    joke: Joke = await joker.ainvoke("Tell me a joke")
    assert joke == Joke(**JOKE)


async def test_tool_calls_without_ids_get_the_runs(
    server: FakeServer, made: list[BaseChatModel]
) -> None:
    """Ollama sends calls without ids: each gets ``default_call_id(message id, index)``, the
    same in a stream, its every prefix and ``invoke`` under one run id, different in another
    run; a ToolMessage answers it."""
    base = ChatOllama(model="qwen3", base_url=server.root_url)
    made.append(base)
    model = base.bind_tools([add])
    calls = [ToolCallReply("add", {"a": 2, "b": 3}), ToolCallReply("add", {"a": 1, "b": 1})]
    run_id = uuid.UUID(int=7)
    server.queue(*[Reply(tokens=(), tool_calls=calls)] * 3)
    expected = [default_call_id(f"lc_run--{run_id}", i) for i in (0, 1)]
    prefixes: list[list[str]] = []
    full = None
    async for chunk in model.astream("2+3? 1+1?", {"run_id": run_id}):
        full = chunk if full is None else full + chunk
        prefixes.append([call.id for call in full.tool_calls])
    assert full is not None
    assert [call.id for call in full.to_message().tool_calls] == expected
    assert all(ids == expected[: len(ids)] for ids in prefixes)
    message = await model.ainvoke("2+3? 1+1?", {"run_id": run_id})
    assert [call.id for call in message.tool_calls] == expected
    assert message.id == f"lc_run--{run_id}"
    other = await model.ainvoke("2+3? 1+1?")
    assert {call.id for call in other.tool_calls}.isdisjoint(expected)
    results = [await add.ainvoke(call) for call in message.tool_calls]
    assert results == [
        ToolMessage("5", tool_call_id=expected[0], name="add"),
        ToolMessage("2", tool_call_id=expected[1], name="add"),
    ]
