"""rillet.langchain tools and structured output (issue 15): LangChain's tool shapes reach the
wire through rillet's bind_tools, tool calls and ToolMessages cross in both directions, and
with_structured_output parses with LangChain's parsers; over the fake server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage as LCAIMessage,
    AIMessageChunk as LCAIMessageChunk,
    HumanMessage as LCHumanMessage,
    ToolMessage as LCToolMessage,
)
from langchain_core.tools import tool as lc_tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from rillet import (
    AIMessageChunk,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    ConfigError,
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from rillet._values.messages import default_call_id
from rillet.langchain import from_langchain_chunk, to_langchain, to_langchain_chunk
from rillet.testing import FakeServer, Reply, ToolCallReply


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


class JokeDict(TypedDict):
    """Joke to tell user."""

    setup: str
    punchline: str


JOKE = {"setup": "Why did the cat sit on the computer?", "punchline": "To watch the mouse."}


@lc_tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return "It's sunny."


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first
        b: the second
    """
    return a + b


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _reset(server: FakeServer) -> None:
    server.reset()


@pytest.fixture
def chat(server: FakeServer) -> Iterator[ChatOpenAI]:
    model = ChatOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    yield model
    model.close()


@pytest.fixture
def claude(server: FakeServer) -> Iterator[ChatAnthropic]:
    model = ChatAnthropic(model="c", base_url=server.root_url, api_key="k", max_retries=0)
    yield model
    model.close()


def _body(server: FakeServer, n: int = 0) -> dict[str, Any]:
    body = server.requests[n].json()
    assert isinstance(body, dict)
    return body


def _json_reply(value: object) -> Reply:
    text = json.dumps(value)
    return Reply(tokens=[text[i : i + 5] for i in range(0, len(text), 5)])


def test_langchain_tools_reach_the_wire_in_openai_shape(
    server: FakeServer, chat: ChatOpenAI
) -> None:
    server.queue(Reply(tokens=(), tool_calls=[ToolCallReply("get_weather", {"location": "SF"})]))
    model = to_langchain(chat).bind_tools(
        [get_weather, add, Joke, {"title": "lookup", "type": "object", "properties": {}}],
        tool_choice="any",
        parallel_tool_calls=False,
    )
    message = model.invoke("Weather in SF?")
    body = _body(server)
    assert [t["function"]["name"] for t in body["tools"]] == [
        "get_weather",
        "add",
        "Joke",
        "lookup",
    ]
    assert body["tools"][0] == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather at a location.",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    }
    assert body["tools"][1]["function"]["parameters"]["properties"]["a"] == {
        "description": "the first",
        "type": "integer",
    }
    assert body["tool_choice"] == "required"  # LangChain's "any", as langchain-openai sends it
    assert body["parallel_tool_calls"] is False
    assert isinstance(message, LCAIMessage)
    assert message.tool_calls == [
        {
            "name": "get_weather",
            "args": {"location": "SF"},
            "id": "call_fake1_0",
            "type": "tool_call",
        }
    ]


def test_tool_calls_stream_as_tool_call_chunks(server: FakeServer, chat: ChatOpenAI) -> None:
    call = ToolCallReply("get_weather", {"location": "San Francisco, CA"}, fragments=[4])
    server.queue(Reply(tokens=(), tool_calls=[call]))
    chunks = list(to_langchain(chat).bind_tools([get_weather]).stream("Weather?"))
    assert all(isinstance(c, LCAIMessageChunk) for c in chunks)
    lc_chunks = [c for c in chunks if isinstance(c, LCAIMessageChunk)]
    pieces = [c.tool_call_chunks[0]["args"] for c in lc_chunks if c.tool_call_chunks]
    assert len(pieces) > 3  # the arguments arrive in fragments, not whole
    total = lc_chunks[0]
    for c in lc_chunks[1:]:
        total = total + c
    assert isinstance(total, LCAIMessageChunk)
    assert total.tool_calls[0]["args"] == {"location": "San Francisco, CA"}
    assert _body(server)["tools"][0]["function"]["name"] == "get_weather"


def test_a_tool_round_trip_reaches_the_wire(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=("It's sunny.",)))
    history = [
        LCHumanMessage("Weather in SF?"),
        LCAIMessage(
            [
                {"type": "text", "text": "Let me look."},
                {
                    "type": "tool_use",
                    "id": "c1",
                    "name": "get_weather",
                    "input": {"location": "SF"},
                },
            ],
            tool_calls=[
                {"name": "get_weather", "args": {"location": "SF"}, "id": "c1", "type": "tool_call"}
            ],
        ),
        LCToolMessage("It's sunny.", tool_call_id="c1", name="get_weather"),
    ]
    reply = to_langchain(chat).bind_tools([get_weather]).invoke(history)
    assert reply.content == "It's sunny."
    messages = _body(server)["messages"]
    assert messages[1]["role"] == "assistant"
    assert messages[1]["tool_calls"] == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location":"SF"}'},
        }
    ]
    assert messages[2] == {"role": "tool", "tool_call_id": "c1", "content": "It's sunny."}


def test_tools_in_anthropic_shape(server: FakeServer, claude: ChatAnthropic) -> None:
    server.queue(Reply(tokens=(), tool_calls=[ToolCallReply("add", {"a": 1, "b": 2})]))
    message = to_langchain(claude).bind_tools([add], tool_choice="add").invoke("1 + 2?")
    body = _body(server)
    assert body["tools"][0]["name"] == "add"
    assert body["tools"][0]["input_schema"]["required"] == ["a", "b"]
    assert body["tool_choice"] == {"type": "tool", "name": "add"}
    assert message.tool_calls[0]["args"] == {"a": 1, "b": 2}
    assert any(b["type"] == "tool_call" for b in message.content_blocks)


def test_a_bad_tool_fails_at_bind_and_a_clash_at_the_call(chat: ChatOpenAI) -> None:
    model = to_langchain(chat)
    with pytest.raises(ConfigError, match="tool name"):
        model.bind_tools([{"title": "no spaces allowed", "type": "object", "properties": {}}])
    clash = model.bind_tools([Joke, Joke.model_json_schema()])  # LangChain binds this
    with pytest.raises(ConfigError, match="two tools are named 'Joke'"):
        clash.invoke("hi")


def test_structured_output_json_schema(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(_json_reply(JOKE), _json_reply(JOKE))
    structured = to_langchain(chat).with_structured_output(Joke)
    assert structured.invoke("A joke") == Joke(**JOKE)
    body = _body(server)
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]
    assert (schema["name"], schema["strict"]) == ("Joke", True)
    assert schema["schema"]["additionalProperties"] is False
    streamed = list(structured.stream("A joke"))
    assert len(streamed) > 1  # LangChain's PydanticOutputParser: each partial that validates
    assert all(isinstance(j, Joke) for j in streamed)
    assert streamed[-1] == Joke(**JOKE)


def test_structured_output_dicts_stream_as_they_grow(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(_json_reply(JOKE))
    streamed = list(to_langchain(chat).with_structured_output(JokeDict).stream("A joke"))
    assert len(streamed) > 2
    assert streamed[-1] == JOKE
    assert all(JOKE["setup"].startswith(str(s.get("setup", ""))) for s in streamed)


def test_structured_output_function_calling_on_anthropic(
    server: FakeServer, claude: ChatAnthropic
) -> None:
    server.queue(Reply(tokens=(), tool_calls=[ToolCallReply("Joke", JOKE)]))
    assert to_langchain(claude).with_structured_output(Joke).invoke("A joke") == Joke(**JOKE)
    body = _body(server)
    assert body["tool_choice"] == {"type": "tool", "name": "Joke"}
    with pytest.raises(ConfigError, match="no method='json_mode'"):
        to_langchain(claude).with_structured_output(Joke, method="json_mode")


def test_include_raw_reports_a_parsing_error(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=('{"setup": "Why?"}',)))
    out = to_langchain(chat).with_structured_output(Joke, include_raw=True).invoke("A joke")
    assert isinstance(out, dict)
    assert isinstance(out["raw"], LCAIMessage)
    assert out["raw"].content == '{"setup": "Why?"}'
    assert out["parsed"] is None
    assert "punchline" in str(out["parsing_error"])


def test_json_mode_and_the_callback_options(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(_json_reply(JOKE))
    json_mode = to_langchain(chat).with_structured_output(JokeDict, method="json_mode")
    out = json_mode.invoke("A joke as JSON")  # OpenAI's JSON mode wants the word in the messages
    assert out == JOKE
    assert _body(server)["response_format"] == {"type": "json_object"}


def test_a_per_call_model(server: FakeServer, chat: ChatOpenAI) -> None:
    message = to_langchain(chat).invoke("hi", model="gpt-4.1-nano")
    assert _body(server)["model"] == "gpt-4.1-nano"
    assert message.response_metadata["model_name"] == "gpt-4.1-nano"


def test_anthropic_thinking_goes_back_with_its_signature(
    server: FakeServer, claude: ChatAnthropic
) -> None:
    server.queue(Reply(reasoning=["Let me", " think."], tokens=["Hi."]), Reply(tokens=["Ok."]))
    model = to_langchain(claude)
    reply = model.invoke("hi")
    assert reply.content == "Hi."
    assert reply.additional_kwargs["reasoning_content"] == "Let me think."
    signature = reply.additional_kwargs["reasoning_signature"]
    assert isinstance(signature, str)
    assert signature
    assert [b["type"] for b in reply.content_blocks] == ["reasoning", "text"]
    model.invoke([LCHumanMessage("hi"), reply, LCHumanMessage("And?")])
    assistant = _body(server, 1)["messages"][1]
    assert assistant == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Let me think.", "signature": signature},
            {"type": "text", "text": "Hi."},
        ],
    }


def test_ollama_calls_without_ids_get_rillets_ids(server: FakeServer) -> None:
    ollama = ChatOllama(model="llama3.2", base_url=server.root_url, max_retries=0)
    server.queue(Reply(tokens=(), tool_calls=[ToolCallReply("add", {"a": 1, "b": 2})]))
    try:
        message = to_langchain(ollama).bind_tools([add]).invoke("1 + 2?")
    finally:
        ollama.close()
    assert message.id is not None
    assert message.tool_calls == [
        {
            "name": "add",
            "args": {"a": 1, "b": 2},
            "id": default_call_id(message.id, 0),  # what rillet's own reply would say
            "type": "tool_call",
        }
    ]


def test_usage_token_details_cross_both_ways() -> None:
    usage = UsageMetadata(
        10,
        5,
        15,
        input_token_details=InputTokenDetails(cache_read=4),
        output_token_details=OutputTokenDetails(reasoning=2),
    )
    lc_chunk = to_langchain_chunk(AIMessageChunk("hi", usage_metadata=usage))
    assert lc_chunk.usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 2},
    }
    assert from_langchain_chunk(lc_chunk).usage_metadata == usage


def test_refusal_redacted_thinking_and_citations_cross_both_ways(
    server: FakeServer, chat: ChatOpenAI, claude: ChatAnthropic
) -> None:
    server.queue(Reply(refusal=["I can't", " help with that."], tokens=()))
    refused = to_langchain(chat).invoke("Do something bad")
    assert refused.content == ""
    assert (
        refused.additional_kwargs["refusal"] == "I can't help with that."
    )  # langchain-openai's key
    cite = {"type": "char_location", "cited_text": "The sky is blue.", "document_index": 0}
    server.queue(
        Reply(redacted_thinking=["EncryptedBlob=="], tokens=["Blue."], citations=[cite]),
        Reply(tokens=["Ok."]),
        Reply(tokens=["Ok."]),
    )
    model = to_langchain(claude)
    reply = model.invoke("Sky colour?")
    assert reply.content == "Blue."
    assert reply.additional_kwargs["redacted_thinking"] == ["EncryptedBlob=="]
    assert reply.additional_kwargs["citations"] == [cite]
    model.invoke([LCHumanMessage("Sky colour?"), reply, LCHumanMessage("Sure?")])
    assistant = _body(server, 2)["messages"][1]
    assert assistant["content"][0] == {"type": "redacted_thinking", "data": "EncryptedBlob=="}
    assert assistant["content"][1]["text"] == "Blue."
    assert assistant["content"][1]["citations"] == [cite]
    to_langchain(chat).invoke([LCHumanMessage("Do something bad"), refused, LCHumanMessage("?")])
    assert _body(server, 3)["messages"][1] == {
        "role": "assistant",
        "content": "",
        "refusal": "I can't help with that.",
    }
