"""A hostile server cannot hang, flood or crash a client (issue 10).

Every test scripts the raw bytes of ``tests.hostile.HostileServer`` (asyncio sockets on
127.0.0.1) and runs each provider's model against it, on asyncio and trio (and, generated, in the
sync twin). Every test that could hang runs under a hard timeout, so a regression fails instead of
stalling the run. Deadlines are asserted with a margin (``SLACK``): "ends at the deadline", not a
speed claim.

Written once here; ``make generate`` writes the sync twin to tests/_sync/.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import msgspec
import pytest

from rillet import (
    Anthropic,
    APIStatusError,
    APITimeoutError,
    BaseLLM,
    ConfigError,
    IncompleteStreamError,
    InternalServerError,
    InvalidInputError,
    Ollama,
    OpenAI,
    OpenAIChat,
    RilletError,
    SizeLimits,
    StreamClosedError,
    StreamDecodeError,
    StreamError,
    StreamInterruptedError,
    StreamTimeoutError,
)
from rillet._async_compat import gather_limited, sleep
from tests._helpers.hostile import (
    CONTENT_TYPES,
    PROVIDERS,
    HostileServer,
    Provider,
    Request,
    chunk,
    chunked,
    flood,
    frames,
    gzip_bomb,
    hard_timeout,
    head,
    hold,
    keep_alive,
    ping,
    repeat,
    respond,
    send,
    stream_body,
    trickle,
    whole_answer,
)

pytestmark = pytest.mark.anyio

TOKENS = ["Gold", "fish", " are", " calm", "."]
TEXT = "".join(TOKENS)
SLACK = 0.75  # how far past a deadline a call may end (a loaded 2-core machine)
HARD = 10.0  # the hard bound of every test that could hang

Make = Callable[..., BaseLLM]


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
async def make(hostile: HostileServer) -> AsyncIterator[Callable[..., BaseLLM]]:
    """``make(provider, **options)``: a model of ``provider`` pointed at the hostile server, with
    no retries unless asked; closed after the test."""
    models: list[BaseLLM] = []

    def build(provider: Provider, **options: Any) -> BaseLLM:
        options.setdefault("max_retries", 0)
        url = options.pop("base_url", hostile.url_for(provider))
        model: BaseLLM
        if provider != "ollama":
            options.setdefault("api_key", "sk-hostile-key")
        if provider == "completions":
            model = OpenAI(base_url=url, **options)
        elif provider == "chat":
            model = OpenAIChat(base_url=url, **options)
        elif provider == "anthropic":
            model = Anthropic(model="claude-test", base_url=url, **options)
        else:
            model = Ollama(model="llama-test", base_url=url, **options)
        models.append(model)
        return model

    yield build
    for model in models:
        await model.aclose()


async def collect(llm: BaseLLM, received: list[str] | None = None) -> str:
    received = [] if received is None else received
    async with llm.astream("hi") as stream:
        async for piece in stream:
            received.append(piece)
    return "".join(received)


def stream_head(provider: Provider) -> bytes:
    return head(content_type=CONTENT_TYPES[provider])


# -- 1. the terminal frame ends the stream -------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_pings_after_the_terminal_frame_do_not_hold_the_stream(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    hostile.queue(
        [
            send(stream_head(provider) + chunked(*stream_body(provider, TOKENS), end=False)),
            repeat(chunk(ping(provider)), every=0.01),
        ]
    )
    llm = make(provider, timeout=3, total_timeout=5)
    async with hard_timeout(HARD):
        assert await collect(llm) == TEXT
    assert hostile.closed_by_client(), "the client kept the connection after the terminal frame"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_body_held_open_after_the_terminal_frame_is_still_a_full_answer(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    hostile.queue(
        [send(stream_head(provider) + chunked(*stream_body(provider, TOKENS), end=False)), hold()]
    )
    llm = make(provider, timeout=3)
    async with hard_timeout(HARD):
        assert await collect(llm) == TEXT  # not a StreamTimeoutError
    assert since_connected(hostile, time.monotonic()) < 3  # did not wait for the read timeout
    assert hostile.closed_by_client()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_drained_stream_leaves_its_connection_reusable(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    body = chunked(*stream_body(provider, TOKENS))
    script = [
        send(head(content_type=CONTENT_TYPES[provider], keep_alive=True) + body),
        keep_alive(),
    ]
    hostile.queue(script, script)
    llm = make(provider, timeout=3)
    async with hard_timeout(HARD):
        assert await collect(llm) == TEXT
        assert await collect(llm) == TEXT
    assert len(hostile.connections) == 1  # the second stream reused the first's connection


# -- 2. total_timeout is a deadline --------------------------------------------------------------

DEADLINE = 1.0


async def timed(call: Callable[[], Any]) -> tuple[RilletError, float]:
    """The error ``call()`` raises and when (``time.monotonic()``); under the hard timeout."""
    async with hard_timeout(HARD):
        with pytest.raises(RilletError) as caught:
            await call()
    return caught.value, time.monotonic()


def since_connected(hostile: HostileServer, ended: float) -> float:
    """How long the call ran after the server accepted its connection: the deadline's span,
    without the client's own start-up (the first call makes its client and SSL context, which a
    loaded machine takes long over). The server shares this process's monotonic clock."""
    return ended - hostile.connections[0].opened_at


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_total_timeout_ends_trickled_headers(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    hostile.queue([trickle(stream_head(provider) + b"x-pad: " + b"a" * 200, every=0.05)])
    llm = make(provider, timeout=10, total_timeout=DEADLINE)
    error, ended = await timed(lambda: collect(llm))
    assert isinstance(error, APITimeoutError), repr(error)
    assert "total timeout" in str(error)
    assert DEADLINE - 0.5 <= since_connected(hostile, ended) < DEADLINE + SLACK


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_total_timeout_ends_a_trickled_error_body(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    body = b'{"error": {"message": "' + b"x" * 400 + b'"}}'

    hostile.queue(
        [
            send(head(500, content_type="application/json", chunked=False, length=len(body))),
            trickle(body, every=0.05),
        ]
    )
    llm = make(provider, timeout=10, total_timeout=DEADLINE)
    error, ended = await timed(lambda: collect(llm))
    assert isinstance(error, APITimeoutError), repr(error)
    assert "total timeout" in str(error)
    assert DEADLINE - 0.5 <= since_connected(hostile, ended) < DEADLINE + SLACK


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_total_timeout_ends_a_trickled_whole_answer(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    body = whole_answer(provider, "x" * 400)

    hostile.queue(
        [
            send(head(content_type="application/json", chunked=False, length=len(body))),
            trickle(body, every=0.05),
        ]
    )
    llm = make(provider, timeout=10, total_timeout=DEADLINE)
    error, ended = await timed(lambda: llm.ainvoke("hi"))
    assert isinstance(error, APITimeoutError), repr(error)
    assert "total timeout" in str(error)
    assert DEADLINE - 0.5 <= since_connected(hostile, ended) < DEADLINE + SLACK


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_total_timeout_ends_a_stall_just_before_the_deadline(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    pieces = frames(provider, TOKENS)

    pause = 0.8 * DEADLINE / len(pieces)
    script = [send(stream_head(provider))]
    for piece in pieces[:-1]:
        script += [send(chunk(piece)), hold(pause)]
    hostile.queue([*script, hold()])  # stalls shortly before the deadline
    llm = make(provider, timeout=10, total_timeout=DEADLINE)
    received: list[str] = []
    error, ended = await timed(lambda: collect(llm, received))
    assert isinstance(error, StreamTimeoutError), repr(error)
    assert "total timeout" in str(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:-1])
    assert DEADLINE - 0.5 <= since_connected(hostile, ended) < DEADLINE + SLACK


# -- 3. a malformed chunk-size line mid-stream ---------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_bad_chunk_size_mid_stream_is_a_typed_error_with_the_partial_text(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    pieces = frames(provider, TOKENS)

    hostile.queue(
        [
            send(stream_head(provider) + chunked(*pieces[:-1], end=False)),
            hold(0.3),  # the bad line comes in a later read, after the body started
            send(b"zz\r\n" + pieces[-1] + b"\r\n"),
            hold(),
        ]
    )
    llm = make(provider, timeout=2)
    received: list[str] = []
    error, _ = await timed(lambda: collect(llm, received))
    assert isinstance(error, StreamInterruptedError), repr(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:-1])


# -- 4. bounded memory ---------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_an_endless_line_hits_max_event_bytes(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    endless = b"x" if provider == "ollama" else b"data: x"

    hostile.queue(
        [
            send(stream_head(provider) + chunked(*frames(provider, TOKENS[:2]), end=False)),
            flood(chunk(endless * 4096), 64 * 1024 * 1024),
        ]
    )
    llm = make(provider, timeout=5, limits=SizeLimits(max_event_bytes=1024 * 1024))
    received: list[str] = []
    error, _ = await timed(lambda: collect(llm, received))
    assert isinstance(error, StreamError), repr(error)
    assert "max_event_bytes" in str(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:2])
    assert len(error.raw) <= 64 * 1024


@pytest.mark.parametrize("provider", ["completions", "chat", "anthropic"])
async def test_data_lines_without_a_blank_line_hit_max_event_bytes(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    hostile.queue(
        [
            send(stream_head(provider) + chunked(*frames(provider, TOKENS[:2]), end=False)),
            flood(chunk(b"data: ab\n" * 4096), 64 * 1024 * 1024),
        ]
    )
    llm = make(provider, timeout=5, limits=SizeLimits(max_event_bytes=1024 * 1024))
    error, _ = await timed(lambda: collect(llm))
    assert isinstance(error, StreamError), repr(error)
    assert "max_event_bytes" in str(error)
    assert error.partial_text == "".join(TOKENS[:2])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_gzip_bomb_error_body_keeps_a_bounded_prefix(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)

    gzipped = [("content-encoding", "gzip")]
    hostile.queue(
        [
            send(
                head(
                    500,
                    content_type="application/json",
                    chunked=False,
                    length=len(bomb),
                    headers=gzipped,
                )
            ),
            send(bomb),
        ]
    )
    llm = make(provider, timeout=5, limits=SizeLimits(max_error_body_bytes=64 * 1024))
    error, _ = await timed(lambda: collect(llm))
    assert isinstance(error, InternalServerError), repr(error)
    assert len(str(error.body)) <= 64 * 1024
    assert "max_error_body_bytes" in str(error)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_huge_whole_answer_hits_max_response_bytes(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    body = whole_answer(provider, "x" * (8 * 1024 * 1024))

    hostile.queue(
        [send(head(content_type="application/json", chunked=False, length=len(body))), send(body)]
    )
    llm = make(provider, timeout=5, limits=SizeLimits(max_response_bytes=1024 * 1024))
    error, _ = await timed(lambda: llm.ainvoke("hi"))
    assert isinstance(error, StreamError), repr(error)
    assert "max_response_bytes" in str(error)
    assert len(error.raw) <= 64 * 1024


# -- 5. every failure is a RilletError -----------------------------------------------------------

BAD_UTF8 = b"\xff\xfe\xc3("


def _with_text(provider: Provider, raw_text: bytes) -> bytes:
    """A frame of ``provider`` whose text is ``raw_text`` put into the JSON string unescaped."""
    marker = "\u2603MARK\u2603"
    frame = frames(provider, [marker])[-1]
    return frame.replace(marker.encode(), raw_text)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_bad_utf8_in_a_stream_event_is_a_decode_error(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    first = frames(provider, TOKENS[:1])
    hostile.queue([send(stream_head(provider) + chunked(*first, _with_text(provider, BAD_UTF8)))])
    llm = make(provider, timeout=5)
    received: list[str] = []
    error, _ = await timed(lambda: collect(llm, received))
    assert isinstance(error, StreamDecodeError), repr(error)
    assert error.partial_text == "".join(received) == TOKENS[0]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_bad_utf8_in_a_whole_answer_is_a_decode_error(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    body = whole_answer(provider, "MARK").replace(b"MARK", BAD_UTF8)

    hostile.queue(
        [send(head(content_type="application/json", chunked=False, length=len(body))), send(body)]
    )
    llm = make(provider, timeout=5)
    error, _ = await timed(lambda: llm.ainvoke("hi"))
    assert isinstance(error, StreamDecodeError), repr(error)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_bad_utf8_in_an_error_body_is_still_the_status_error_and_redacted(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    def echo_key(request: Request) -> bytes:
        key = (
            request.headers.get("authorization", "").removeprefix("Bearer ")
            or request.headers.get("x-api-key", "")
            or "sk-none"
        )
        body = b'{"error": {"message": "bad key ' + key.encode() + b" " + BAD_UTF8 + b'"}}'
        return head(401, content_type="application/json", chunked=False, length=len(body)) + body

    hostile.queue([respond(echo_key)])
    llm = make(provider, timeout=5, api_key="sk-hostile-secret") if provider != "ollama" else None
    llm = llm or make(
        provider, timeout=5, default_headers={"authorization": "Bearer sk-hostile-secret"}
    )
    error, _ = await timed(lambda: collect(llm))
    assert isinstance(error, APIStatusError), repr(error)
    assert error.status_code == 401
    assert "sk-hostile-secret" not in repr(error.body) + str(error)


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_deep_json_anywhere_is_a_typed_error(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    deep = _deep(100_000)
    first = frames(provider, TOKENS[:1])
    event = deep + b"\n" if provider == "ollama" else b"data: " + deep + b"\n\n"
    error_body = b'{"error": {"message": "deep", "detail": ' + _deep(5000) + b"}}"

    in_stream = [send(stream_head(provider) + chunked(*first, event))]
    in_answer = [
        send(head(content_type="application/json", chunked=False, length=len(deep)) + deep)
    ]
    in_error = [
        send(head(400, content_type="application/json", chunked=False, length=len(error_body))),
        send(error_body),
    ]
    hostile.queue(in_stream, in_answer, in_error)
    llm = make(provider, timeout=5, api_key="sk-deep-secret-key") if provider != "ollama" else None
    llm = llm or make(provider, timeout=5, default_headers={"x-api-key": "sk-deep-secret-key"})
    received: list[str] = []
    error, _ = await timed(lambda: collect(llm, received))
    assert isinstance(error, StreamDecodeError), repr(error)
    assert error.partial_text == TOKENS[0]
    error, _ = await timed(lambda: llm.ainvoke("hi"))
    assert isinstance(error, StreamDecodeError), repr(error)
    error, _ = await timed(lambda: collect(llm))
    assert isinstance(error, APIStatusError), repr(error)  # the redactor survived it


MALFORMED_HTTP = {
    "bad status line": b"HTTP/1.1 OK 200\r\n\r\n",
    "not http": b"SSH-2.0-OpenSSH_9.6\r\n",
    "oversized headers": b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * (1024 * 1024) + b"\r\n\r\n",
}


@pytest.mark.parametrize("fault", sorted(MALFORMED_HTTP))
async def test_malformed_http_is_a_connection_error(
    fault: str, hostile: HostileServer, make: Make
) -> None:
    hostile.queue([send(MALFORMED_HTTP[fault]), hold(1)])
    llm = make("chat", timeout=3)
    error, _ = await timed(lambda: collect(llm))
    assert isinstance(error, RilletError), repr(error)
    assert "chat/completions" in str(error)


async def test_a_negative_index_in_a_whole_answer_is_a_decode_error(
    hostile: HostileServer, make: Make
) -> None:
    body = whole_answer("completions", "hi").replace(b'"index":0', b'"index":-5')

    hostile.queue(
        [send(head(content_type="application/json", chunked=False, length=len(body))), send(body)]
    )
    error, _ = await timed(lambda: make("completions", timeout=3).ainvoke("hi"))
    assert isinstance(error, StreamDecodeError), repr(error)


async def test_aclose_from_another_task_ends_the_waiting_read(
    hostile: HostileServer, make: Make
) -> None:
    hostile.queue(
        [send(stream_head("chat") + chunked(*frames("chat", TOKENS[:1]), end=False)), hold()]
    )
    stream = make("chat", timeout=10).astream("hi")
    received: list[str] = []
    errors: list[RilletError] = []

    async def consume() -> None:
        try:
            async for piece in stream:
                received.append(piece)
        except RilletError as exc:
            errors.append(exc)

    async def close_once_started() -> None:
        while not received:
            await sleep(0.01)
        await sleep(0.1)  # the consumer now waits for the next read
        await stream.aclose()

    async with hard_timeout(HARD):
        await gather_limited([consume, close_once_started], limit=2)
    assert received == TOKENS[:1]
    assert len(errors) == 1
    assert isinstance(errors[0], StreamClosedError), errors
    assert hostile.closed_by_client()


async def test_a_second_consumer_is_refused_and_the_first_goes_on(
    hostile: HostileServer, make: Make
) -> None:
    pieces = stream_body("chat", TOKENS)
    hostile.queue(
        [
            send(stream_head("chat") + chunked(pieces[0], end=False)),
            hold(0.5),
            send(chunked(*pieces[1:])),
        ]
    )
    stream = make("chat", timeout=10).astream("hi")
    first: list[str] = []
    refused: list[RilletError] = []

    async def read_all() -> None:
        async for piece in stream:
            first.append(piece)

    async def read_too() -> None:
        while not first:
            await sleep(0.01)
        try:
            await stream.__anext__()
        except RilletError as exc:
            refused.append(exc)

    async with hard_timeout(HARD):
        await gather_limited([read_all, read_too], limit=2)
    assert "".join(first) == TEXT
    assert len(refused) == 1
    assert isinstance(refused[0], StreamClosedError), refused


# -- caller input: every mistake is a RilletError at the call (or construction) ------------------


class _Odd(str):
    pass


class _NotAStringPrompt:
    def to_string(self) -> object:
        return 42


async def test_caller_input_mistakes_are_typed_errors(hostile: HostileServer, make: Make) -> None:
    answer = whole_answer("chat", TEXT)
    hostile.default = [
        send(head(content_type="application/json", chunked=False, length=len(answer)) + answer)
    ]
    llm = make("chat", timeout=5)
    async with hard_timeout(HARD):
        assert await llm.ainvoke(_Odd("a str subclass")) == TEXT  # sent as the plain str
        assert hostile.connections[-1].requests[-1].body.count(b"a str subclass") == 1
        with pytest.raises(InvalidInputError, match="surrogate"):
            await llm.ainvoke("lone \ud800 surrogate")
        with pytest.raises(ConfigError, match="stop"):
            await llm.ainvoke("hi", stop=5)  # type: ignore[arg-type]  # the mistake under test
        with pytest.raises(InvalidInputError, match="to_string"):
            await llm.ainvoke(_NotAStringPrompt())  # type: ignore[arg-type]  # the mistake under test
    with pytest.raises(ConfigError, match="ASCII"):
        make("chat", default_headers={"x-team": "équipe"})
    with pytest.raises(ConfigError, match="timeout"):
        make("chat", timeout=-1)


# -- 6. credentials in base_url ------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_basic_auth_in_base_url_is_sent_as_a_header(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    seen: list[str] = []

    def answer(request: Request) -> bytes:
        seen.append(request.headers.get("authorization", ""))
        return stream_head(provider) + chunked(*stream_body(provider, TOKENS))

    hostile.queue([respond(answer)])
    url = hostile.url_for(provider).replace("http://", "http://proxyuser:proxy-secret-pw@")
    llm = make(provider, timeout=5, base_url=url)
    async with hard_timeout(HARD):
        assert await collect(llm) == TEXT
    assert seen[0].startswith("Basic ")  # proxyuser:proxy-secret-pw, base64


# -- 10. credentials in default_headers and in base_url are secrets ------------------------------


async def test_credentials_in_headers_and_url_never_show(
    hostile: HostileServer, make: Make
) -> None:
    def echo(request: Request) -> bytes:
        said = f"denied: {request.headers.get('api-key')} {request.headers.get('authorization')}"
        body = msgspec.json.encode({"error": {"message": said}})
        return head(401, content_type="application/json", chunked=False, length=len(body)) + body

    hostile.queue([respond(echo)])
    url = hostile.base_url.replace("http://", "http://proxyuser:proxy-secret-pw@")
    llm = make("chat", base_url=url, default_headers={"api-key": "azure-key-1234567890"})
    settings = getattr(llm, "settings")  # noqa: B009 - BaseLLM does not declare it
    error, _ = await timed(lambda: collect(llm))
    assert isinstance(error, APIStatusError)
    shown = [
        repr(llm),
        repr(settings),
        repr(msgspec.structs.asdict(settings)),
        str(error),
        error.url,
        repr(error.body),
        repr(error.headers),
    ]
    for secret in ("proxy-secret-pw", "azure-key-1234567890", "cHJveHl1c2VyOnByb3h5LXNlY3JldC1wdw"):
        assert not any(secret in text for text in shown), (secret, shown)


# -- minor: a stream cut inside a frame is incomplete, for every provider ------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_stream_cut_inside_a_frame_is_incomplete(
    provider: Provider, hostile: HostileServer, make: Make
) -> None:
    whole = frames(provider, TOKENS[:3])
    half = whole[-1][: len(whole[-1]) // 2]
    hostile.queue([send(stream_head(provider) + chunked(*whole[:-1], half))])  # then a clean EOF
    llm = make(provider, timeout=5)
    received: list[str] = []
    error, _ = await timed(lambda: collect(llm, received))
    assert isinstance(error, IncompleteStreamError), repr(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:2])
