"""Ollama over real HTTP (the fake server's NDJSON /api/generate), and the rules of
Ollama's docs/api.md (generate, streaming) as synthetic streams."""

from __future__ import annotations

import pytest

from rillet import (
    BaseLLM,
    ConfigError,
    IncompleteStreamError,
    NotFoundError,
    Ollama,
    StreamDecodeError,
    StreamProviderError,
)
from rillet.testing import SONG_TOKENS, FakeServer, Reply

from .conftest import MakeOllama

pytestmark = pytest.mark.anyio

PROMPT = "Write me a 1 verse song about sparkling water."
SONG = "".join(SONG_TOKENS)


def line(response: str) -> bytes:
    return b'{"model":"m","response":"' + response.encode() + b'","done":false}\n'


DONE = b'{"model":"m","response":"","done":true,"done_reason":"length","eval_count":2}\n'


async def test_stream_yields_each_token_and_sends_options(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    llm = make_ollama(temperature=0, num_predict=64, stop=["\n\n\n"], keep_alive="5m")
    assert [c async for c in llm.astream(PROMPT, stop=["END"])] == list(SONG_TOKENS)
    request = server.requests[-1]
    assert request.path == "/api/generate"
    assert request.headers["accept"] == "application/x-ndjson"
    assert request.json() == {
        "model": "llama-test",
        "prompt": PROMPT,
        "stream": True,
        "options": {"temperature": 0, "num_predict": 64, "stop": ["END"]},
        "keep_alive": "5m",
    }


async def test_invoke_asks_for_one_response_and_maps_usage(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    llm = make_ollama()
    assert await llm.ainvoke(PROMPT) == SONG
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["stream"] is False  # Ollama streams unless told not to
    server.queue(Reply(tokens=["a", "b", "c"], finish_reason="length"))
    result = await llm.agenerate(["one two"])
    generation = result.generations[0][0]
    assert generation.text == "abc"
    assert generation.generation_info is not None
    assert generation.generation_info.finish_reason == "length"
    assert result.llm_output is not None
    assert result.llm_output.token_usage is not None
    assert result.llm_output.token_usage.prompt_tokens == 2
    assert result.llm_output.token_usage.completion_tokens == 3


async def test_done_line_without_a_final_newline_ends_the_stream(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    server.queue(Reply(body=line("He") + line("") + line("y") + DONE[:-1], chunk_sizes=[5]))
    llm = make_ollama(streaming=True)
    result = await llm.agenerate([PROMPT])
    assert result.generations[0][0].text == "Hey"
    assert result.llm_output is not None
    assert result.llm_output.token_usage is not None
    assert result.llm_output.token_usage.completion_tokens == 2
    assert result.llm_output.token_usage.prompt_tokens == 0  # omitted when zero


async def test_error_line_raises_with_the_partial_text(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    server.queue(Reply(body=line("Hel") + b'{"error":"an error was encountered while running"}\n'))
    llm = make_ollama()
    received: list[str] = []
    with pytest.raises(StreamProviderError, match="encountered while running") as caught:
        async for piece in llm.astream(PROMPT):
            received.append(piece)
    assert received == ["Hel"]
    assert caught.value.partial_text == "Hel"
    assert caught.value.body == {"error": "an error was encountered while running"}


async def test_stream_without_done_is_incomplete(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    server.queue(Reply(body=line("Hel")))
    llm = make_ollama()
    with pytest.raises(IncompleteStreamError, match='"done": true') as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.partial_text == "Hel"


async def test_a_line_that_is_not_json_is_a_decode_error(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    server.queue(Reply(body=line("Hi") + b"<html>\n"))
    llm = make_ollama()
    with pytest.raises(StreamDecodeError) as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.raw == b"<html>"
    assert caught.value.partial_text == "Hi"


async def test_http_error_body_is_in_the_message(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    server.queue(Reply(status=404, error_body=b'{"error":"model \\"nope\\" not found"}'))
    llm = make_ollama()
    with pytest.raises(NotFoundError, match='model "nope" not found'):
        await llm.ainvoke(PROMPT)


async def test_ollama_host_without_scheme(
    monkeypatch: pytest.MonkeyPatch, server: FakeServer, made: list[BaseLLM]
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{server.port}")
    llm = Ollama(model="llama3")
    made.append(llm)
    assert llm.settings.base_url == server.root_url
    assert await llm.ainvoke(PROMPT) == SONG


def test_settings() -> None:
    with pytest.raises(ConfigError, match="model"):
        Ollama(model="")
    with pytest.raises(ConfigError, match="base_url"):
        Ollama(model="m", base_url="127.0.0.1:11434")
    with pytest.raises(TypeError, match="Ollama got an unknown argument 'max_tokens'"):
        Ollama(model="m", max_tokens=5)  # type: ignore[call-arg]  # Ollama says num_predict
