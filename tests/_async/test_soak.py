"""Soak: 1000 streams, 100 at a time, against the fake server injecting random faults, with
consumers that stop at random points (closing the stream, or just dropping it).

Every stream must end in its full text, in a typed error holding exactly the text received, or
(when the consumer stopped) with a prefix of the full text. Afterwards the pool holds no active
connection, nothing is left running (tasks; threads in the sync twin) and the process has as
many open file descriptors as before. Loopback only; seeded, so a failure reproduces.

Written once here; ``make generate`` writes the sync twin (threads instead of tasks) to
tests/_sync/.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import msgspec
import pytest

from rillet import (
    Anthropic,
    APIConnectionError,
    APITimeoutError,
    BaseLLM,
    EmptyStreamError,
    IncompleteStreamError,
    InternalServerError,
    Ollama,
    OpenAI,
    OpenAIChat,
    RateLimitError,
    ResponseTooLargeError,
    RilletError,
    SizeLimits,
    StreamDecodeError,
    StreamInterruptedError,
    StreamProviderError,
    StreamTimeoutError,
    UnexpectedContentTypeError,
)
from rillet._async_compat import gather_limited, sleep
from rillet.testing import FakeServer, Reply
from tests._helpers.hostile import (
    CONTENT_TYPES,
    HostileServer,
    Provider,
    Request,
    Script,
    chunk,
    chunked,
    flood,
    frames,
    head,
    hold,
    ping,
    repeat,
    route,
    send,
    terminal,
    trickle,
)
from tests._helpers.leaks import active_connections, living_tasks, open_fds

pytestmark = pytest.mark.anyio

STREAMS = 1000
CONCURRENCY = 100
SEED = 20261125
TOKENS = [f"w{i} " for i in range(12)]
FULL = "".join(TOKENS)
READ_TIMEOUT = 0.5  # a stalled stream ends in a read timeout after this long
# What a stream may end in: each fault's own error (the last two when every retry failed).
TYPED = (
    StreamInterruptedError,
    StreamTimeoutError,
    IncompleteStreamError,
    EmptyStreamError,
    StreamProviderError,
    StreamDecodeError,
    UnexpectedContentTypeError,
    RateLimitError,
    InternalServerError,
    APIConnectionError,
)


def random_reply(rng: random.Random) -> Reply:
    """One reply with a random fault (or none), paced by a random small delay."""
    k = rng.randint(0, len(TOKENS))
    delay = rng.choice([0.0, 0.0, 0.001, 0.003])
    kind = rng.choices(
        [
            "none",
            "reset",
            "truncate",
            "error",
            "malformed",
            "stall",
            "html",
            "empty",
            "retryable",
            "refused",
        ],
        weights=[40, 10, 8, 8, 8, 2, 4, 4, 10, 6],
    )[0]
    if kind == "reset":
        return Reply(tokens=TOKENS, delay=delay, reset_after=max(k, 1))
    if kind == "truncate":
        return Reply(tokens=TOKENS, delay=delay, truncate_after=k)
    if kind == "error":
        return Reply(tokens=TOKENS, delay=delay, error_after=k)
    if kind == "malformed":
        return Reply(tokens=TOKENS, delay=delay, malformed_after=k)
    if kind == "stall":
        return Reply(tokens=TOKENS, stall_after=max(k, 1))
    if kind == "html":
        return Reply(tokens=TOKENS, content_type="text/html")
    if kind == "empty":
        return Reply(tokens=TOKENS, truncate_after=0)
    if kind == "retryable":
        status = rng.choice([429, 500, 503, 529])
        return Reply(status=status, headers={"retry-after-ms": "1"})
    if kind == "refused":
        return Reply(reset_after=0)  # before the response: retried
    return Reply(tokens=TOKENS, delay=delay)


async def consume(llm: BaseLLM, seed: int) -> str:
    """Stream once; check the outcome; return its kind ("full", "error", "closed", "dropped")."""
    rng = random.Random(seed)
    stop_after = rng.randint(1, len(TOKENS)) if rng.random() < 0.3 else None
    drop = rng.random() < 0.5
    received: list[str] = []
    stream = llm.astream("soak")
    error: RilletError | None = None
    try:
        async for chunk in stream:
            received.append(chunk)
            if stop_after is not None and len(received) >= stop_after:
                break
    except RilletError as exc:
        error = exc
    if error is not None:
        assert isinstance(error, TYPED), repr(error)
        assert error.partial_text == "".join(received), (error, received)
        return "error"
    text = "".join(received)
    if stop_after is None or len(received) < stop_after:
        assert text == FULL, text
        return "full"
    assert FULL.startswith(text)
    if drop:
        del stream  # abandoned: dropped without closing, as after a bare `break`
        return "dropped"
    await stream.aclose()
    return "closed"


def faulty_server() -> FakeServer:
    """A server whose every reply is a faulty one, and a clean full one once they run out."""
    rng = random.Random(SEED)
    replies = [random_reply(rng) for _ in range(STREAMS)]  # retries take the next ones
    return FakeServer(*replies, default=Reply(tokens=TOKENS))


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with faulty_server() as fake:
        yield fake


async def test_soak(server: FakeServer) -> None:
    await soak(server, httpx.AsyncClient(timeout=TIMEOUT, limits=LIMITS))


TIMEOUT = httpx.Timeout(10.0, read=READ_TIMEOUT)
LIMITS = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)


async def soak(server: FakeServer, client: httpx.AsyncClient) -> None:
    """Run the soak through ``client`` (made just before: the descriptors it opens are counted),
    check every invariant, and close it."""
    fds_before = open_fds()
    tasks_before = living_tasks()
    started = time.monotonic()
    models: list[BaseLLM] = [
        OpenAI(base_url=server.base_url, api_key="sk-soak", http_async_client=client),
        OpenAIChat(base_url=server.base_url, api_key="sk-soak", http_async_client=client),
        Anthropic(
            model="claude-soak",
            base_url=server.root_url,
            api_key="sk-soak",
            http_async_client=client,
        ),
        Ollama(model="llama-soak", base_url=server.root_url, http_async_client=client),
    ]  # each with the default max_retries=2

    thunks = [partial(consume, models[i % len(models)], SEED + i) for i in range(STREAMS)]
    outcomes = Counter(await gather_limited(thunks, limit=CONCURRENCY))
    elapsed = time.monotonic() - started

    assert sum(outcomes.values()) == STREAMS
    assert all(outcomes[kind] > 0 for kind in ("full", "error", "closed", "dropped")), outcomes
    assert server.max_in_flight > CONCURRENCY // 2  # they really ran side by side
    # Streams closed early release their connections at once; dropped ones as soon as the
    # event loop runs the cleanup they left it.
    assert await until(lambda: active_connections(client) == 0), active_connections(client)
    assert await until(lambda: living_tasks() <= tasks_before), living_tasks()
    for model in models:
        await model.aclose()
    await client.aclose()
    assert await until(lambda: open_fds() <= fds_before), (open_fds(), fds_before)
    print(
        f"\nsoak: {STREAMS} streams, {CONCURRENCY} at a time, {elapsed:.1f} s; "
        f"outcomes {dict(outcomes)}; {len(server.requests)} requests; "
        f"open fds {fds_before} before, {open_fds()} after"
    )


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``condition()`` comes true within ``timeout`` s (the event loop runs meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await sleep(0.01)
    return True


# -- the hostile soak: the fault kinds of issue 10, over raw sockets -----------------------------

HOSTILE_FAULTS: dict[str, type[RilletError] | None] = {
    "none": None,
    "pings after the terminal frame": None,
    "held open after the terminal frame": None,
    "trickled headers": APITimeoutError,
    "endless line": ResponseTooLargeError,
    "bad UTF-8": StreamDecodeError,
    "deep JSON": StreamDecodeError,
    "bad chunk size": StreamInterruptedError,
}
EVENT_LIMIT = 64 * 1024
HOSTILE_DEADLINE = 4.0  # total_timeout: ends the trickled headers (and nothing else, even loaded)


def hostile_script(request: Request) -> Script:
    """The script for a request, picked by the fault named in its prompt (``fault|n``)."""
    body = msgspec.json.decode(request.body)
    provider: Provider = "ollama" if "prompt" in body else "chat"
    prompt = body["prompt"] if provider == "ollama" else body["messages"][-1]["content"]
    fault = prompt.split("|")[0]
    start = head(content_type=CONTENT_TYPES[provider])
    pieces = frames(provider, TOKENS)
    if fault == "pings after the terminal frame":
        whole = chunked(*pieces, *terminal(provider), end=False)
        return [send(start + whole), repeat(chunk(ping(provider)), every=0.005, seconds=10)]
    if fault == "held open after the terminal frame":
        return [send(start + chunked(*pieces, *terminal(provider), end=False)), hold(10)]
    if fault == "trickled headers":
        return [trickle(start + b"x-pad: " + b"a" * 400, every=0.02)]  # 10 s
    if fault == "endless line":
        endless = b"x" * 4096 if provider == "ollama" else b"data: " + b"x" * 4090
        return [
            send(start + chunked(*pieces[:3], end=False)),
            flood(chunk(endless), 4 * EVENT_LIMIT),
        ]
    if fault == "bad UTF-8":
        bad = frames(provider, ["\u2603"])[-1].replace("\u2603".encode(), b"\xff\xfe")
        return [send(start + chunked(*pieces[:3], bad))]
    if fault == "deep JSON":
        deep = b"[" * 20_000 + b"]" * 20_000
        event = deep + b"\n" if provider == "ollama" else b"data: " + deep + b"\n\n"
        return [send(start + chunked(*pieces[:3], event))]
    if fault == "bad chunk size":
        return [send(start + chunked(*pieces[:3], end=False)), hold(0.05), send(b"zz\r\n"), hold(5)]
    return [send(start + chunked(*pieces, *terminal(provider)))]


async def consume_hostile(llm: BaseLLM, seed: int) -> str:
    """Stream once with a random fault; check the outcome the fault must have."""
    rng = random.Random(seed)
    fault = rng.choice(list(HOSTILE_FAULTS))
    stop_after = rng.randint(1, len(TOKENS)) if rng.random() < 0.2 else None
    received: list[str] = []
    stream = llm.astream(f"{fault}|{seed}")
    error: RilletError | None = None
    try:
        async for piece in stream:
            received.append(piece)
            if stop_after is not None and len(received) >= stop_after:
                break
    except RilletError as exc:
        error = exc
    if error is not None:
        expected = HOSTILE_FAULTS[fault]
        assert expected is not None, (fault, repr(error))
        assert isinstance(error, expected), (fault, repr(error))
        assert error.partial_text == "".join(received), (fault, error, received)
        return fault
    text = "".join(received)
    if stop_after is not None and len(received) >= stop_after:
        assert FULL.startswith(text)
        await stream.aclose()
        return "stopped"
    assert HOSTILE_FAULTS[fault] is None, (fault, text)
    assert text == FULL, (fault, text)
    return fault


async def test_hostile_soak() -> None:
    with HostileServer(default=[route(hostile_script)]) as server:
        client = httpx.AsyncClient(timeout=httpx.Timeout(10.0), limits=LIMITS)
        fds_before = open_fds()
        tasks_before = living_tasks()
        started = time.monotonic()
        options: dict[str, Any] = {
            "http_async_client": client,
            "max_retries": 0,
            "total_timeout": HOSTILE_DEADLINE,
            "limits": SizeLimits(max_event_bytes=EVENT_LIMIT),
        }
        models: list[BaseLLM] = [
            OpenAIChat(base_url=server.base_url, api_key="sk-soak", **options),
            Ollama(model="llama-soak", base_url=server.root_url, **options),
        ]
        thunks = [
            partial(consume_hostile, models[i % len(models)], SEED + i) for i in range(STREAMS)
        ]
        outcomes = Counter(await gather_limited(thunks, limit=CONCURRENCY))
        elapsed = time.monotonic() - started
        assert sum(outcomes.values()) == STREAMS
        assert all(outcomes[fault] > 0 for fault in HOSTILE_FAULTS), outcomes
        assert await until(lambda: active_connections(client) == 0), active_connections(client)
        assert await until(lambda: living_tasks() <= tasks_before), living_tasks()
        for model in models:
            await model.aclose()
        await client.aclose()
        assert await until(lambda: open_fds() <= fds_before), (open_fds(), fds_before)
    print(
        f"\nhostile soak: {STREAMS} streams, {CONCURRENCY} at a time, {elapsed:.1f} s; {dict(outcomes)}"
    )
