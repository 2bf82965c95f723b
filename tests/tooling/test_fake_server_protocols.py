"""The fake server's chat completions, Anthropic Messages and Ollama generate/chat protocols, read
with plain httpx (the providers' own tests go through rillet)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from rillet.testing import SONG_TOKENS, FakeServer, Reply, ToolCallReply

SONG = "".join(SONG_TOKENS)


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture
def client(server: FakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root_url, timeout=10.0) as c:
        yield c


def sse(body: bytes) -> list[tuple[str, Any]]:
    """(event name, decoded data) of each event of a body of LF-terminated SSE blocks."""
    events: list[tuple[str, Any]] = []
    for block in body.decode().split("\n\n")[:-1]:
        name, data = "message", ""
        for field in block.split("\n"):
            key, _, value = field.partition(": ")
            if key == "event":
                name = value
            elif key == "data":
                data = value
        events.append((name, data if data == "[DONE]" else msgspec.json.decode(data)))
    return events


def test_chat_stream_n2_include_usage(client: httpx.Client) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={
            "model": "m",
            "messages": [{"role": "user", "content": "one two"}],
            "stream": True,
            "n": 2,
            "stream_options": {"include_usage": True},
        },
    )
    assert response.headers["content-type"] == "text/event-stream"
    events = [data for _, data in sse(response.content)]
    assert events[-1] == "[DONE]"
    usage = events[-2]
    assert usage["choices"] == []
    assert usage["usage"] == {
        "prompt_tokens": 2,
        "completion_tokens": 2 * len(SONG_TOKENS),
        "total_tokens": 2 + 2 * len(SONG_TOKENS),
    }
    texts = {0: "", 1: ""}
    roles = finishes = 0
    for chunk in events[:-2]:
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["usage"] is None
        [choice] = chunk["choices"]
        delta = choice["delta"]
        roles += delta.get("role") == "assistant"
        texts[choice["index"]] += delta.get("content") or ""
        finishes += choice["finish_reason"] == "stop"
    assert texts == {0: SONG, 1: SONG}
    assert (roles, finishes) == (2, 2)


def test_chat_whole_response(client: httpx.Client) -> None:
    response = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]}
    )
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == SONG
    assert body["usage"]["completion_tokens"] == len(SONG_TOKENS)


def test_anthropic_stream_events_in_order(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=["Hi", "!"], finish_reason="length"))
    response = client.post(
        "/v1/messages",
        json={
            "model": "c",
            "max_tokens": 9,
            "messages": [{"role": "user", "content": "a b"}],
            "stream": True,
        },
    )
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = sse(response.content)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(data["type"] == name for name, data in events)
    assert events[0][1]["message"]["usage"]["input_tokens"] == 2
    assert [data["delta"]["text"] for _, data in events[3:5]] == ["Hi", "!"]
    assert events[6][1]["delta"]["stop_reason"] == "max_tokens"
    assert events[6][1]["usage"] == {"output_tokens": 2}
    assert server.tokens_sent == [2]


def test_anthropic_requires_max_tokens_and_answers_in_its_error_shape(
    server: FakeServer, client: httpx.Client
) -> None:
    response = client.post("/v1/messages", json={"model": "c", "messages": []})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in body["error"]["message"]
    server.queue(Reply(status=529))
    response = client.post(
        "/v1/messages",
        json={"model": "c", "max_tokens": 1, "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "overloaded_error"


def test_ollama_ndjson_stream_and_whole(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=["a", "b"]))
    response = client.post("/api/generate", json={"model": "llama3", "prompt": "x y z"})
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [msgspec.json.decode(line) for line in response.content.splitlines()]
    assert response.content.endswith(b"\n")
    assert [line["response"] for line in lines] == ["a", "b", ""]
    assert [line["done"] for line in lines] == [False, False, True]
    assert lines[-1]["done_reason"] == "stop"
    assert (lines[-1]["prompt_eval_count"], lines[-1]["eval_count"]) == (3, 2)
    whole = client.post("/api/generate", json={"model": "llama3", "prompt": "x", "stream": False})
    assert whole.json()["response"] == SONG
    assert whole.json()["done"] is True


def test_ollama_errors_and_raw_bodies_per_line(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(status=404, error_body=None))
    response = client.post("/api/generate", json={"model": "x"})
    assert response.status_code == 404
    assert set(response.json()) == {"error"}
    body = b'{"response":"a","done":false}\n{"response":"","done":true}\n'
    server.queue(Reply(body=body))
    with client.stream("POST", "/api/generate", json={"model": "x"}) as streamed:
        assert streamed.headers["content-type"] == "application/x-ndjson"
        assert b"".join(streamed.iter_raw()) == body
    assert server.tokens_sent[-1] == 2  # one piece per line


REASONED = Reply(tokens=["Hi", " there"], reasoning=["Let me", " think"], finish_reason="stop")
USER = [{"role": "user", "content": "x y z"}]


def test_chat_reasoning_streams_before_the_text(server: FakeServer, client: httpx.Client) -> None:
    server.queue(REASONED, REASONED)
    body = {"model": "m", "messages": USER, "stream_options": {"include_usage": True}}
    response = client.post("/v1/chat/completions", json={**body, "stream": True})
    deltas = [data["choices"][0]["delta"] for _, data in sse(response.content)[:-3]]
    assert deltas[1:] == [
        {"reasoning_content": "Let me"},
        {"reasoning_content": " think"},
        {"content": "Hi"},
        {"content": " there"},
    ]
    [(_, usage_chunk), _] = sse(response.content)[-2:]
    assert usage_chunk["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "total_tokens": 7,
        "completion_tokens_details": {"reasoning_tokens": 2},
    }
    whole = client.post("/v1/chat/completions", json=body).json()
    message = whole["choices"][0]["message"]
    assert (message["content"], message["reasoning_content"]) == ("Hi there", "Let me think")


def test_anthropic_reasoning_is_a_signed_thinking_block(
    server: FakeServer, client: httpx.Client
) -> None:
    server.queue(REASONED, REASONED)
    body = {"model": "claude", "max_tokens": 9, "messages": USER}
    events = sse(client.post("/v1/messages", json={**body, "stream": True}).content)
    blocks = [
        (d["index"], d["content_block"]["type"]) for n, d in events if n == "content_block_start"
    ]
    assert blocks == [(0, "thinking"), (1, "text")]
    deltas = [(d["index"], d["delta"]) for n, d in events if n == "content_block_delta"]
    assert deltas == [
        (0, {"type": "thinking_delta", "thinking": "Let me"}),
        (0, {"type": "thinking_delta", "thinking": " think"}),
        (0, {"type": "signature_delta", "signature": "fake-signature-1"}),
        (1, {"type": "text_delta", "text": "Hi"}),
        (1, {"type": "text_delta", "text": " there"}),
    ]
    stops = [d["index"] for n, d in events if n == "content_block_stop"]
    assert stops == [0, 1]
    assert events[-2][1]["usage"] == {"output_tokens": 4}
    whole = client.post("/v1/messages", json=body).json()
    assert whole["content"] == [
        {"type": "thinking", "thinking": "Let me think", "signature": "fake-signature-2"},
        {"type": "text", "text": "Hi there"},
    ]


def test_ollama_chat_thinking_lines_then_content(server: FakeServer, client: httpx.Client) -> None:
    server.queue(REASONED, REASONED)
    response = client.post("/api/chat", json={"model": "qwen3", "messages": USER})
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [msgspec.json.decode(line) for line in response.content.splitlines()]
    assert [line["message"] for line in lines] == [
        {"role": "assistant", "content": "", "thinking": "Let me"},
        {"role": "assistant", "content": "", "thinking": " think"},
        {"role": "assistant", "content": "Hi"},
        {"role": "assistant", "content": " there"},
        {"role": "assistant", "content": ""},
    ]
    assert [line["done"] for line in lines] == [False] * 4 + [True]
    assert (lines[-1]["done_reason"], lines[-1]["prompt_eval_count"], lines[-1]["eval_count"]) == (
        "stop",
        3,
        4,
    )
    whole = client.post("/api/chat", json={"model": "q", "messages": USER, "stream": False}).json()
    assert whole["message"] == {
        "role": "assistant",
        "content": "Hi there",
        "thinking": "Let me think",
    }
    assert whole["done"] is True


def test_reasoning_text_and_tool_calls_in_block_order(
    server: FakeServer, client: httpx.Client
) -> None:
    reply = Reply(
        tokens=["Let me check."],
        reasoning=["Need", " weather"],
        tool_calls=[ToolCallReply("get_weather", {"city": "Paris"}, id="call_1")],
    )
    server.queue(reply, reply, reply)
    body = {"model": "claude", "max_tokens": 9, "messages": USER, "stream": True}
    events = sse(client.post("/v1/messages", json=body).content)
    starts = [
        (d["index"], d["content_block"]["type"]) for n, d in events if n == "content_block_start"
    ]
    assert starts == [(0, "thinking"), (1, "text"), (2, "tool_use")]
    stops = [d["index"] for n, d in events if n == "content_block_stop"]
    assert stops == [0, 1, 2]
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    lines = [
        msgspec.json.decode(line)
        for line in client.post(
            "/api/chat", json={"model": "q", "messages": USER}
        ).content.splitlines()
    ]
    assert [line["message"].get("thinking") for line in lines[:2]] == ["Need", " weather"]
    assert lines[2]["message"]["content"] == "Let me check."
    assert lines[3]["message"]["tool_calls"] == [
        {
            "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}},
            "id": "call_1",
        }
    ]
    assert (lines[4]["done"], lines[4]["done_reason"]) == (True, "stop")
    whole = client.post("/api/chat", json={"model": "q", "messages": USER, "stream": False}).json()
    assert whole["message"]["tool_calls"] == lines[3]["message"]["tool_calls"]
    assert whole["message"]["thinking"] == "Need weather"
