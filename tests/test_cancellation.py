"""Cancelling a stream mid-way: asyncio task cancellation, anyio/trio cancel scopes and timeouts.

Each must close the HTTP response at once (the server sees the client go away), leave the
pool without an active connection, and leave no task behind. Async-only by nature (the sync
twin's ``close()`` mid-stream is tested in tests/_async/test_reliability.py and its twin), so
this file is not generated.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
import pytest

from rillet import OpenAI, PromptTemplate, StrOutputParser
from rillet.testing import FakeServer, Reply
from tests._helpers.leaks import active_connections, living_tasks

pytestmark = pytest.mark.anyio

PROMPT = "Tell me about goldfish."
SLOW = Reply(tokens=["tok"] * 400, delay=0.005)


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture(params=["httpx", "aiohttp"])
async def client(
    request: pytest.FixtureRequest, anyio_backend: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The client under the model: httpx's own transport, and on asyncio also httpx-aiohttp's
    (rillet's default there); trio runs httpx's twice rather than skipping."""
    transport: httpx.AsyncBaseTransport | None = None
    if request.param == "aiohttp" and anyio_backend == "asyncio":
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport()
    async with httpx.AsyncClient(timeout=10.0, transport=transport) as c:
        yield c


@pytest.fixture
def llm(server: FakeServer, client: httpx.AsyncClient) -> OpenAI:
    # The client is the fixture's: the model owns nothing to close.
    return OpenAI(base_url=server.base_url, api_key="sk-test", http_async_client=client)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    with anyio.move_on_after(timeout):
        while not condition():
            await anyio.sleep(0.005)
        return True
    return False


async def assert_released(server: FakeServer, client: httpx.AsyncClient, tasks: int) -> None:
    """The server saw the disconnect, the pool has no active connection, no task is left."""
    assert await until(lambda: server.disconnects == 1)
    assert server.completed == 0
    assert server.tokens_sent[-1] < 400
    assert active_connections(client) == 0
    assert await until(lambda: living_tasks() <= tasks), living_tasks()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asyncio_task_cancel_mid_stream(
    server: FakeServer, client: httpx.AsyncClient, llm: OpenAI
) -> None:
    server.queue(SLOW)
    tasks = living_tasks()
    third = asyncio.Event()
    received: list[str] = []

    async def consume() -> None:
        async for chunk in llm.astream(PROMPT):
            received.append(chunk)
            if len(received) == 3:
                third.set()

    task = asyncio.ensure_future(consume())
    await third.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(received) >= 3
    await assert_released(server, client, tasks)


async def test_cancel_scope_mid_stream(
    server: FakeServer, client: httpx.AsyncClient, llm: OpenAI
) -> None:
    server.queue(SLOW)
    tasks = living_tasks()
    received: list[str] = []
    with anyio.CancelScope() as scope:
        async for chunk in llm.astream(PROMPT):
            received.append(chunk)
            if len(received) == 3:
                scope.cancel()  # the stream's next await is cancelled
    assert scope.cancelled_caught
    # Chunks already read can still come out before the next await that suspends.
    assert 3 <= len(received) < 400
    await assert_released(server, client, tasks)


async def test_move_on_after_mid_stream(
    server: FakeServer, client: httpx.AsyncClient, llm: OpenAI
) -> None:
    server.queue(SLOW)
    tasks = living_tasks()
    received: list[str] = []
    with anyio.move_on_after(0.1) as scope:
        async for chunk in llm.astream(PROMPT):
            received.append(chunk)
    assert scope.cancelled_caught
    assert 0 < len(received) < 400
    await assert_released(server, client, tasks)


async def test_cancelling_a_task_group_mid_chain_events(
    server: FakeServer, client: httpx.AsyncClient, llm: OpenAI
) -> None:
    server.queue(SLOW)
    tasks = living_tasks()
    chain = PromptTemplate.from_template("Tell me about {topic}") | llm | StrOutputParser()
    events = 0

    async def consume() -> None:
        nonlocal events
        async for _ in chain.astream_events({"topic": "goldfish"}):
            events += 1
            if events == 10:
                group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(consume)
    assert 10 <= events < 100  # events already produced may still come out first
    await assert_released(server, client, tasks)


async def test_a_stream_that_was_never_iterated_costs_nothing(
    server: FakeServer, client: httpx.AsyncClient, llm: OpenAI
) -> None:
    stream = llm.astream(PROMPT)
    await stream.aclose()
    assert server.requests == []
    assert active_connections(client) == 0
