"""The fake OpenAI-compatible server in `rillet.testing`, exercised over real HTTP with httpx."""

from __future__ import annotations

import gc
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import msgspec
import pytest

from rillet.testing import SONG_TOKENS, FakeServer, RecordedRequest, Reply

SONG = "".join(SONG_TOKENS)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


@pytest.fixture
def server(shared_server: FakeServer) -> FakeServer:
    """One server for the module (stopping one takes ~0.2 s), reset before every test."""
    shared_server.reset()
    return shared_server


@pytest.fixture
def client(server: FakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10.0) as c:
        yield c


def sse_data(body: bytes) -> list[bytes]:
    """The `data` payloads of a body made of ``data: ...`` events separated by blank lines."""
    events = body.split(b"\n\n")
    assert events[-1] == b"", "the body must end with a complete event"
    payloads = []
    for event in events[:-1]:
        assert event.startswith(b"data: "), event
        payloads.append(event[len(b"data: ") :])
    return payloads


def stream_chunks(body: bytes) -> list[dict[str, Any]]:
    """The JSON chunks of a completions stream, checking that it ends with ``[DONE]``."""
    payloads = sse_data(body)
    assert payloads[-1] == b"[DONE]"
    chunks: list[dict[str, Any]] = [msgspec.json.decode(p) for p in payloads[:-1]]
    return chunks


def complete(client: httpx.Client, **params: object) -> httpx.Response:
    return client.post("/completions", json={"model": "fake-instruct", "prompt": "Hi", **params})


def test_non_stream_shape_and_usage(server: FakeServer, client: httpx.Client) -> None:
    before = int(time.time())
    response = complete(client, prompt=["Write me a song", "about water"], n=2, max_tokens=512)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "req_fake1"
    body = response.json()
    assert before <= body.pop("created") <= int(time.time())
    words, choices = 4 + 2, 2 * 2
    assert body == {
        "id": "cmpl-fake1",
        "object": "text_completion",
        "model": "fake-instruct",
        "choices": [
            {"text": SONG, "index": i, "logprobs": None, "finish_reason": "stop"}
            for i in range(choices)
        ],
        "usage": {
            "prompt_tokens": words,
            "completion_tokens": len(SONG_TOKENS) * choices,
            "total_tokens": words + len(SONG_TOKENS) * choices,
        },
    }
    assert complete(client).json()["id"] == "cmpl-fake2"
    assert server.completed == 0, "non-streamed replies are not streams"
    assert server.tokens_sent == []


def test_stream_events_concatenate_to_the_song(server: FakeServer, client: httpx.Client) -> None:
    response = complete(client, stream=True)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["x-request-id"] == "req_fake1"
    chunks = stream_chunks(response.content)
    *token_chunks, finish = chunks
    assert [c["choices"][0]["text"] for c in token_chunks] == list(SONG_TOKENS)
    for chunk in chunks:
        assert list(chunk) == ["id", "object", "created", "model", "choices"], "no usage key"
        assert chunk["id"] == "cmpl-fake1"
        assert chunk["object"] == "text_completion"
        assert chunk["model"] == "fake-instruct"
    assert token_chunks[0]["choices"] == [
        {"text": "\n\n", "index": 0, "logprobs": None, "finish_reason": None}
    ]
    assert finish["choices"] == [
        {"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}
    ]
    assert server.completed == 1
    assert server.disconnects == 0
    assert server.tokens_sent == [len(SONG_TOKENS)]


def test_stream_include_usage(client: httpx.Client) -> None:
    response = complete(
        client, prompt="one two three", stream=True, stream_options={"include_usage": True}
    )

    *chunks, usage_chunk = stream_chunks(response.content)
    assert all(chunk["usage"] is None for chunk in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": len(SONG_TOKENS),
        "total_tokens": 3 + len(SONG_TOKENS),
    }
    assert "".join(c["choices"][0]["text"] for c in chunks) == SONG


def test_stream_n2_interleaves_choices(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=("a", "b", "c"), finish_reason="length"))
    response = complete(client, stream=True, n=2)

    choices = [chunk["choices"][0] for chunk in stream_chunks(response.content)]
    assert [(c["index"], c["text"], c["finish_reason"]) for c in choices] == [
        (0, "a", None),
        (1, "a", None),
        (0, "b", None),
        (1, "b", None),
        (0, "c", None),
        (1, "c", None),
        (0, "", "length"),
        (1, "", "length"),
    ]
    assert server.tokens_sent == [6], "one token event per choice"


def test_queued_replies_are_fifo_then_default() -> None:
    with (
        FakeServer(Reply(tokens=("first",)), default=Reply(tokens=("default",))) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        server.queue(Reply(tokens=("second",)), Reply(tokens=("third",)))
        texts = [complete(client).json()["choices"][0]["text"] for _ in range(5)]
        assert texts == ["first", "second", "third", "default", "default"]

        server.queue(Reply(tokens=("x", "y")))
        server.reset()
        assert server.requests == []
        assert complete(client).json()["choices"][0]["text"] == "default", "reset clears the queue"
        assert complete(client).json()["id"] == "cmpl-fake2", "reset restarts the ids"


def test_error_reply_with_status_and_headers(server: FakeServer, client: httpx.Client) -> None:
    server.queue(
        Reply(status=429, headers={"Retry-After": "2", "x-request-id": "req_custom"}),
        Reply(status=500, error_body=b'{"error":"boom"}'),
        Reply(status=502, error_body=b"<html>bad gateway</html>", content_type="text/html"),
    )

    response = complete(client, stream=True)
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "2"
    assert response.headers.get_list("x-request-id") == ["req_custom"]
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "requests"
    assert error["param"] is None
    assert error["code"] is None

    response = complete(client)
    assert (response.status_code, response.content) == (500, b'{"error":"boom"}')
    response = complete(client)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert response.text == "<html>bad gateway</html>"
    assert server.completed == 0


RAW_BODY = (
    'data: {"choices":[{"text":"Sparkling ✨","index":0}]}\n\n'
    ": a comment\r\n\r\n"
    'data: {"choices":[{"text":" water 💧","index":0}]}\n\n'
    "data: [DONE]\n\n"
).encode()


@pytest.mark.parametrize(
    ("reply", "pieces"),
    [
        (Reply(body=RAW_BODY, chunk_sizes=[1]), len(RAW_BODY)),
        (Reply(body=RAW_BODY, chunk_sizes=[5, 1000]), 2),
        (Reply(body=RAW_BODY), 4),
        (Reply(body=RAW_BODY, random_chunks=7), None),
    ],
)
def test_raw_body_arrives_intact(
    server: FakeServer, client: httpx.Client, reply: Reply, pieces: int | None
) -> None:
    server.queue(reply)
    with client.stream("POST", "/completions", json={"stream": True}) as response:
        received = b"".join(response.iter_raw())

    assert received == RAW_BODY
    assert response.headers["content-type"] == "text/event-stream"
    assert server.completed == 1
    if pieces is not None:
        assert server.tokens_sent == [pieces], "one send per piece"


def test_random_chunks_are_reproducible(server: FakeServer, client: httpx.Client) -> None:
    server.queue(*(Reply(body=RAW_BODY, random_chunks=seed) for seed in (1, 1, 2)))
    for _ in range(3):
        assert complete(client).content == RAW_BODY
    first, again, other = server.tokens_sent
    assert first == again
    assert 1 < first < len(RAW_BODY)
    assert other >= 2


def test_client_disconnect_is_seen_mid_stream(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(delay=0.05))
    seen = 0
    with client.stream("POST", "/completions", json={"prompt": "x", "stream": True}) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen += 1
                if seen == 3:
                    break
    started = time.monotonic()

    assert server.wait_for_disconnect(timeout=2.0)
    assert time.monotonic() - started < 1.0, "seen long before the 1.45 s reply would end"
    assert server.disconnects == 1
    assert server.completed == 0
    [sent] = server.tokens_sent
    assert 3 <= sent < len(SONG_TOKENS)
    # The server is still healthy, and a second disconnect is counted too.
    assert complete(client).status_code == 200
    assert not server.wait_for_disconnect(timeout=0.05, n=2)


def raw_stream_request(port: int) -> socket.socket:
    """A connection with a tiny receive window that has sent a streaming request."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    body = b'{"prompt":"x","stream":true}'
    sock.sendall(
        b"POST /v1/completions HTTP/1.1\r\nhost: fake\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )
    assert sock.recv(100).startswith(b"HTTP/1.1 200 ")
    return sock


def test_reset_during_an_unpaced_stream_is_a_disconnect(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = tuple(f" token{i}" for i in range(50_000))  # ~8 MB: more than the socket buffers
    server.queue(Reply(tokens=tokens))
    sock = raw_stream_request(server.port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
    sock.close()  # with a zero linger: a reset

    assert server.wait_for_disconnect(timeout=2.0)
    [sent] = server.tokens_sent
    assert sent < len(tokens)
    assert server.completed == 0
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == [], (
        "no writes to the dead socket"
    )


def test_stop_does_not_hang_on_a_client_that_stopped_reading() -> None:
    server = FakeServer(
        default=Reply(body=b"x" * (16 << 20), chunk_sizes=[1 << 16], content_type="text/plain")
    ).start()
    with raw_stream_request(server.port):
        time.sleep(0.2)  # the server is now blocked on back-pressure
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0
    [sent] = server.tokens_sent
    assert sent < 256
    gc.collect()  # an unclosed transport would warn here (and fail: warnings are errors)


def test_max_in_flight_with_concurrent_requests(server: FakeServer, client: httpx.Client) -> None:
    server.queue(*(Reply(tokens=("a", "b", "c"), delay=0.1) for _ in range(4)))
    barrier = threading.Barrier(4)

    def one(stream: bool) -> int:
        barrier.wait()
        return complete(client, stream=stream).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(one, [True, True, False, False]))

    assert statuses == [200] * 4
    assert server.max_in_flight == 4
    assert server.completed == 2


def test_requests_are_recorded(server: FakeServer, client: httpx.Client) -> None:
    complete(client, temperature=0.5, stop=["\n"])
    client.post("/completions", content=b"{not json", headers={"x-trace": "t1"})

    first, second = server.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path) == ("POST", "/v1/completions")
    assert first.headers["content-type"] == "application/json"
    assert first.json() == {
        "model": "fake-instruct",
        "prompt": "Hi",
        "temperature": 0.5,
        "stop": ["\n"],
    }
    assert second.body == b"{not json"
    assert second.headers["x-trace"] == "t1"


def test_bad_requests_do_not_use_up_replies(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=("scripted",)))

    response = client.post("/completions", content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert complete(client, n=0).status_code == 400
    assert complete(client, prompt=[]).status_code == 400

    response = client.post("/chat/nope", json={})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "req_fake4"
    assert "'/v1/chat/nope'" in response.json()["error"]["message"]
    assert client.get("/completions").status_code == 405

    assert complete(client).json()["choices"][0]["text"] == "scripted"
    assert len(server.requests) == 6


def test_prompt_token_counting(client: httpx.Client) -> None:
    def prompt_tokens(prompt: object) -> tuple[int, int]:
        body = complete(client, prompt=prompt).json()
        return body["usage"]["prompt_tokens"], len(body["choices"])

    assert prompt_tokens("  spaced   out words ") == (3, 1)
    assert prompt_tokens([1, 2, 3]) == (3, 1)
    assert prompt_tokens([[1, 2], [3]]) == (3, 2)


def test_stop_ends_a_stream_in_flight_quickly() -> None:
    server = FakeServer(default=Reply(delay=0.5)).start()
    with (
        httpx.Client(base_url=server.base_url) as client,
        client.stream("POST", "/completions", json={"stream": True}) as response,
    ):
        lines = response.iter_lines()
        assert next(lines).startswith("data: ")
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 0.45, "before the next token is due"
        assert "data: [DONE]" not in list(lines), "the stream is cut short, not finished"
    assert server.completed == 0
    assert server.tokens_sent == [1]
    with pytest.raises(RuntimeError, match="not running"):
        server.base_url  # noqa: B018


def test_lifecycle_leaves_signal_handlers_alone() -> None:
    handler = signal.getsignal(signal.SIGINT)
    server = FakeServer()
    assert "not running" in repr(server)
    with server:
        assert signal.getsignal(signal.SIGINT) is handler
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.root_url == f"http://127.0.0.1:{server.port}"
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
    assert signal.getsignal(signal.SIGINT) is handler
    server.stop()  # stopping twice is harmless


def test_reply_validation() -> None:
    with pytest.raises(TypeError):
        Reply(tokens="not a sequence of tokens")  # type: ignore[arg-type]  # run-time check
    with pytest.raises(ValueError, match="chunk_sizes"):
        Reply(body=b"x", chunk_sizes=[0])
    with pytest.raises(ValueError, match="status"):
        Reply(status=99)
    with pytest.raises(ValueError, match="delay"):
        Reply(delay=-1)
