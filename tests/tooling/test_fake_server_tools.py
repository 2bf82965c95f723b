"""The fake server's scripted tool calls (OpenAI chat, Anthropic Messages), read with plain
httpx and decoded here independently of rillet's readers; and its checks of tool turns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rillet.testing import FakeServer, Reply, ToolCallReply
from tests.tooling.test_fake_server_protocols import sse

WEATHER = ToolCallReply("get_weather", {"city": "Paris", "unit": "celsius"}, fragments=[3, 5])
TIME = ToolCallReply("get_time", {"timezone": "Europe/Paris"}, id="call_time")


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture
def client(server: FakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root_url, timeout=10.0) as c:
        yield c


def openai_calls(events: list[Any]) -> dict[int, dict[str, Any]]:
    calls: dict[int, dict[str, Any]] = {}
    for data in events:
        if data == "[DONE]" or not data["choices"]:
            continue
        for delta in data["choices"][0]["delta"].get("tool_calls", []):
            call = calls.setdefault(delta["index"], {"arguments": "", "fragments": 0})
            if "id" in delta:
                call["id"], call["name"] = delta["id"], delta["function"]["name"]
                assert delta["function"]["arguments"] == ""
            else:
                assert set(delta) == {"index", "function"}
                call["fragments"] += 1
            call["arguments"] += delta["function"]["arguments"]
    return calls


CHAT = {"model": "m", "messages": [{"role": "user", "content": "weather?"}]}


@pytest.mark.parametrize("interleave", [False, True])
def test_openai_streams_parallel_calls_in_fragments(
    server: FakeServer, client: httpx.Client, interleave: bool
) -> None:
    server.queue(Reply(tokens=(), tool_calls=[WEATHER, TIME], interleave_tool_calls=interleave))
    response = client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    events = [data for _, data in sse(response.content)]
    calls = openai_calls(events)
    assert calls == {
        0: {
            "id": "call_fake1_0",
            "name": "get_weather",
            "arguments": '{"city":"Paris","unit":"celsius"}',
            "fragments": 9,  # 33 characters in pieces of 3, 5, 3, 5, ...
        },
        1: {
            "id": "call_time",
            "name": "get_time",
            "arguments": '{"timezone":"Europe/Paris"}',
            "fragments": 4,  # 27 characters in pieces of 7
        },
    }
    order = [
        d["choices"][0]["delta"]["tool_calls"][0]["index"]
        for d in events
        if d != "[DONE]" and d["choices"] and "tool_calls" in d["choices"][0]["delta"]
    ]
    if interleave:
        assert order[:4] == [0, 1, 0, 1]
    else:
        assert order == sorted(order)
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_openai_whole_response_carries_the_calls(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=(), tool_calls=[TIME]))
    body = client.post("/v1/chat/completions", json=CHAT).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_time",
            "type": "function",
            "function": {"name": "get_time", "arguments": '{"timezone":"Europe/Paris"}'},
        }
    ]


def test_anthropic_streams_tool_use_blocks(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=["Let me ", "check."], tool_calls=[WEATHER, TIME]))
    response = client.post(
        "/v1/messages",
        json={"model": "m", "max_tokens": 10, "stream": True, **CHAT},
    )
    events = sse(response.content)
    blocks: dict[int, dict[str, Any]] = {}
    stops: list[int] = []
    for name, data in events:
        if name == "content_block_start":
            blocks[data["index"]] = {**data["content_block"], "json": []}
        elif name == "content_block_delta" and data["delta"]["type"] == "input_json_delta":
            blocks[data["index"]]["json"].append(data["delta"]["partial_json"])
        elif name == "content_block_delta":
            blocks[data["index"]]["text"] += data["delta"]["text"]
        elif name == "content_block_stop":
            stops.append(data["index"])
    assert stops == [0, 1, 2]  # each block stops before the next starts
    assert blocks[0] == {"type": "text", "text": "Let me check.", "json": []}
    assert blocks[1]["name"] == "get_weather"
    assert blocks[1]["id"] == "toolu_fake1_0"
    assert blocks[1]["input"] == {}
    assert blocks[1]["json"][0] == ""  # as the API: an empty first fragment
    assert "".join(blocks[1]["json"]) == '{"city":"Paris","unit":"celsius"}'
    assert blocks[2]["id"] == "call_time"
    assert "".join(blocks[2]["json"]) == '{"timezone":"Europe/Paris"}'
    delta = next(data for name, data in events if name == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"


def test_anthropic_whole_message_and_a_call_without_arguments(
    server: FakeServer, client: httpx.Client
) -> None:
    server.queue(Reply(tokens=(), tool_calls=[ToolCallReply("ping")]))
    body = client.post("/v1/messages", json={"model": "m", "max_tokens": 10, **CHAT}).json()
    assert body["stop_reason"] == "tool_use"
    assert body["content"] == [
        {"type": "tool_use", "id": "toolu_fake1_0", "name": "ping", "input": {}}
    ]
    server.queue(Reply(tokens=(), tool_calls=[ToolCallReply("ping")]))
    response = client.post(
        "/v1/messages", json={"model": "m", "max_tokens": 10, "stream": True, **CHAT}
    )
    fragments = [
        data["delta"]["partial_json"]
        for name, data in sse(response.content)
        if name == "content_block_delta"
    ]
    assert fragments == ["", "{}"]


def test_tool_turns_are_checked_like_the_apis(client: httpx.Client) -> None:
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    ok = [
        {"role": "user", "content": "q"},
        assistant,
        {"role": "tool", "content": "1", "tool_call_id": "c1"},
    ]
    assert (
        client.post("/v1/chat/completions", json={"model": "m", "messages": ok}).status_code == 200
    )
    wrong_id = [*ok[:2], {"role": "tool", "content": "1", "tool_call_id": "c2"}]
    response = client.post("/v1/chat/completions", json={"model": "m", "messages": wrong_id})
    assert response.status_code == 400
    assert "must be a response to a preceeding message with 'tool_calls'" in response.text
    unanswered = client.post("/v1/chat/completions", json={"model": "m", "messages": ok[:2]})
    assert unanswered.status_code == 400
    assert "Missing: ['c1']" in unanswered.text

    use = {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
    }
    result = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "1"}],
    }
    anthropic = {"model": "m", "max_tokens": 5}
    good = client.post(
        "/v1/messages",
        json={**anthropic, "messages": [{"role": "user", "content": "q"}, use, result]},
    )
    assert good.status_code == 200
    bad = client.post(
        "/v1/messages",
        json={
            **anthropic,
            "messages": [{"role": "user", "content": "q"}, use, {"role": "user", "content": "no"}],
        },
    )
    assert bad.status_code == 400
    assert "without `tool_result` blocks" in bad.text
    stray = client.post("/v1/messages", json={**anthropic, "messages": [result]})
    assert stray.status_code == 400
    assert "unexpected `tool_use_id`" in stray.text


def test_structured_output_requests_are_checked_like_the_apis(client: httpx.Client) -> None:
    def status(path: str, body: dict[str, object]) -> tuple[int, str]:
        response = client.post(path, json=body)
        return response.status_code, response.text

    user = [{"role": "user", "content": "a joke"}]
    closed = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    chat = {"model": "m", "messages": user}

    def strict(schema: dict[str, object]) -> dict[str, object]:
        return {
            "type": "json_schema",
            "json_schema": {"name": "J", "schema": schema, "strict": True},
        }

    assert status("/v1/chat/completions", {**chat, "response_format": strict(closed)})[0] == 200
    code, text = status(
        "/v1/chat/completions", {**chat, "response_format": strict({**closed, "required": []})}
    )
    assert (code, "including every key in properties" in text) == (400, True)
    code, text = status(
        "/v1/chat/completions",
        {**chat, "response_format": strict({"type": "object", "properties": {}})},
    )
    assert (code, "'additionalProperties' is required" in text) == (400, True)
    json_object = {"type": "json_object"}
    code, text = status("/v1/chat/completions", {**chat, "response_format": json_object})
    assert (code, "must contain the word 'json'" in text) == (400, True)
    asks_json = {"model": "m", "messages": [{"role": "user", "content": "a joke, in JSON"}]}
    assert status("/v1/chat/completions", {**asks_json, "response_format": json_object})[0] == 200

    anthropic = {"model": "m", "max_tokens": 5, "messages": user}

    def output(schema: dict[str, object]) -> dict[str, object]:
        return {"format": {"type": "json_schema", "schema": schema}}

    assert status("/v1/messages", {**anthropic, "output_config": output(closed)})[0] == 200
    code, text = status("/v1/messages", {**anthropic, "output_config": output({"type": "object"})})
    assert (code, "'additionalProperties' must be false" in text) == (400, True)
    bounded = {**closed, "properties": {"a": {"type": "integer", "minimum": 1}}}
    code, text = status("/v1/messages", {**anthropic, "output_config": output(bounded)})
    assert (code, "'minimum' is not supported" in text) == (400, True)
    code, _ = status("/v1/messages", {**anthropic, "output_config": {"format": {"type": "json"}}})
    assert code == 400

    ollama = {"model": "m", "messages": user}
    assert status("/api/chat", {**ollama, "format": "json"})[0] == 200
    assert status("/api/chat", {**ollama, "format": closed})[0] == 200
    assert status("/api/chat", {**ollama, "format": "yaml"})[0] == 400


def test_reply_checks_its_tool_calls() -> None:
    with pytest.raises(TypeError, match="sequence of ToolCallReply"):
        Reply(tool_calls=WEATHER)  # type: ignore[arg-type]  # the case under test
    with pytest.raises(ValueError, match="fragments"):
        ToolCallReply("f", fragments=[0])
