"""Retries, timeouts and faults mid-stream, over real HTTP (the fake server's scripted faults).

Every fault ends in its own typed error holding the status, the request id, the bytes at fault
and exactly the text already streamed; chunks yielded before it stay yielded. Retries happen
before the first byte only, and their waits are recorded with a fake clock (``sleep`` patched
in the HTTP module), not slept.

Written once here; ``make generate`` writes the sync twin to tests/_sync/.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx
import pytest

from rillet import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BaseLLM,
    ConflictError,
    EmptyStreamError,
    IncompleteStreamError,
    InternalServerError,
    LLMStreamEvent,
    OpenAI,
    RateLimitError,
    RilletError,
    StreamDecodeError,
    StreamError,
    StreamFormatError,
    StreamInterruptedError,
    StreamProviderError,
    StreamTimeoutError,
    UnexpectedContentTypeError,
)
from rillet._abort import Resources
from rillet._async import http as http_module
from rillet._async.read_loop import stream_response
from rillet._async_compat import sleep
from rillet._providers.openai.read import CompletionsStreamReader
from rillet._values.outputs import GenerationBuilder, GenerationChunk
from rillet.testing import FakeServer, Reply
from tests._helpers.leaks import active_connections

from .conftest import MakeAnthropic, MakeChat, MakeLLM, MakeOllama

pytestmark = pytest.mark.anyio

PROMPT = "Tell me about goldfish."
TOKENS = ["Gold", "fish", " are", " small", ",", " shiny", " and", " calm", "."]
TEXT = "".join(TOKENS)
FAST_READ_TIMEOUT = httpx.Timeout(10.0, read=0.25)

MakeModel = Callable[..., BaseLLM]
E = TypeVar("E", bound=RilletError)


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    """One fake server for the module, reset for each test."""
    return reused_server


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The fake clock: every retry wait is recorded here instead of slept."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(http_module, "sleep", fake_sleep)
    return recorded


@pytest.fixture(params=["completions", "chat", "anthropic", "ollama"])
def make_model(
    request: pytest.FixtureRequest,
    make_llm: MakeLLM,
    make_chat: MakeChat,
    make_anthropic: MakeAnthropic,
    make_ollama: MakeOllama,
) -> MakeModel:
    """A model of each provider (each speaks its own protocol to the fake server)."""
    makers: dict[str, MakeModel] = {
        "completions": make_llm,
        "chat": make_chat,
        "anthropic": make_anthropic,
        "ollama": make_ollama,
    }
    return makers[request.param]


@pytest.fixture(params=["completions", "chat", "anthropic"])
def make_sse_model(
    request: pytest.FixtureRequest,
    make_llm: MakeLLM,
    make_chat: MakeChat,
    make_anthropic: MakeAnthropic,
) -> MakeModel:
    """A model of each provider that streams SSE."""
    makers: dict[str, MakeModel] = {
        "completions": make_llm,
        "chat": make_chat,
        "anthropic": make_anthropic,
    }
    return makers[request.param]


async def consume(llm: BaseLLM, received: list[str], **kwargs: Any) -> None:
    """Stream ``PROMPT``, appending each chunk to ``received`` as it arrives."""
    async with llm.astream(PROMPT, **kwargs) as stream:
        async for chunk in stream:
            received.append(chunk)


async def fails_with(llm: BaseLLM, error: type[E], **kwargs: Any) -> tuple[E, list[str]]:
    """The error a stream ends with (checked to be an ``error``) and the chunks before it."""
    received: list[str] = []
    with pytest.raises(error) as caught:
        await consume(llm, received, **kwargs)
    return caught.value, received


async def disconnected(server: FakeServer, n: int = 1) -> bool:
    """Whether the server saw ``n`` clients go away mid-stream (the event loop keeps running
    while waiting, so a transport that closes on its next iteration gets there)."""
    for _ in range(500):
        if server.disconnects >= n:
            return True
        await sleep(0.01)
    return False


# -- retries: before the first byte only, with the server's waits or backoff -----------------------


async def test_waits_are_what_the_server_asks_for(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(
        Reply(status=429, headers={"retry-after-ms": "1500"}),
        Reply(status=503, headers={"retry-after": "2"}),
        Reply(tokens=TOKENS),
    )
    received: list[str] = []
    await consume(make_llm(max_retries=2), received)
    assert "".join(received) == TEXT
    assert len(server.requests) == 3
    assert waits == [1.5, 2.0]


async def test_backoff_doubles_with_jitter_that_only_shortens(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(status=500), Reply(status=502), Reply(status=504), Reply(tokens=TOKENS))
    received: list[str] = []
    await consume(make_llm(max_retries=3), received)
    assert "".join(received) == TEXT
    assert len(waits) == 3
    assert 0.375 <= waits[0] <= 0.5
    assert 0.75 <= waits[1] <= 1.0
    assert 1.5 <= waits[2] <= 2.0


@pytest.mark.parametrize("retry_after", ["0", "-1", "61", "soon", "120000"])
async def test_retry_after_outside_the_bound_falls_back_to_backoff(
    server: FakeServer, make_llm: MakeLLM, waits: list[float], retry_after: str
) -> None:
    server.queue(Reply(status=429, headers={"retry-after": retry_after}), Reply(tokens=TOKENS))
    await make_llm().ainvoke(PROMPT)
    assert len(waits) == 1
    assert 0.375 <= waits[0] <= 0.5


async def test_retries_stop_at_max_retries_with_the_last_error(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(*[Reply(status=503, headers={"x-request-id": f"req_{i}"}) for i in range(4)])
    with pytest.raises(InternalServerError) as caught:
        await make_llm(max_retries=2).ainvoke(PROMPT)
    assert caught.value.status_code == 503
    assert caught.value.request_id == "req_2"
    assert len(server.requests) == 3
    assert len(waits) == 2


async def test_max_retries_zero_sends_once(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(status=503))
    with pytest.raises(InternalServerError):
        await make_llm(max_retries=0).ainvoke(PROMPT)
    assert len(server.requests) == 1
    assert waits == []


@pytest.mark.parametrize(
    ("status", "error"), [(408, APIStatusError), (409, ConflictError), (529, InternalServerError)]
)
async def test_these_statuses_are_retried(
    server: FakeServer,
    make_llm: MakeLLM,
    waits: list[float],
    status: int,
    error: type[APIStatusError],
) -> None:
    server.queue(Reply(status=status), Reply(status=status), Reply(status=status))
    with pytest.raises(error) as caught:
        await make_llm().ainvoke(PROMPT)
    assert caught.value.status_code == status
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_the_callers_faults_are_not_retried(
    server: FakeServer, make_llm: MakeLLM, waits: list[float], status: int
) -> None:
    server.queue(Reply(status=status), Reply(tokens=TOKENS))
    with pytest.raises(APIStatusError) as caught:
        await consume(make_llm(max_retries=2), [])
    assert caught.value.status_code == status
    assert len(server.requests) == 1
    assert waits == []


async def test_x_should_retry_false_is_obeyed(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(status=503, headers={"x-should-retry": "false"}), Reply(tokens=TOKENS))
    with pytest.raises(InternalServerError):
        await make_llm().ainvoke(PROMPT)
    assert len(server.requests) == 1


async def test_x_should_retry_true_is_obeyed(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(status=400, headers={"x-should-retry": "true"}), Reply(tokens=TOKENS))
    assert await make_llm().ainvoke(PROMPT) == TEXT
    assert len(server.requests) == 2


async def test_a_429_out_of_quota_is_not_retried(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    quota = (
        b'{"error":{"message":"You exceeded your current quota, please check your plan and '
        b'billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}'
    )
    server.queue(Reply(status=429, error_body=quota), Reply(tokens=TOKENS))
    with pytest.raises(RateLimitError, match="exceeded your current quota"):
        await make_llm().ainvoke(PROMPT)
    assert len(server.requests) == 1


async def test_a_reset_before_the_response_is_retried(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(reset_after=0), Reply(tokens=TOKENS))
    received: list[str] = []
    await consume(make_llm(), received)
    assert "".join(received) == TEXT
    assert len(server.requests) == 2
    assert len(waits) == 1


async def test_a_read_timeout_before_the_response_is_retried(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(stall_after=0), Reply(tokens=TOKENS))
    received: list[str] = []
    await consume(make_llm(timeout=FAST_READ_TIMEOUT), received)
    assert "".join(received) == TEXT
    assert len(server.requests) == 2


async def test_connection_errors_exhaust_the_retries(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(*[Reply(reset_after=0)] * 3)
    with pytest.raises(APIConnectionError) as caught:
        await make_llm(max_retries=2).ainvoke(PROMPT)
    assert not isinstance(caught.value, StreamError)  # no response ever came
    assert len(server.requests) == 3
    assert len(waits) == 2


async def test_nothing_is_retried_once_the_stream_started(
    server: FakeServer, make_llm: MakeLLM, waits: list[float]
) -> None:
    server.queue(Reply(tokens=TOKENS, reset_after=3), Reply(tokens=TOKENS))
    error, received = await fails_with(make_llm(max_retries=2), StreamInterruptedError)
    assert "".join(received) == "".join(TOKENS[:3]) == error.partial_text
    assert len(server.requests) == 1
    assert waits == []


# -- faults mid-stream: each its own typed error, with the partial text -----------------------------


async def test_reset_mid_stream(server: FakeServer, make_model: MakeModel) -> None:
    server.queue(Reply(tokens=TOKENS, reset_after=4))
    error, received = await fails_with(make_model(), StreamInterruptedError)
    assert isinstance(error, APIConnectionError)
    assert not isinstance(error, APITimeoutError)
    assert received == TOKENS[:4]
    assert error.partial_text == "".join(TOKENS[:4])
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert "connection broke" in str(error)


async def test_read_timeout_mid_stream(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(Reply(tokens=TOKENS, stall_after=3))
    error, received = await fails_with(make_llm(timeout=FAST_READ_TIMEOUT), StreamTimeoutError)
    assert isinstance(error, APITimeoutError)
    assert received == TOKENS[:3]
    assert error.partial_text == "".join(TOKENS[:3])
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert await disconnected(server)  # the stalled response was closed, not left open


async def test_truncated_stream(server: FakeServer, make_model: MakeModel) -> None:
    server.queue(Reply(tokens=TOKENS, truncate_after=5))
    error, received = await fails_with(make_model(), IncompleteStreamError)
    assert received == TOKENS[:5]
    assert error.partial_text == "".join(TOKENS[:5])
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert error.raw == b""  # it ended on an event boundary


async def test_truncated_mid_event_keeps_the_partial_event(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    cut = b'data: {"choices":[{"text":" wor'
    server.queue(Reply(body=b'data: {"choices":[{"text":"Hello","index":0}]}\n\n' + cut))
    error, received = await fails_with(make_llm(), IncompleteStreamError)
    assert received == ["Hello"]
    assert error.partial_text == "Hello"
    assert error.raw == cut
    assert "partial event was discarded" in str(error)


async def test_empty_body(server: FakeServer, make_model: MakeModel) -> None:
    server.queue(Reply(tokens=TOKENS, truncate_after=0))
    error, received = await fails_with(make_model(), EmptyStreamError)
    assert isinstance(error, IncompleteStreamError)
    assert received == []
    assert error.partial_text == ""
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert "empty body" in str(error)


LLAMA_CPP_TOO_LONG = (
    b'{"error":{"code":400,"message":"the request exceeds the available context size, try '
    b'increasing it","type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":4096}}'
)


async def test_a_json_error_instead_of_an_event_stream(
    server: FakeServer, make_sse_model: MakeModel
) -> None:
    server.queue(Reply(body=LLAMA_CPP_TOO_LONG))  # sent as text/event-stream
    error, received = await fails_with(make_sse_model(), StreamFormatError)
    assert received == []
    assert error.raw == LLAMA_CPP_TOO_LONG
    assert isinstance(error.body, dict)
    assert error.body["type"] == "exceed_context_size_error"
    assert "exceeds the available context size" in str(error)
    assert error.status_code == 200
    assert error.request_id == "req_fake1"


async def test_an_error_field_then_done_is_not_a_silent_empty_answer(
    server: FakeServer, make_chat: MakeChat
) -> None:
    # Older llama.cpp builds: an `error:` line (an unknown SSE field) and then `data: [DONE]`.
    body = b'error: {"code":500,"message":"context too long"}\n\ndata: [DONE]\n\n'
    server.queue(Reply(body=body))
    error, received = await fails_with(make_chat(), StreamFormatError)
    assert received == []
    assert error.raw == body
    assert error.body == {"code": 500, "message": "context too long"}
    assert "context too long" in str(error)


async def test_error_event_inside_a_200_stream(server: FakeServer, make_model: MakeModel) -> None:
    server.queue(Reply(tokens=TOKENS, error_after=2, error_message="Token limit reached"))
    error, received = await fails_with(make_model(), StreamProviderError)
    assert received == TOKENS[:2]
    assert error.partial_text == "".join(TOKENS[:2])
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert b"Token limit reached" in error.raw
    assert "Token limit reached" in str(error)


async def test_malformed_event(server: FakeServer, make_model: MakeModel) -> None:
    server.queue(Reply(tokens=TOKENS, malformed_after=6))
    error, received = await fails_with(make_model(), StreamDecodeError)
    assert received == TOKENS[:6]
    assert error.partial_text == "".join(TOKENS[:6])
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert error.raw.startswith(b"{")
    assert not error.raw.endswith(b"}")


async def test_wrong_content_type(server: FakeServer, make_model: MakeModel) -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    server.queue(Reply(body=page, content_type="text/html; charset=utf-8"))
    error, received = await fails_with(make_model(), UnexpectedContentTypeError)
    assert isinstance(error, StreamFormatError)
    assert received == []
    assert error.content_type == "text/html; charset=utf-8"
    assert error.raw == page
    assert error.status_code == 200
    assert error.request_id == "req_fake1"
    assert "'text/html' instead of a" in str(error)


async def test_a_json_document_instead_of_an_event_stream_is_refused(
    server: FakeServer, make_chat: MakeChat
) -> None:
    body = b'{"error":{"message":"model is loading","type":"unavailable"}}'
    server.queue(Reply(body=body, content_type="application/json"))
    error, _ = await fails_with(make_chat(), UnexpectedContentTypeError)
    assert error.raw == body
    assert error.body == {"message": "model is loading", "type": "unavailable"}
    assert "model is loading" in str(error)


async def test_a_json_error_line_is_read_from_an_ndjson_stream(
    server: FakeServer, make_ollama: MakeOllama
) -> None:
    # Ollama answers with one JSON object; a JSON content type is one NDJSON line, not refused.
    server.queue(Reply(body=b'{"error":"model not found"}', content_type="application/json"))
    error, _ = await fails_with(make_ollama(), StreamProviderError)
    assert error.body == {"error": "model not found"}


async def test_wrong_content_type_on_a_rendered_stream(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(tokens=TOKENS, content_type="text/html"))
    error, received = await fails_with(make_llm(), UnexpectedContentTypeError)
    assert received == []
    assert error.content_type == "text/html"
    assert error.raw.startswith(b"data: ")  # the first bytes of what was sent


async def test_events_already_emitted_stay_emitted(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(Reply(tokens=TOKENS, error_after=3))
    texts: list[str] = []
    events = make_llm().astream_events(PROMPT)
    with pytest.raises(StreamProviderError) as caught:
        async for event in events:
            if isinstance(event, LLMStreamEvent):
                texts.append(event.data.chunk.text)
    assert texts == TOKENS[:3]
    assert caught.value.partial_text == "".join(TOKENS[:3])


# -- timeouts ------------------------------------------------------------------------------------


def raw_stream(
    server: FakeServer,
    client: httpx.AsyncClient,
    *,
    total_timeout: float,
    max_retries: int = 0,
) -> AsyncIterator[GenerationChunk]:
    """The stream loop itself (what a model's ``total_timeout=`` reaches)."""
    url = f"{server.base_url}/completions"
    body = {"model": "m", "prompt": PROMPT, "stream": True}
    return stream_response(
        client,
        client.build_request("POST", url, json=body),
        CompletionsStreamReader(GenerationBuilder(), url=url),
        max_retries=max_retries,
        resources=Resources(),
        total_timeout=total_timeout,
    )


async def test_total_timeout_ends_a_slow_stream_with_its_partial_text(
    server: FakeServer,
) -> None:
    server.queue(Reply(tokens=["tok "] * 200, delay=0.01))
    received: list[str] = []
    async with httpx.AsyncClient(timeout=10.0) as client:
        started = time.monotonic()
        with pytest.raises(StreamTimeoutError, match=r"total timeout of 0\.3 s") as caught:
            async for chunk in raw_stream(server, client, total_timeout=0.3):
                received.append(chunk.text)
        elapsed = time.monotonic() - started
        assert active_connections(client) == 0
    assert 0.25 <= elapsed < 1.5
    assert 0 < len(received) < 200
    assert caught.value.partial_text == "".join(received)


async def test_a_models_total_timeout_reaches_streams_and_whole_responses(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(tokens=["tok "] * 200, delay=0.01))
    llm = make_llm(total_timeout=0.3, max_retries=0)
    received: list[str] = []
    with pytest.raises(StreamTimeoutError) as caught:
        async for chunk in llm.astream(PROMPT):
            received.append(chunk)
    assert 0 < len(received) < 200
    assert caught.value.partial_text == "".join(received)
    server.queue(Reply(tokens=["tok "] * 200, delay=0.01))
    with pytest.raises(APITimeoutError):
        await llm.ainvoke(PROMPT)


def test_total_timeout_must_be_positive() -> None:
    from rillet import ConfigError, OpenAI

    with pytest.raises(ConfigError, match="total_timeout"):
        OpenAI(api_key="k", total_timeout=0)


async def test_total_timeout_bounds_a_stalled_read(server: FakeServer) -> None:
    server.queue(Reply(tokens=TOKENS, stall_after=2))
    async with httpx.AsyncClient(timeout=600.0) as client:
        started = time.monotonic()
        with pytest.raises(StreamTimeoutError) as caught:
            async for _ in raw_stream(server, client, total_timeout=0.3):
                pass
        assert time.monotonic() - started < 1.5
    assert caught.value.partial_text == "".join(TOKENS[:2])


async def test_total_timeout_stops_the_retries(server: FakeServer, waits: list[float]) -> None:
    server.queue(*[Reply(status=503, headers={"retry-after": "30"})] * 3)
    async with httpx.AsyncClient() as client:
        chunks = raw_stream(server, client, total_timeout=5.0, max_retries=2)
        with pytest.raises(InternalServerError):  # waiting 30 s would pass the deadline
            async for _ in chunks:
                pass
    assert len(server.requests) == 1
    assert waits == []


async def test_httpx_timeout_object_is_accepted(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(Reply(tokens=TOKENS, delay=0.05))
    with pytest.raises(StreamTimeoutError):
        await consume(make_llm(timeout=httpx.Timeout(5.0, read=0.01)), [])
    server.queue(Reply(tokens=TOKENS))
    received: list[str] = []
    await consume(make_llm(timeout=httpx.Timeout(5.0, read=1.0)), received)
    assert "".join(received) == TEXT


# -- closing mid-stream ----------------------------------------------------------------------------


async def test_closing_mid_stream_releases_the_connection(server: FakeServer) -> None:
    server.queue(Reply(tokens=["tok"] * 400, delay=0.005))
    async with httpx.AsyncClient() as client:
        llm = OpenAI(base_url=server.base_url, api_key="sk-test", http_async_client=client)
        stream = llm.astream(PROMPT)
        seen = 0
        async for _ in stream:
            seen += 1
            if seen == 3:
                break
        assert active_connections(client) == 1
        await stream.aclose()
        assert active_connections(client) == 0
        assert await disconnected(server)
        assert server.tokens_sent[-1] < 400
        # The pool is usable at once.
        server.queue(Reply(tokens=TOKENS))
        assert await llm.ainvoke(PROMPT) == TEXT
        await llm.aclose()


async def test_a_broken_content_encoding_is_a_decode_error() -> None:
    # Byte-exact: a body that claims gzip and is not (a MockTransport is the one way to send it).
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(b"this is not gzip"))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        llm = OpenAI(base_url="http://mock/v1", api_key="sk-test", http_async_client=client)
        error, received = await fails_with(llm, StreamDecodeError)
    assert received == []
    assert error.status_code == 200
    assert "could not be decoded" in str(error)
