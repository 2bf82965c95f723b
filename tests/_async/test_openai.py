"""The OpenAI completions provider over real HTTP (the fake server on 127.0.0.1).

Written once here; ``make generate`` writes the sync twin to tests/_sync/.
"""

from __future__ import annotations

import pytest

from rillet import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    IncompleteStreamError,
    OpenAI,
    RateLimitError,
    StreamDecodeError,
    StreamProviderError,
)
from rillet.testing import SONG_TOKENS, FakeServer, Reply
from tests._helpers.recordings import recording, recordings

from .conftest import MakeLLM

pytestmark = pytest.mark.anyio

PROMPT = "Write me a 1 verse song about sparkling water."
SONG = "".join(SONG_TOKENS)


async def test_stream_yields_each_token_in_order(server: FakeServer, make_llm: MakeLLM) -> None:
    llm = make_llm()
    chunks = [chunk async for chunk in llm.astream(PROMPT)]
    assert chunks == [token for token in SONG_TOKENS if token]
    assert "".join(chunks) == SONG


async def test_stream_request_carries_parameters_and_asks_for_usage(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    llm = make_llm(stop=["\n\n\n"], seed=7, organization="org-1")
    async for _ in llm.astream(PROMPT, stop=["END"]):
        pass
    request = server.requests[-1]
    assert request.path == "/v1/completions"
    assert request.headers["authorization"] == "Bearer sk-test-key"
    assert request.headers["openai-organization"] == "org-1"
    body = request.json()
    assert isinstance(body, dict)
    assert body["model"] == "gpt-3.5-turbo-instruct"
    assert body["prompt"] == PROMPT
    assert body["temperature"] == 0
    assert body["max_tokens"] == 512
    assert body["seed"] == 7
    assert body["stop"] == ["END"]  # the call's stop replaces the instance's
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_invoke_returns_the_whole_text_without_streaming(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    llm = make_llm(extra_body={"top_k": 20})
    assert await llm.ainvoke(PROMPT) == SONG
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert "stream" not in body
    assert body["top_k"] == 20
    assert body["prompt"] == [PROMPT]


async def test_generate_returns_typed_result_with_usage(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    llm = make_llm(n=2)
    result = await llm.agenerate(["one two three", "four"])
    assert [[g.text for g in gens] for gens in result.generations] == [[SONG, SONG], [SONG, SONG]]
    first = result.generations[0][0]
    assert first.generation_info is not None
    assert first.generation_info.finish_reason == "stop"
    assert result.llm_output is not None
    usage = result.llm_output.token_usage
    assert usage is not None
    assert usage.prompt_tokens == 4
    assert usage.completion_tokens == len(SONG_TOKENS) * 4
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert result.llm_output.model_name == "gpt-3.5-turbo-instruct"


async def test_streaming_generate_keeps_usage_and_finish_reason(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(tokens=["Hello", " world"], finish_reason="length"))
    llm = make_llm(streaming=True)
    result = await llm.agenerate([PROMPT])
    generation = result.generations[0][0]
    assert generation.text == "Hello world"
    assert generation.generation_info is not None
    assert generation.generation_info.finish_reason == "length"
    assert result.llm_output is not None
    assert result.llm_output.token_usage is not None
    assert result.llm_output.token_usage.completion_tokens == 2


@pytest.mark.parametrize("name", recordings("openai-completions-") + recordings("vllm-"))
@pytest.mark.parametrize("split", ["per-event", "1-byte", "random-1", "random-2", "random-3"])
async def test_recorded_streams_decode_to_their_text(
    server: FakeServer, make_llm: MakeLLM, name: str, split: str
) -> None:
    rec = recording(name)
    if split == "per-event":
        reply = Reply(body=rec.body)
    elif split == "1-byte":
        reply = Reply(body=rec.body, chunk_sizes=[1])
    else:
        reply = Reply(body=rec.body, random_chunks=int(split.split("-")[1]))
    server.queue(reply, reply)
    llm = make_llm(streaming=True)
    text = "".join([chunk async for chunk in llm.astream(PROMPT)])
    assert text == rec.text
    result = await llm.agenerate([PROMPT])
    generation = result.generations[0][0]
    assert generation.text == rec.text
    assert generation.generation_info is not None
    assert generation.generation_info.finish_reason == rec.finish_reason


async def test_break_closes_the_response_at_once(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(Reply(tokens=["tok"] * 400, delay=0.01))
    llm = make_llm()
    seen = 0
    async for _ in llm.astream(PROMPT):
        seen += 1
        if seen == 3:
            break
    # No await between the break and this check: the socket was shut down synchronously when
    # the abandoned stream was dropped, so the server sees the disconnect mid-reply.
    assert server.wait_for_disconnect(timeout=5)
    assert server.tokens_sent[-1] < 400
    assert server.completed == 0


async def test_closing_the_stream_explicitly_closes_the_response(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(tokens=["tok"] * 400, delay=0.01))
    llm = make_llm()
    async with llm.astream(PROMPT) as stream:
        async for _ in stream:
            break
    assert server.wait_for_disconnect(timeout=5)
    assert server.tokens_sent[-1] < 400


async def test_status_errors_are_typed(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(
        Reply(
            status=401,
            headers={"x-request-id": "req_401"},
            error_body=b'{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
        )
    )
    llm = make_llm()
    with pytest.raises(AuthenticationError) as caught:
        await llm.ainvoke(PROMPT)
    error = caught.value
    assert error.status_code == 401
    assert error.request_id == "req_401"
    assert isinstance(error.body, dict)
    assert error.body["code"] == "invalid_api_key"
    assert "Incorrect API key provided" in str(error)
    assert "sk-test-key" not in str(error) + repr(error) + repr(llm)


async def test_retryable_status_is_retried_before_the_stream(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(status=429, headers={"retry-after-ms": "1"}))
    llm = make_llm(max_retries=1)
    assert "".join([c async for c in llm.astream(PROMPT)]) == SONG
    assert len(server.requests) == 2


async def test_retries_stop_at_max_retries(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(*[Reply(status=429, headers={"retry-after-ms": "1"})] * 3)
    llm = make_llm(max_retries=1)
    with pytest.raises(RateLimitError):
        await llm.ainvoke(PROMPT)
    assert len(server.requests) == 2


async def test_bad_request_is_not_retried(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(Reply(status=400))
    llm = make_llm(max_retries=3)
    with pytest.raises(BadRequestError):
        await llm.ainvoke(PROMPT)
    assert len(server.requests) == 1


async def test_error_inside_a_200_stream_keeps_the_partial_text(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    body = (
        b'data: {"choices":[{"text":"Hello","index":0}]}\n\n'
        b'data: {"choices":[{"text":" wor","index":0}]}\n\n'
        b'data: {"error":{"message":"Token limit reached","code":400}}\n\n'
    )
    server.queue(Reply(body=body))
    llm = make_llm()
    received: list[str] = []
    with pytest.raises(StreamProviderError) as caught:
        async for chunk in llm.astream(PROMPT):
            received.append(chunk)
    assert received == ["Hello", " wor"]
    assert caught.value.partial_text == "Hello wor"
    assert caught.value.body == {
        "message": "Token limit reached",
        "code": 400,
        "type": None,
        "param": None,
    }


async def test_truncated_stream_raises_with_the_partial_text(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(body=b'data: {"choices":[{"text":"Hel","index":0}]}\n\ndata: {"choi'))
    llm = make_llm()
    with pytest.raises(IncompleteStreamError) as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.partial_text == "Hel"


async def test_malformed_event_raises_with_the_raw_line(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(body=b'data: {"choices":[{"text":"Hi","index":0}]}\n\ndata: {not json}\n\n'))
    llm = make_llm()
    with pytest.raises(StreamDecodeError) as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.raw == b"{not json}"
    assert caught.value.partial_text == "Hi"


async def test_connection_refused_is_a_connection_error() -> None:
    llm = OpenAI(base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0)
    with pytest.raises(APIConnectionError):
        await llm.ainvoke(PROMPT)


def test_unknown_constructor_argument_is_an_error() -> None:
    with pytest.raises(TypeError, match="OpenAI got an unknown argument 'temprature'"):
        OpenAI(temprature=0)  # type: ignore[call-arg]  # the misspelling is the point


def test_missing_key_for_openai_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAI()


def test_key_and_base_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, server: FakeServer
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    llm = OpenAI()
    assert llm.settings.base_url == server.base_url
    assert llm.settings.api_key is not None
    assert llm.settings.api_key.get_secret_value() == "sk-from-env"
    assert "sk-from-env" not in repr(llm.settings)
