"""The fake server's scripted faults (`Reply.reset_after`, `stall_after`, `truncate_after`,
`error_after`, `malformed_after`, `content_type`), seen from a plain httpx client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import msgspec
import pytest

from rillet.testing import FakeServer, Reply

TOKENS = ("a", "b", "c", "d", "e")


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture
def client(server: FakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root_url, timeout=httpx.Timeout(5.0, read=0.3)) as c:
        yield c


ROUTES: dict[str, tuple[str, dict[str, object]]] = {
    "completions": ("/v1/completions", {"model": "m", "prompt": "p", "stream": True}),
    "chat": (
        "/v1/chat/completions",
        {"model": "m", "messages": [{"role": "user", "content": "p"}], "stream": True},
    ),
    "anthropic": (
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 9,
            "messages": [{"role": "user", "content": "p"}],
            "stream": True,
        },
    ),
    "ollama": ("/api/generate", {"model": "m", "prompt": "p"}),
}


def read(client: httpx.Client, route: str, *, stream: bool = True) -> tuple[httpx.Response, bytes]:
    """POST to ``route`` and read the body as it comes; transport errors propagate."""
    path, body = ROUTES[route]
    with client.stream("POST", path, json={**body, "stream": stream}) as response:
        data = b"".join(response.iter_bytes())
    return response, data


def texts(route: str, body: bytes) -> list[str]:
    """The token texts in a (possibly cut) body of ``route``'s protocol."""
    found: list[str] = []
    for line in body.splitlines():
        payload = line.removeprefix(b"data: ")
        try:
            event = msgspec.json.decode(payload)
        except msgspec.DecodeError:
            continue
        if not isinstance(event, dict):
            continue
        if route == "completions":
            found += [c["text"] for c in event.get("choices", []) if c["text"]]
        elif route == "chat":
            found += [
                c["delta"]["content"] for c in event.get("choices", []) if c["delta"].get("content")
            ]
        elif route == "anthropic" and event.get("type") == "content_block_delta":
            found.append(event["delta"]["text"])
        elif route == "ollama" and event.get("response"):
            found.append(event["response"])
    return found


@pytest.mark.parametrize("route", list(ROUTES))
def test_reset_after_k_tokens(server: FakeServer, client: httpx.Client, route: str) -> None:
    server.queue(Reply(tokens=TOKENS, reset_after=2))
    path, body = ROUTES[route]
    received = b""
    with (
        pytest.raises(httpx.ReadError, match="reset"),
        client.stream("POST", path, json=body) as response,
    ):
        assert response.status_code == 200
        for piece in response.iter_bytes():
            received += piece
    assert texts(route, received) == ["a", "b"]
    assert server.tokens_sent == [2]
    assert server.completed == server.disconnects == 0


@pytest.mark.parametrize("stream", [True, False])
def test_reset_before_the_response(server: FakeServer, client: httpx.Client, stream: bool) -> None:
    server.queue(Reply(tokens=TOKENS, reset_after=0 if stream else 3))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        read(client, "completions", stream=stream)
    assert len(server.requests) == 1
    assert read(client, "completions")[0].status_code == 200  # the next request is served


def test_stall_after_k_tokens(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=TOKENS, stall_after=3))
    received = b""
    with (
        pytest.raises(httpx.ReadTimeout),
        client.stream("POST", "/v1/completions", json=ROUTES["completions"][1]) as r,
    ):
        for piece in r.iter_bytes():
            received += piece
    assert texts("completions", received) == ["a", "b", "c"]
    assert server.wait_for_disconnect()  # it held the connection open until the client left
    assert server.tokens_sent == [3]


def test_stall_before_the_response(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(stall_after=0))
    with pytest.raises(httpx.ReadTimeout):
        read(client, "chat")


@pytest.mark.parametrize("route", list(ROUTES))
def test_truncate_after_k_tokens(server: FakeServer, client: httpx.Client, route: str) -> None:
    server.queue(Reply(tokens=TOKENS, truncate_after=3))
    response, body = read(client, route)
    assert response.status_code == 200
    assert texts(route, body) == ["a", "b", "c"]
    for terminal in (b"[DONE]", b"message_stop", b'"done":true'):
        assert terminal not in body
    assert server.completed == 1


def test_truncate_after_zero_is_an_empty_body(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=TOKENS, truncate_after=0))
    response, body = read(client, "completions")
    assert (response.status_code, body) == (200, b"")
    assert response.headers["content-type"] == "text/event-stream"


@pytest.mark.parametrize(
    ("route", "error"),
    [
        ("completions", b'data: {"error":{"message":"boom","type":"server_error"'),
        ("chat", b'data: {"error":{"message":"boom","type":"server_error"'),
        ("anthropic", b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"'),
        ("ollama", b'{"error":"boom"}\n'),
    ],
)
def test_error_after_k_tokens(
    server: FakeServer, client: httpx.Client, route: str, error: bytes
) -> None:
    server.queue(Reply(tokens=TOKENS, error_after=2, error_message="boom"))
    _, body = read(client, route)
    assert texts(route, body) == ["a", "b"]
    assert error in body
    assert body.rstrip().endswith(b"}")  # the error event is the last thing sent


@pytest.mark.parametrize("route", list(ROUTES))
def test_malformed_after_k_tokens(server: FakeServer, client: httpx.Client, route: str) -> None:
    server.queue(Reply(tokens=TOKENS, malformed_after=1))
    _, body = read(client, route)
    assert texts(route, body) == list(TOKENS)  # the stream carries on after the bad event
    undecodable = []
    for line in body.splitlines():
        payload = line.removeprefix(b"data: ")
        if payload.startswith(b"{"):
            try:
                msgspec.json.decode(payload)
            except msgspec.DecodeError:
                undecodable.append(payload)
    assert len(undecodable) == 1


def test_content_type_replaces_a_rendered_streams(server: FakeServer, client: httpx.Client) -> None:
    server.queue(Reply(tokens=TOKENS, content_type="text/html; charset=utf-8"))
    response, body = read(client, "completions")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert texts("completions", body) == list(TOKENS)


def test_retry_after_for_the_first_m_requests(server: FakeServer, client: httpx.Client) -> None:
    server.queue(*[Reply(status=503, headers={"retry-after": "1"})] * 2)
    statuses = [read(client, "completions")[0] for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["retry-after"] == "1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reset_after": 1, "stall_after": 2}, "one of"),
        ({"truncate_after": 1, "error_after": 1}, "one of"),
        ({"reset_after": -1}, ">= 0"),
        ({"malformed_after": -2}, ">= 0"),
    ],
)
def test_fault_validation(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Reply(**kwargs)  # type: ignore[arg-type]  # the test's own keyword arguments
