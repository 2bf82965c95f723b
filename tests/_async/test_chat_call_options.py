"""Call-time options of the chat models (DESIGN.md decision 13), checked at run time as the
LLMs' are: an unknown option or an ill-typed value is an ``InvalidOptionError`` naming what the
model takes, on every method, before anything is sent; known options reach the body of that call
only; what ``bind_tools``/``with_structured_output`` bind passes the same check. The types are
checked by tests/typing/corpus/chat_options.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest

from rillet import (
    AIMessage,
    AnyMessage,
    BaseChatModel,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    FakeListChatModel,
    GenericFakeChatModel,
    InvalidInputError,
    InvalidOptionError,
    OpenAI,
    RunnableConfig,
    RunnableLambda,
    StrOutputParser,
)
from rillet._facade.chat_provider import APIChatModel
from rillet.testing import FakeServer

pytestmark = pytest.mark.anyio

Model = APIChatModel[Any, Any, Any]
MakeModel = Callable[..., Model]
# The first options of each model's list, as its error message names them.
TAKES = {
    "openai": "it takes: stop, extra_body, frequency_penalty, logit_bias",
    "anthropic": "it takes: stop, extra_body, max_tokens, metadata, output_config, temperature",
    "ollama": "it takes: stop, extra_body, format, keep_alive, options, think, tools",
}


class GetWeather(msgspec.Struct):
    """The weather in a city."""

    city: str


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
def provider(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def make(provider: str, server: FakeServer, made: list[BaseChatModel]) -> MakeModel:
    def build(**kwargs: Any) -> Model:
        model: Model
        if provider == "openai":
            model = ChatOpenAI(base_url=server.base_url, api_key="sk-test", **kwargs)
        elif provider == "anthropic":
            model = ChatAnthropic(
                model="claude-test", base_url=server.root_url, api_key="sk-ant", **kwargs
            )
        else:
            model = ChatOllama(model="qwen3", base_url=server.root_url, **kwargs)
        made.append(model)
        return model

    return build


def _body(server: FakeServer) -> dict[str, Any]:
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    return body


async def test_the_four_silent_damage_cases_are_typed_errors(
    server: FakeServer, make: MakeModel, provider: str
) -> None:
    """The issue's four cases, in their chat-model form: nothing reaches the server."""
    chat = make()
    before = len(server.requests)
    with pytest.raises(InvalidOptionError) as info:
        await chat.ainvoke("hi", stpo=["\n"])  # type: ignore[call-arg]  # run-time check under test
    assert "'stpo'" in str(info.value)
    assert TAKES[provider] in str(info.value)
    assert isinstance(info.value, TypeError)
    typed = r"Expected `float`, got `str` - at `\$.temperature`"
    if provider == "ollama":  # its temperature goes in options
        typed = r"'temperature'; .*sampling parameters \(temperature, .*\) go into options="
    with pytest.raises(InvalidOptionError, match=typed):
        await chat.ainvoke("hi", temperature="hot")  # type: ignore[call-arg]  # run-time check under test
    with pytest.raises(InvalidOptionError, match="'max_tokns'"):
        chat.bind(max_tokns=5)  # type: ignore[call-arg]  # run-time check under test
    with pytest.raises(InvalidInputError, match=r"batch\(\) takes a list of inputs, got str"):
        await chat.abatch("abc")  # type: ignore[call-overload]  # run-time check under test
    assert len(server.requests) == before


async def test_every_method_checks(server: FakeServer, make: MakeModel, provider: str) -> None:
    chat = make()
    before = len(server.requests)
    bad: dict[str, Any] = {"temprature": 0}
    with pytest.raises(InvalidOptionError, match=TAKES[provider]):
        chat.astream("hi", **bad)
    with pytest.raises(InvalidOptionError, match="'temprature'"):
        await chat.abatch(["a", "b"], **bad)
    with pytest.raises(InvalidOptionError, match="'temprature'"):
        await chat.abatch(["a"], return_exceptions=True, **bad)
    with pytest.raises(InvalidOptionError, match="'temprature'"):
        await chat.agenerate([["a"]], **bad)
    with pytest.raises(InvalidOptionError, match="'config'"):  # generate takes no config
        await chat.agenerate([["a"]], config={"tags": ["x"]})  # type: ignore[call-arg]  # run-time check under test
    with pytest.raises(InvalidOptionError, match="stop must be a str or a list of str"):
        await chat.ainvoke("hi", stop=[1])  # type: ignore[list-item]  # run-time check under test
    with pytest.raises(InvalidOptionError, match="'temprature'"):
        chat.bind(stop=["x"]).bind(**bad)  # a bound model takes its model's options
    with pytest.raises(InvalidOptionError, match="'temprature'"):
        await chat.bind_tools([GetWeather]).ainvoke("hi", **bad)
    assert len(server.requests) == before


async def test_openai_options_reach_that_call_only(
    server: FakeServer, made: list[BaseChatModel]
) -> None:
    chat = ChatOpenAI(base_url=server.base_url, api_key="sk-test", temperature=0)
    made.append(chat)
    await chat.ainvoke(
        "hi, in JSON",  # JSON mode needs the word "json" in the messages (as the API)
        stop="END",
        temperature=0.5,
        max_completion_tokens=9,
        reasoning_effort="low",
        response_format={"type": "json_object"},
        tool_choice="none",
        extra_body={"top_k": 3},
    )
    body = _body(server)
    assert body["temperature"] == 0.5
    assert body["stop"] == ["END"]
    assert body["max_completion_tokens"] == 9
    assert body["reasoning_effort"] == "low"
    assert body["response_format"] == {"type": "json_object"}
    assert body["tool_choice"] == "none"
    assert body["top_k"] == 3
    assert "extra_body" not in body
    await chat.ainvoke("hi")
    body = _body(server)
    assert body["temperature"] == 0
    assert not {"stop", "top_k", "max_completion_tokens", "tool_choice"} & body.keys()
    with pytest.raises(InvalidOptionError, match="tool_choice"):
        await chat.ainvoke("hi", tool_choice="GetWeather")  # type: ignore[arg-type]  # run-time check under test


async def test_anthropic_options(server: FakeServer, made: list[BaseChatModel]) -> None:
    chat = ChatAnthropic(model="claude-test", base_url=server.root_url, api_key="sk-ant")
    made.append(chat)
    thinking = {"type": "enabled", "budget_tokens": 1024}
    await chat.ainvoke("hi", max_tokens=2048, thinking=thinking, top_k=5, stop=("END",))
    body = _body(server)
    assert body["max_tokens"] == 2048
    assert body["thinking"] == thinking
    assert body["top_k"] == 5
    assert body["stop_sequences"] == ["END"]
    with pytest.raises(InvalidOptionError, match="it takes: stop, extra_body, max_tokens"):
        await chat.ainvoke("hi", seed=1)  # type: ignore[call-arg]  # run-time check under test
    with pytest.raises(InvalidOptionError, match=r"\$.thinking"):
        await chat.ainvoke("hi", thinking=True)  # type: ignore[arg-type]  # run-time check under test


async def test_ollama_options_merge_into_the_models(
    server: FakeServer, made: list[BaseChatModel]
) -> None:
    chat = ChatOllama(model="qwen3", base_url=server.root_url, temperature=0, num_predict=64)
    made.append(chat)
    await chat.ainvoke(
        "hi", stop=["END"], options={"temperature": 0.9}, keep_alive="1m", think="high"
    )
    body = _body(server)
    assert body["options"] == {"temperature": 0.9, "num_predict": 64, "stop": ["END"]}
    assert body["keep_alive"] == "1m"
    assert body["think"] == "high"
    await chat.ainvoke("hi", format="json")
    assert _body(server)["format"] == "json"
    assert _body(server)["options"] == {"temperature": 0, "num_predict": 64}
    with pytest.raises(InvalidOptionError, match="'temperature'"):
        await chat.ainvoke("hi", temperature=0.9)  # type: ignore[call-arg]  # run-time check under test
    with pytest.raises(InvalidOptionError, match=r"\$.think"):
        await chat.ainvoke("hi", think="max")  # type: ignore[arg-type]  # run-time check under test
    with pytest.raises(InvalidOptionError, match=r"\$.format"):
        await chat.ainvoke("hi", format="yaml")  # type: ignore[arg-type]  # run-time check under test


async def test_batch_options_apply_to_every_input(
    server: FakeServer, make: MakeModel, provider: str
) -> None:
    chat = make()
    option: dict[str, Any] = {"options": {"seed": 7}} if provider == "ollama" else {"top_p": 0.5}
    replies = await chat.abatch(["a", "b"], stop=["END"], **option)
    assert [type(r) for r in replies] == [AIMessage, AIMessage]
    bodies = [r.json() for r in server.requests[-2:]]
    for body in bodies:
        assert isinstance(body, dict)
        if provider == "ollama":
            assert body["options"] == {"seed": 7, "stop": ["END"]}
        else:
            assert body["top_p"] == 0.5


async def test_bound_and_tool_bound_models_take_and_send_options(
    server: FakeServer, make: MakeModel, provider: str
) -> None:
    chat = make()
    option: dict[str, Any] = {"keep_alive": "5m"} if provider == "ollama" else {"temperature": 0.25}
    chain = chat.bind(stop="END", **option) | StrOutputParser()
    await chain.ainvoke("hi")
    body = _body(server)
    assert body[next(iter(option))] == next(iter(option.values()))
    tooled = chat.bind_tools([GetWeather])
    await tooled.ainvoke("hi", **option)
    body = _body(server)
    assert [t.get("name") or t["function"]["name"] for t in body["tools"]] == ["GetWeather"]
    assert body[next(iter(option))] == next(iter(option.values()))
    assert type(tooled).__name__ == f"Bound{type(chat).__name__}"
    structured = chat.with_structured_output(GetWeather, include_raw=True)
    result = await structured.ainvoke("hi")  # its overrides pass the check and are sent
    assert isinstance(result.raw, AIMessage)
    assert {"tools", "response_format", "format"} & _body(server).keys()


async def test_tools_at_call_time_are_the_requests_objects(
    server: FakeServer, make: MakeModel
) -> None:
    chat = make()
    before = len(server.requests)
    with pytest.raises(InvalidOptionError, match=r"\$.tools\[0\]"):
        await chat.ainvoke("hi", tools=[GetWeather])  # type: ignore[call-arg]  # run-time check under test
    assert len(server.requests) == before


async def test_options_under_events_and_in_a_function(
    server: FakeServer, make: MakeModel, provider: str
) -> None:
    """A function calling the model with its config runs it as a child run (bind): the options
    are checked there too, and sent."""
    chat = make()
    option: dict[str, Any] = {"keep_alive": "2m"} if provider == "ollama" else {"temperature": 0.75}

    async def ask(question: str, config: RunnableConfig) -> str:
        return (await chat.ainvoke(question, config, **option)).text

    events = [e async for e in RunnableLambda(ask).astream_events("hi", version="v2")]
    assert any(e.event == "on_chat_model_stream" for e in events)
    assert _body(server)[next(iter(option))] == next(iter(option.values()))

    async def misspelt(question: str, config: RunnableConfig) -> str:
        return (await chat.ainvoke(question, config, temprature=0)).text  # type: ignore[call-arg]  # run-time check under test

    with pytest.raises(InvalidOptionError, match="'temprature'"):
        async for _ in RunnableLambda(misspelt).astream_events("hi", version="v2"):
            pass


class Echo(BaseChatModel):
    def _generate(self, messages: list[AnyMessage], stop: list[str] | None = None) -> str:
        return f"{messages[-1].text} {stop}"


async def test_custom_and_fake_chat_models_take_only_stop() -> None:
    for chat in (
        Echo(),
        FakeListChatModel(responses=["a"]),
        GenericFakeChatModel(messages=iter(["a", "b"])),
    ):
        with pytest.raises(InvalidOptionError, match=r"'temperature'; it takes: stop$"):
            await chat.ainvoke("hi", temperature=0)  # type: ignore[call-arg]  # run-time check
        with pytest.raises(InvalidOptionError, match="'temperature'"):
            chat.bind(temperature=0)  # type: ignore[call-arg]  # run-time check
        with pytest.raises(InvalidOptionError, match="'temperature'"):
            await chat.abatch(["a"], temperature=0)  # type: ignore[call-overload]  # run-time check
    assert (await Echo().ainvoke("hi", stop="END")).text == "hi ['END']"
    assert [m.text for m in await Echo().abatch(["a", "b"], stop=["x"])] == ["a ['x']", "b ['x']"]


async def test_a_traced_stream_sends_extra_body(server: FakeServer, make: MakeModel) -> None:
    """Under tracing the stream runs as a bound runnable: the options, already checked and
    flattened (``extra_body``'s keys), are not checked a second time."""
    from opentelemetry.sdk.trace import TracerProvider

    import rillet.otel

    chat = make()
    llm = OpenAI(base_url=server.base_url, api_key="sk-test")
    tracer = TracerProvider()
    rillet.otel.instrument(tracer)
    try:
        extra: dict[str, Any] = {"extra_body": {"top_k": 3}}  # the parametrized model
        chunks = [c async for c in chat.astream("hi", **extra)]
        assert chunks
        assert _body(server)["top_k"] == 3
        texts = [t async for t in llm.astream("hi", extra_body={"top_k": 4})]
        assert texts
        assert _body(server)["top_k"] == 4
    finally:
        rillet.otel.uninstrument()
        tracer.shutdown()
        await llm.aclose()
