"""Client-side rate limiting (issue 10): ``rate_limiter=RateLimiter(...)`` on a model is shared by
its bindings, honoured by ``batch``/``abatch`` and by retries.

The window property is asserted on timestamps recorded as each request leaves the client (an
httpx request hook), not as a bound on speed: in no one-second window are there more requests
than the rate allows. Written once here; ``make generate`` writes the sync twin.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Iterator

import httpx
import pytest

from rillet import ConfigError, OpenAIChat, RateLimiter
from tests._helpers.hostile import HostileServer, head, keep_alive, send, whole_answer

pytestmark = pytest.mark.anyio

RATE = 50
CALLS = 200


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    answer = whole_answer("chat", "ok")
    reply = head(
        content_type="application/json", chunked=False, length=len(answer), keep_alive=True
    )
    with HostileServer(default=[send(reply + answer), keep_alive()]) as server:
        yield server


def most_in_one_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(bisect.bisect_left(stamps, t + 1.0) - i for i, t in enumerate(stamps))


async def test_200_calls_at_50_per_second_never_exceed_the_rate(hostile: HostileServer) -> None:
    stamps: list[float] = []

    async def record(request: httpx.Request) -> None:
        stamps.append(time.monotonic())

    limiter = RateLimiter(requests_per_second=RATE)
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as client:
        llm = OpenAIChat(
            base_url=hostile.base_url,
            api_key="sk-rate",
            rate_limiter=limiter,
            http_async_client=client,
        )
        bound = llm.bind(stop=["\n"])  # a binding shares its model's limiter
        started = time.monotonic()
        half = CALLS // 2
        answers = await llm.abatch(["x"] * half, config={"max_concurrency": 16})
        answers += await bound.abatch(["y"] * half, config={"max_concurrency": 16})
        elapsed = time.monotonic() - started
    assert answers == ["ok"] * CALLS
    assert len(stamps) == CALLS
    assert most_in_one_second(stamps) <= RATE
    assert elapsed >= (CALLS - 1) / RATE - 0.05  # it did wait: about 4 s
    print(
        f"\n{CALLS} calls at {RATE}/s: {elapsed:.2f} s, at most {most_in_one_second(stamps)} in 1 s"
    )


async def test_retries_wait_for_the_limiter_too(hostile: HostileServer) -> None:
    stamps: list[float] = []

    async def record(request: httpx.Request) -> None:
        stamps.append(time.monotonic())

    error = b'{"error": {"message": "busy"}}'
    busy = head(503, content_type="application/json", chunked=False, length=len(error))
    hostile.queue([send(busy + error)], [send(busy + error)])
    limiter = RateLimiter(requests_per_second=4)
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as client:
        llm = OpenAIChat(
            base_url=hostile.base_url,
            api_key="sk-rate",
            rate_limiter=limiter,
            http_async_client=client,
            max_retries=2,
        )
        assert await llm.ainvoke("x") == "ok"  # two 503s, retried, then the answer
    assert len(stamps) == 3
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.25 - 0.01, gaps  # 4 per second: never closer than 0.25 s


def test_rate_limiter_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match="requests_per_second"):
        RateLimiter(requests_per_second=0)
    with pytest.raises(ConfigError, match="tokens_per_minute"):
        RateLimiter(requests_per_second=1, tokens_per_minute=-5)
    with pytest.raises(ConfigError, match="rate_limiter"):
        OpenAIChat(api_key="k", base_url="http://127.0.0.1:9/v1", rate_limiter=5)  # type: ignore[arg-type]  # the mistake under test
