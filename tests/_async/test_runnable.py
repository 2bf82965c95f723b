"""The Runnable surface shared by every LLM: batch, fallbacks, custom LLMs, resources."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rillet import LLM, BadRequestError, GenerationChunk, OpenAI, StreamClosedError
from rillet.testing import SONG_TOKENS, FakeServer, Reply

from .conftest import MakeLLM

pytestmark = pytest.mark.anyio

SONG = "".join(SONG_TOKENS)


async def test_batch_max_concurrency_runs_in_waves(server: FakeServer, make_llm: MakeLLM) -> None:
    server.queue(*[Reply(tokens=["a", "b"], delay=0.1)] * 8)
    llm = make_llm()
    prompts = [f"prompt {i}" for i in range(8)]
    outputs = await llm.abatch(prompts, {"max_concurrency": 4})
    assert outputs == ["ab"] * 8
    assert server.max_in_flight == 4  # two waves of four, not eight one after another
    assert sorted(r.json()["prompt"][0] for r in server.requests) == sorted(prompts)  # type: ignore[index]  # JSON bodies are dicts here


async def test_batch_without_limit_runs_everything_at_once(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(*[Reply(tokens=["a"], delay=0.1)] * 5)
    llm = make_llm()
    assert await llm.abatch(["p"] * 5) == ["a"] * 5
    assert server.max_in_flight == 5


async def test_batch_return_exceptions_isolates_each_input(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(tokens=["ok0"]), Reply(status=400), Reply(tokens=["ok2"]))
    llm = make_llm(max_retries=0)
    outputs = await llm.abatch(["a", "b", "c"], {"max_concurrency": 1}, return_exceptions=True)
    assert outputs[0] == "ok0"
    assert isinstance(outputs[1], BadRequestError)
    assert outputs[2] == "ok2"


async def test_batch_without_return_exceptions_raises(
    server: FakeServer, make_llm: MakeLLM
) -> None:
    server.queue(Reply(tokens=["ok0"]), Reply(status=400))
    llm = make_llm(max_retries=0)
    with pytest.raises(BadRequestError):
        await llm.abatch(["a", "b"], {"max_concurrency": 1})


async def test_a_stream_cannot_be_read_after_close(server: FakeServer, make_llm: MakeLLM) -> None:
    llm = make_llm()
    stream = llm.astream("hi")
    async for _ in stream:
        break
    await stream.aclose()
    with pytest.raises(StreamClosedError):
        async for _ in stream:
            pass


async def test_injected_client_is_used_and_left_open(server: FakeServer, make_llm: MakeLLM) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(str(request.url))

    async with httpx.AsyncClient(event_hooks={"request": [hook]}) as client:
        llm = OpenAI(base_url=server.base_url, api_key="k", http_async_client=client)
        assert await llm.ainvoke("hi") == SONG
        await llm.aclose()
        assert not client.is_closed
    assert seen == [f"{server.base_url}/completions"]


async def test_the_model_is_a_context_manager(server: FakeServer, make_llm: MakeLLM) -> None:
    async with OpenAI(base_url=server.base_url, api_key="k") as llm:
        assert await llm.ainvoke("hi") == SONG


class EchoLLM(LLM):
    """Implements only _call: streams as one chunk."""

    def _call(self, prompt: str, stop: list[str] | None = None) -> str:
        return f"echo: {prompt}"


class TokenLLM(LLM):
    """Implements only _stream: streams token by token, invoke joins them."""

    def _stream(
        self, prompt: str, stop: list[str] | None = None
    ) -> Iterator[GenerationChunk | str]:
        for word in prompt.split():
            yield word
            yield GenerationChunk(" ")


async def test_custom_llm_with_call_streams_one_chunk() -> None:
    llm = EchoLLM()
    assert [c async for c in llm.astream("hi there")] == ["echo: hi there"]
    assert await llm.ainvoke("hi") == "echo: hi"
    assert await llm.abatch(["a", "b"]) == ["echo: a", "echo: b"]
    result = await llm.agenerate(["x"])
    assert result.generations[0][0].text == "echo: x"


async def test_custom_llm_with_stream_streams_tokens() -> None:
    llm = TokenLLM()
    assert [c async for c in llm.astream("a b")] == ["a", " ", "b", " "]
    assert await llm.ainvoke("a b") == "a b "


async def test_message_lists_are_flattened_as_langchain_does() -> None:
    llm = EchoLLM()
    out = await llm.ainvoke([("system", "be brief"), {"role": "user", "content": "hi"}])
    assert out == "echo: System: be brief\nHuman: hi"


async def test_invalid_input_type_is_a_clear_error() -> None:
    from rillet import InvalidInputError

    with pytest.raises(InvalidInputError, match="takes a str"):
        await EchoLLM().ainvoke(42)  # type: ignore[arg-type]  # the wrong type is the point
