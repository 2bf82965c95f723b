"""``astream``/``astream_events`` made where no event loop runs, iterated on one later.

``s = chat.astream("hi")`` in sync code (a module, a sync helper), then
``asyncio.run(consume(s))``: only iterating needs the loop. The stream binds to the loop that
first reads it (a model's async client belongs to one loop). Async-only by nature: not generated.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import anyio
import pytest

from rillet import (
    AIMessageChunk,
    ChatOpenAI,
    OpenAI,
    PromptTemplate,
    StreamClosedError,
    StrOutputParser,
)
from rillet._async.stream import AsyncStream
from rillet.testing import FakeServer, Reply

T = TypeVar("T")

BACKENDS = ["asyncio", "trio"]
TOKENS = ["Gold", "fish ", "swim."]


async def drain(stream: AsyncIterator[T]) -> list[T]:
    return [item async for item in stream]


def read(stream: AsyncIterator[T], backend: str) -> list[T]:
    """Iterate ``stream`` on a new event loop of ``backend`` (made after the stream)."""
    return anyio.run(drain, stream, backend=backend)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(default=Reply(tokens=TOKENS)) as fake:
        yield fake


def chat_stream(server: FakeServer) -> AsyncStream[AIMessageChunk]:
    chat = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test")
    return chat.astream("hi")


@pytest.mark.parametrize("backend", BACKENDS)
def test_chat_astream_made_without_a_loop(server: FakeServer, backend: str) -> None:
    stream = chat_stream(server)  # no loop runs here
    chunks = read(stream, backend)
    assert "".join(c.text for c in chunks) == "".join(TOKENS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_astream_events_made_without_a_loop(server: FakeServer, backend: str) -> None:
    chat = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test")
    events = read(chat.astream_events("hi"), backend)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "on_chat_model_start"
    assert kinds[-1] == "on_chat_model_end"
    assert kinds.count("on_chat_model_stream") >= len(TOKENS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_llm_and_chain_astream_made_without_a_loop(server: FakeServer, backend: str) -> None:
    llm = OpenAI(base_url=server.base_url, api_key="sk-test")
    assert "".join(read(llm.astream("hi"), backend)) == "".join(TOKENS)
    chain = PromptTemplate.from_template("Say {x}") | llm | StrOutputParser()
    assert "".join(read(chain.astream({"x": "hi"}), backend)) == "".join(TOKENS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_model_streams_on_two_loops_one_after_the_other(
    server: FakeServer, backend: str
) -> None:
    chat = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test")
    first, second = chat.astream("one"), chat.astream("two")
    assert "".join(c.text for c in read(first, backend)) == "".join(TOKENS)
    # The first loop has ended (and closed its client): the second stream binds to its own.
    assert "".join(c.text for c in read(second, backend)) == "".join(TOKENS)
    assert len(server.requests) == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_deferred_stream_closed_before_reading_sends_nothing(
    server: FakeServer, backend: str
) -> None:
    stream = chat_stream(server)

    async def close_then_read() -> None:
        await stream.aclose()
        with pytest.raises(StreamClosedError):
            await stream.__anext__()

    anyio.run(close_then_read, backend=backend)
    assert server.requests == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_options_of_a_deferred_stream_fail_on_the_first_read(
    server: FakeServer, backend: str
) -> None:
    chat = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test")
    stream = chat.astream("hi", temperature="hot")  # type: ignore[arg-type]  # the run-time check is tested
    from rillet import InvalidOptionError

    with pytest.raises(InvalidOptionError, match="temperature"):
        read(stream, backend)
    assert server.requests == []


def test_a_stream_made_inside_a_loop_is_not_deferred(server: FakeServer) -> None:
    made: list[type[object]] = []

    async def main() -> None:
        stream = chat_stream(server)
        made.append(type(stream))
        await drain(stream)

    anyio.run(main)
    assert made[0].__name__ == "AsyncBatchStream"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_temporary_model_streams_to_the_end(server: FakeServer, backend: str) -> None:
    server.queue(Reply(tokens=["tok"] * 30))
    stream = ChatOpenAI(model="m", base_url=server.base_url, api_key="sk-test").astream("hi")

    async def collect_while_reading() -> list[str]:
        texts = []
        async for chunk in stream:
            gc.collect(0)  # the model is gone: the stream must not depend on it
            texts.append(chunk.text)
        return texts

    assert "".join(anyio.run(collect_while_reading, backend=backend)) == "tok" * 30
