"""Anthropic over real HTTP (the fake server's /v1/messages), and the event rules of
https://docs.anthropic.com/en/api/messages-streaming as synthetic streams."""

from __future__ import annotations

import pytest

from rillet import (
    Anthropic,
    AuthenticationError,
    ConfigError,
    IncompleteStreamError,
    StreamDecodeError,
    StreamProviderError,
    UnexpectedToolCallError,
    UnknownEventWarning,
)
from rillet.testing import SONG_TOKENS, FakeServer, Reply
from tests._helpers.recordings import recording

from .conftest import MakeAnthropic

pytestmark = pytest.mark.anyio

PROMPT = "Write me a 1 verse song about sparkling water."
SONG = "".join(SONG_TOKENS)


def event(name: str, data: str) -> bytes:
    return f"event: {name}\ndata: {data}\n\n".encode()


START = event(
    "message_start",
    '{"type":"message_start","message":{"model":"claude-x","content":[],'
    '"usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":1}}}',
)
BLOCK = event(
    "content_block_start",
    '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
)


def text(piece: str) -> bytes:
    return event(
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'
        + piece
        + '"}}',
    )


END = event(
    "message_delta",
    '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}',
) + event("message_stop", '{"type":"message_stop"}')


async def test_stream_yields_each_token_and_sends_the_request(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    llm = make_anthropic(max_tokens=100, temperature=0.5, top_k=5, system="Be brief.", stop="X")
    assert [c async for c in llm.astream(PROMPT)] == list(SONG_TOKENS)
    request = server.requests[-1]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert request.json() == {
        "model": "claude-test",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "system": "Be brief.",
        "temperature": 0.5,
        "top_k": 5,
        "stop_sequences": ["X"],
    }


async def test_invoke_and_generate_read_a_whole_message(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    llm = make_anthropic()
    assert await llm.ainvoke(PROMPT) == SONG
    assert server.requests[-1].json() == {
        "model": "claude-test",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": PROMPT}],
    }
    server.queue(Reply(tokens=["a", "b"], finish_reason="length"))
    result = await llm.agenerate(["one two three"])
    generation = result.generations[0][0]
    assert generation.text == "ab"
    assert generation.generation_info is not None
    assert generation.generation_info.finish_reason == "max_tokens"
    assert result.llm_output is not None
    assert result.llm_output.token_usage is not None
    assert result.llm_output.token_usage.prompt_tokens == 3
    assert result.llm_output.token_usage.completion_tokens == 2


async def test_usage_is_a_running_total_replaced_not_added(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    server.queue(Reply(body=START + BLOCK + text("Hi") + END))
    llm = make_anthropic(streaming=True)
    result = await llm.agenerate([PROMPT])
    assert result.llm_output is not None
    usage = result.llm_output.token_usage
    assert usage is not None
    # message_delta's output_tokens (9) replaces message_start's (1); the input counts of
    # message_start stay, cached ones included.
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (15, 9, 24)
    assert result.llm_output.model_name == "claude-x"


async def test_ping_and_non_text_blocks_are_not_text(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    thinking = recording("anthropic-messages-claude-3-7-sonnet-thinking.sse")
    tools = recording("anthropic-messages-claude-3-5-sonnet-tool-use.sse")
    server.queue(Reply(body=thinking.body), Reply(body=tools.body))
    llm = make_anthropic()
    answer = "".join([c async for c in llm.astream(PROMPT)])
    assert answer == thinking.text
    assert "count the occurrences" not in answer  # the thinking block's text
    assert thinking.body.count(b'"type": "ping"') == 1
    # A tool_use block is not text either, but a string LLM cannot return it: a typed error
    # (issue 13), with the text before it kept.
    seen: list[str] = []
    with pytest.raises(UnexpectedToolCallError, match="ChatAnthropic") as refused:
        async for chunk in llm.astream(PROMPT):
            seen.append(chunk)
    assert "".join(seen) == tools.text == refused.value.partial_text
    assert refused.value.tool_name == "get_weather"


async def test_unknown_event_is_reported_and_skipped(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    novel = event("hologram_delta", '{"type":"hologram_delta","index":0}')
    ping = event("ping", '{"type": "ping"}')
    server.queue(Reply(body=START + ping + BLOCK + text("Hi") + novel + text("!") + END))
    llm = make_anthropic()
    with pytest.warns(UnknownEventWarning, match="hologram_delta") as caught:
        assert [c async for c in llm.astream(PROMPT)] == ["Hi", "!"]
    [warning] = caught
    assert isinstance(warning.message, UnknownEventWarning)
    assert warning.message.event_type == "hologram_delta"
    assert warning.message.raw == b'{"type":"hologram_delta","index":0}'


async def test_a_known_event_that_does_not_decode_is_an_error(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    broken = event("content_block_delta", '{"type":"content_block_delta","index":"zero"}')
    server.queue(Reply(body=START + BLOCK + text("Hi") + broken + END))
    llm = make_anthropic()
    with pytest.raises(StreamDecodeError, match="Anthropic event") as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.partial_text == "Hi"


async def test_error_event_raises_with_the_partial_text(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    overloaded = event(
        "error", '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    )
    server.queue(Reply(body=START + BLOCK + text("Hel") + overloaded))
    llm = make_anthropic()
    received: list[str] = []
    with pytest.raises(StreamProviderError, match="Overloaded") as caught:
        async for piece in llm.astream(PROMPT):
            received.append(piece)
    assert received == ["Hel"]
    assert caught.value.partial_text == "Hel"
    assert caught.value.body == {"type": "overloaded_error", "message": "Overloaded"}


async def test_stream_without_message_stop_is_incomplete(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    server.queue(Reply(body=START + BLOCK + text("Hel")))
    llm = make_anthropic()
    with pytest.raises(IncompleteStreamError, match="message_stop") as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.partial_text == "Hel"


async def test_status_errors_carry_anthropic_messages(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    server.queue(
        Reply(
            status=401,
            error_body=b'{"type":"error","error":{"type":"authentication_error",'
            b'"message":"invalid x-api-key"},"request_id":"req_1"}',
        )
    )
    llm = make_anthropic()
    with pytest.raises(AuthenticationError, match="invalid x-api-key") as caught:
        await llm.ainvoke(PROMPT)
    assert caught.value.body == {"type": "authentication_error", "message": "invalid x-api-key"}


def test_settings(monkeypatch: pytest.MonkeyPatch, server: FakeServer) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.root_url + "/")
    llm = Anthropic(model="claude-sonnet-4-5")
    assert llm.settings.base_url == server.root_url
    assert llm.settings.api_key is not None
    assert llm.settings.api_key.get_secret_value() == "sk-ant-env"
    assert "sk-ant-env" not in repr(llm) + repr(llm.settings)
    with pytest.raises(ConfigError, match="without /v1"):
        Anthropic(model="c", base_url=server.root_url + "/v1")
    with pytest.raises(ConfigError, match="max_tokens"):
        Anthropic(model="c", max_tokens=0)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        Anthropic(model="c")
    with pytest.raises(TypeError, match="Anthropic got an unknown argument 'n'"):
        Anthropic(model="c", n=2)  # type: ignore[call-arg]  # not an Anthropic parameter


async def test_system_messages_go_to_the_system_field(
    server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    llm = make_anthropic(max_tokens=64)
    assert await llm.ainvoke([("system", "be brief"), ("human", "hi")]) == SONG
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["system"] == "be brief"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
