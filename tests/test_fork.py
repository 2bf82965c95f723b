"""Fork and thread safety (issue 10, findings 7 and 9): after a warm-up stream, a forked child and its parent stream
at once on one model, each getting its own text back.

The server echoes each prompt as the streamed text over keep-alive connections, so a child that
reused the parent's pooled connection would read the parent's answers (or a broken status line).
``os.register_at_fork`` makes the child drop the clients it inherited (without closing them: the
parent's connections stay intact) and open its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Iterator

import httpx
import msgspec
import pytest

from rillet import OpenAIChat
from tests._helpers.hostile import (
    HostileServer,
    Request,
    chunked,
    head,
    keep_alive,
    respond,
    stream_body,
)

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork: POSIX only"),
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

STREAMS = 30


def _echo(request: Request) -> bytes:
    body = msgspec.json.decode(request.body)
    prompt = body["messages"][-1]["content"]
    return head(keep_alive=True) + chunked(*stream_body("chat", [prompt]))


@pytest.fixture
def echo_server() -> Iterator[HostileServer]:
    with HostileServer(default=[respond(_echo), keep_alive()]) as server:
        yield server


def _parent_and_child(streams: Callable[[str], list[str]]) -> tuple[list[str], int]:
    """Run ``streams`` in a forked child and in this process at once; the parent's wrong answers
    and the child's exit code (0: all its answers right)."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 2
        try:
            code = 1 if streams("child") else 0
        finally:
            os._exit(code)
    wrong = streams("parent")
    _, status = os.waitpid(pid, 0)
    return wrong, os.waitstatus_to_exitcode(status)


def test_a_forked_child_does_not_share_the_sync_pool(echo_server: HostileServer) -> None:
    llm = OpenAIChat(base_url=echo_server.base_url, api_key="sk-fork", max_retries=0, timeout=10)
    assert "".join(llm.stream("warm-up")) == "warm-up"  # a pooled keep-alive connection now

    def streams(who: str) -> list[str]:
        prompts = [f"{who}-{i}" for i in range(STREAMS)]
        return [p for p in prompts if "".join(llm.stream(p)) != p]

    wrong, child_exit = _parent_and_child(streams)
    assert wrong == []
    assert child_exit == 0
    llm.close()


def test_a_forked_child_does_not_share_the_async_pool(echo_server: HostileServer) -> None:
    llm = OpenAIChat(base_url=echo_server.base_url, api_key="sk-fork", max_retries=0, timeout=10)

    async def stream(prompt: str) -> str:
        return "".join([piece async for piece in llm.astream(prompt)])

    loop = asyncio.new_event_loop()  # the parent's loop stays open across the fork
    try:
        assert loop.run_until_complete(stream("warm-up")) == "warm-up"

        def streams(who: str) -> list[str]:
            prompts = [f"{who}-{i}" for i in range(STREAMS)]
            if who == "child":  # a child starts its own loop
                return asyncio.run(_wrong(prompts, stream))
            return loop.run_until_complete(_wrong(prompts, stream))

        wrong, child_exit = _parent_and_child(streams)
        loop.run_until_complete(llm.aclose())
    finally:
        loop.close()
    assert wrong == []
    assert child_exit == 0


async def _wrong(prompts: list[str], stream: Callable[[str], Awaitable[str]]) -> list[str]:
    return [prompt for prompt in prompts if await stream(prompt) != prompt]


def test_first_use_from_many_threads_makes_one_client(
    echo_server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 9: 50 threads making the first call at once share one lazily made client."""
    llm = OpenAIChat(base_url=echo_server.base_url, api_key="sk-threads", max_retries=0)
    made: list[object] = []
    new_client = llm._new_client

    def counting() -> httpx.Client:
        client = new_client()
        made.append(client)
        return client

    monkeypatch.setattr(llm, "_new_client", counting)
    start = threading.Barrier(50)
    answers: list[str] = []

    def first_call(i: int) -> None:
        start.wait()
        answers.append("".join(llm.stream(f"t{i}")))

    threads = [threading.Thread(target=first_call, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    llm.close()
    assert sorted(answers) == sorted(f"t{i}" for i in range(50))
    assert len(made) == 1
