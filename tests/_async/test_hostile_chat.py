"""A hostile server over the chat paths: ChatOpenAI, ChatAnthropic and ChatOllama against raw
bytes (``tests._helpers.hostile.HostileServer``, asyncio sockets on 127.0.0.1).

A stream cut inside a frame, a frame that is not JSON, an endless line, a stall before the first
byte and mid-stream, a reset, an end without the terminal event, a body dripped one byte per
write: each is a typed error carrying the text already streamed (or, for the drip, the whole
answer), never a hang. Every test runs under a hard timeout. Written once here; ``make
generate`` writes the sync twin to tests/_sync/.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Final, Literal

import pytest

from rillet import (
    AIMessageChunk,
    APITimeoutError,
    BaseChatModel,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    IncompleteStreamError,
    ResponseTooLargeError,
    RilletError,
    SizeLimits,
    StreamDecodeError,
    StreamInterruptedError,
    StreamTimeoutError,
)
from tests._helpers.hostile import (
    CONTENT_TYPES,
    HostileServer,
    chunk,
    chunked,
    flood,
    frames,
    hard_timeout,
    head,
    hold,
    reset,
    send,
    terminal,
    trickle,
)

pytestmark = pytest.mark.anyio

Chat = Literal["openai", "anthropic", "ollama"]
CHATS: Final[tuple[Chat, ...]] = ("openai", "anthropic", "ollama")
TOKENS = ["Gold", "fish", " are", " calm", "."]
TEXT = "".join(TOKENS)
HARD = 15.0  # the hard bound of every test (a loaded 2-core machine)
SLACK = 0.75  # how far past a timeout a call may end


# -- each chat protocol's frames -----------------------------------------------------------------


def _ollama_line(content: str, *, done: bool = False) -> bytes:
    line: dict[str, object] = {
        "model": "llama-test",
        "message": {"role": "assistant", "content": content},
        "done": done,
    }
    if done:
        line |= {"done_reason": "stop", "prompt_eval_count": 3, "eval_count": 5}
    return json.dumps(line).encode() + b"\n"


def chat_frames(chat: Chat, tokens: list[str]) -> list[bytes]:
    """The frames of a chat stream carrying ``tokens``, without its end."""
    if chat == "openai":
        return frames("chat", tokens)  # the chat completions wire
    if chat == "anthropic":
        return frames("anthropic", tokens)  # the Messages wire
    return [_ollama_line(token) for token in tokens]


def chat_end(chat: Chat) -> list[bytes]:
    """The frames that end a complete chat stream."""
    if chat == "openai":
        return terminal("chat")
    if chat == "anthropic":
        return terminal("anthropic")
    return [_ollama_line("", done=True)]


def stream_head(chat: Chat) -> bytes:
    return head(content_type=CONTENT_TYPES["ollama" if chat == "ollama" else "chat"])


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


Make = Callable[..., BaseChatModel]


@pytest.fixture
async def make(hostile: HostileServer) -> AsyncIterator[Make]:
    """``make(chat, **options)``: that chat model pointed at the hostile server, no retries."""
    models: list[BaseChatModel] = []

    def build(chat: Chat, **options: Any) -> BaseChatModel:
        options.setdefault("max_retries", 0)
        model: BaseChatModel
        if chat == "openai":
            model = ChatOpenAI(base_url=hostile.base_url, api_key="sk-hostile-key", **options)
        elif chat == "anthropic":
            model = ChatAnthropic(
                model="claude-test", base_url=hostile.root_url, api_key="sk-hostile", **options
            )
        else:
            model = ChatOllama(model="llama-test", base_url=hostile.root_url, **options)
        models.append(model)
        return model

    yield build
    for model in models:
        await model.aclose()


async def collect(model: BaseChatModel, received: list[str]) -> AIMessageChunk | None:
    """Stream ``model``'s reply, appending each chunk's text to ``received``; the sum."""
    full: AIMessageChunk | None = None
    async for piece in model.astream("hi"):
        received.append(piece.text)
        full = piece if full is None else full + piece
    return full


async def failed(model: BaseChatModel, received: list[str]) -> tuple[RilletError, float]:
    """The typed error the stream ends with, and when; under the hard timeout."""
    async with hard_timeout(HARD):
        with pytest.raises(RilletError) as caught:
            await collect(model, received)
    return caught.value, time.monotonic()


# -- tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("chat", CHATS)
async def test_a_stream_cut_inside_a_frame_is_incomplete(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    whole = chat_frames(chat, TOKENS[:3])
    half = whole[-1][: len(whole[-1]) // 2]
    hostile.queue([send(stream_head(chat) + chunked(*whole[:-1], half))])  # then a clean EOF
    received: list[str] = []
    error, _ = await failed(make(chat, timeout=5), received)
    assert isinstance(error, IncompleteStreamError), repr(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:2])
    assert error.raw
    assert error.raw in half  # the unterminated tail


WRONG_SHAPE: Final[dict[Chat, bytes]] = {
    "openai": b'{"choices": "not a list"}',
    "anthropic": b'{"type": "content_block_delta", "index": "x", "delta": 3}',
    "ollama": b'{"message": 3, "done": false}',
}


@pytest.mark.parametrize("chat", CHATS)
@pytest.mark.parametrize("kind", ["not json", "wrong shape"])
async def test_a_frame_that_is_not_the_json_expected_is_a_decode_error_naming_it(
    chat: Chat, kind: str, hostile: HostileServer, make: Make
) -> None:
    garbage = b"{not json at all \xff" if kind == "not json" else WRONG_SHAPE[chat]
    frame = garbage + b"\n" if chat == "ollama" else b"data: " + garbage + b"\n\n"
    pieces = chat_frames(chat, TOKENS[:2])
    hostile.queue([send(stream_head(chat) + chunked(*pieces, frame, end=False)), hold()])
    received: list[str] = []
    error, _ = await failed(make(chat, timeout=5), received)
    assert isinstance(error, StreamDecodeError), repr(error)
    assert error.raw == garbage  # the frame at fault
    assert error.partial_text == "".join(received) == "".join(TOKENS[:2])
    assert "undecodable" in str(error)


@pytest.mark.parametrize("chat", CHATS)
async def test_an_endless_line_hits_max_event_bytes(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    endless = b"x" if chat == "ollama" else b"data: x"
    hostile.queue(
        [
            send(stream_head(chat) + chunked(*chat_frames(chat, TOKENS[:2]), end=False)),
            flood(chunk(endless * 4096), 64 * 1024 * 1024),
        ]
    )
    model = make(chat, timeout=5, limits=SizeLimits(max_event_bytes=256 * 1024))
    received: list[str] = []
    error, _ = await failed(model, received)
    assert isinstance(error, ResponseTooLargeError), repr(error)
    assert "max_event_bytes" in str(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:2])
    assert len(error.raw) <= 64 * 1024


@pytest.mark.parametrize("chat", CHATS)
async def test_a_stall_before_the_first_byte_is_a_timeout(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    hostile.queue([hold()])  # the request is read; nothing ever comes back
    error, ended = await failed(make(chat, timeout=0.5), [])
    assert isinstance(error, APITimeoutError), repr(error)
    assert error.partial_text == ""
    # Ends at the read timeout (from the moment the server accepted the connection, so the
    # client's own start-up does not count), not at the hard bound.
    assert ended - hostile.connections[0].opened_at < 0.5 + 2 * SLACK


@pytest.mark.parametrize("chat", CHATS)
async def test_a_stall_mid_stream_is_a_stream_timeout_with_the_partial_text(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    pieces = chat_frames(chat, TOKENS[:3])
    hostile.queue([send(stream_head(chat) + chunked(*pieces, end=False)), hold()])
    received: list[str] = []
    error, _ = await failed(make(chat, timeout=0.5), received)
    assert isinstance(error, StreamTimeoutError), repr(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:3])


@pytest.mark.parametrize("chat", CHATS)
async def test_a_total_timeout_ends_a_stream_that_keeps_trickling(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    body = chunked(*chat_frames(chat, TOKENS * 50), end=False)
    hostile.queue([send(stream_head(chat)), trickle(body, every=0.01, size=8)])
    received: list[str] = []
    error, _ = await failed(make(chat, timeout=5, total_timeout=1.0), received)
    assert isinstance(error, StreamTimeoutError), repr(error)
    assert "total timeout" in str(error)
    assert error.partial_text == "".join(received)
    assert received  # some text came before the deadline


@pytest.mark.parametrize("chat", CHATS)
async def test_a_reset_mid_stream_is_interrupted_with_the_partial_text(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    pieces = chat_frames(chat, TOKENS[:2])
    hostile.queue([send(stream_head(chat) + chunked(*pieces, end=False)), hold(0.2), reset()])
    received: list[str] = []
    error, _ = await failed(make(chat, timeout=5), received)
    assert isinstance(error, StreamInterruptedError), repr(error)
    assert error.partial_text == "".join(received) == "".join(TOKENS[:2])


@pytest.mark.parametrize("chat", CHATS)
async def test_an_end_without_the_terminal_event_is_incomplete(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    # Every token frame, then a clean EOF: no [DONE] / message_stop / "done": true.
    hostile.queue([send(stream_head(chat) + chunked(*chat_frames(chat, TOKENS)))])
    received: list[str] = []
    error, _ = await failed(make(chat, timeout=5), received)
    assert isinstance(error, IncompleteStreamError), repr(error)
    assert error.partial_text == "".join(received) == TEXT


async def test_a_finished_openai_choice_without_done_lost_nothing(
    hostile: HostileServer, make: Make
) -> None:
    # Some llama.cpp builds end without [DONE]; the finish chunk says the answer is whole.
    finish = terminal("chat")[0]
    hostile.queue([send(stream_head("openai") + chunked(*chat_frames("openai", TOKENS), finish))])
    received: list[str] = []
    async with hard_timeout(HARD):
        full = await collect(make("openai", timeout=5), received)
    assert full is not None
    assert (full.text, full.response_metadata.finish_reason) == (TEXT, "stop")


@pytest.mark.parametrize("chat", CHATS)
async def test_a_body_dripped_one_byte_per_write_is_the_whole_answer(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    body = chunked(*chat_frames(chat, TOKENS), *chat_end(chat))
    hostile.queue([send(stream_head(chat)), trickle(body, every=0.0005, size=1)])
    received: list[str] = []
    async with hard_timeout(HARD):
        full = await collect(make(chat, timeout=5), received)
    assert [piece for piece in received if piece] == TOKENS  # one chunk per token, none split
    assert full is not None
    assert full.text == TEXT
    assert full.response_metadata.finish_reason in ("stop", "end_turn")


@pytest.mark.parametrize("chat", CHATS)
async def test_a_whole_answer_that_is_not_json_is_a_decode_error(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    body = b'{"id": "x", "choices": [{"message": '  # cut short
    hostile.queue(
        [send(head(content_type="application/json", chunked=False, length=len(body)) + body)]
    )
    async with hard_timeout(HARD):
        with pytest.raises(StreamDecodeError) as caught:
            await make(chat, timeout=5).ainvoke("hi")
    assert caught.value.raw == body


@pytest.mark.parametrize("chat", CHATS)
async def test_a_whole_answer_cut_short_is_interrupted(
    chat: Chat, hostile: HostileServer, make: Make
) -> None:
    body = b'{"id": "x", "choices": [{"message": '
    # content-length promises more than comes, then the server closes
    hostile.queue(
        [send(head(content_type="application/json", chunked=False, length=len(body) + 100) + body)]
    )
    async with hard_timeout(HARD):
        with pytest.raises(RilletError) as caught:
            await make(chat, timeout=5).ainvoke("hi")
    assert isinstance(caught.value, (StreamInterruptedError, IncompleteStreamError)), repr(
        caught.value
    )
