"""Every approach under test: how it is set up, and one run that returns the full text.

An approach's ``setup(base_url)`` builds its client once (outside the timing) and returns a runner;
``runner.run(n)`` streams one completion of ``n`` tokens and returns everything it received as one
string, which the worker checks against ``workload.expected_text(n)``. Imports happen inside the
setups, so a fresh process pays only for the libraries of the approach it measures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec
from workload import CHAT_MODEL, MODEL, TOOL_PROMPT, prompt_for, tokens

__all__ = ["APPROACHES", "Approach", "AsyncRunner", "SyncRunner"]


async def _anothing() -> None:
    return None


def _nothing() -> None:
    return None


@dataclass
class AsyncRunner:
    run: Callable[[int], Awaitable[str]]
    close: Callable[[], Awaitable[None]] = _anothing


@dataclass
class SyncRunner:
    run: Callable[[int], str]
    close: Callable[[], None] = _nothing


@dataclass(frozen=True)
class Approach:
    key: str
    label: str
    group: str  # rillet | langchain | openai | httpx | floor
    is_async: bool
    setup: Callable[[str], Any]  # base_url -> AsyncRunner (awaitable) or SyncRunner
    n: int | None = None  # a smaller N for paths too slow (or superlinear) for the default
    note: str = ""


APPROACHES: dict[str, Approach] = {}


def approach(
    key: str,
    label: str,
    group: str,
    *,
    is_async: bool,
    n: int | None = None,
    note: str = "",
) -> Callable[[Callable[[str], Any]], Callable[[str], Any]]:
    def register(setup: Callable[[str], Any]) -> Callable[[str], Any]:
        APPROACHES[key] = Approach(key, label, group, is_async, setup, n, note)
        return setup

    return register


# What the typed loops decode: only the fields they use.
class _Choice(msgspec.Struct):
    text: str


class _Chunk(msgspec.Struct):
    choices: list[_Choice]


def _request_body(n: int) -> dict[str, object]:
    return {"model": MODEL, "prompt": prompt_for(n), "stream": True, "max_tokens": n}


# -- rillet ----------------------------------------------------------------------------------


def _rillet_llm(base_url: str) -> Any:
    from rillet import OpenAI

    return OpenAI(base_url=base_url, api_key="x", max_retries=0)


def _rillet_async_llm(base_url: str, *, aiohttp: bool) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """rillet's OpenAI and its closer; with ``aiohttp``, over our own httpx-aiohttp client."""
    if not aiohttp:
        llm = _rillet_llm(base_url)
        return llm, llm.aclose
    import httpx
    from httpx_aiohttp import AiohttpTransport

    from rillet import OpenAI

    client = httpx.AsyncClient(transport=AiohttpTransport(), timeout=httpx.Timeout(600, connect=5))
    llm = OpenAI(base_url=base_url, api_key="x", max_retries=0, http_async_client=client)

    async def close() -> None:
        await llm.aclose()
        await client.aclose()  # a caller's own client stays the caller's to close

    return llm, close


def _rillet_astream(base_url: str, *, aiohttp: bool) -> AsyncRunner:
    llm, close = _rillet_async_llm(base_url, aiohttp=aiohttp)

    async def run(n: int) -> str:
        return "".join([chunk async for chunk in llm.astream(prompt_for(n))])

    return AsyncRunner(run, close)


@approach("rillet.astream", "rillet astream", "rillet", is_async=True)
async def rillet_astream(base_url: str) -> AsyncRunner:
    return _rillet_astream(base_url, aiohttp=False)


@approach("rillet.stream", "rillet stream (sync)", "rillet", is_async=False)
def rillet_stream(base_url: str) -> SyncRunner:
    llm = _rillet_llm(base_url)

    def run(n: int) -> str:
        return "".join(llm.stream(prompt_for(n)))

    return SyncRunner(run, llm.close)


def _rillet_events(base_url: str, version: str, *, aiohttp: bool = False) -> AsyncRunner:
    from rillet import LLMStreamEvent

    llm, close = _rillet_async_llm(base_url, aiohttp=aiohttp)

    async def run(n: int) -> str:
        events = llm.astream_events(prompt_for(n), version=version)
        return "".join([e.data.chunk.text async for e in events if type(e) is LLMStreamEvent])

    return AsyncRunner(run, close)


@approach("rillet.astream_events.v1", "rillet astream_events v1", "rillet", is_async=True)
async def rillet_events_v1(base_url: str) -> AsyncRunner:
    return _rillet_events(base_url, "v1")


@approach("rillet.astream_events.v2", "rillet astream_events v2", "rillet", is_async=True)
async def rillet_events_v2(base_url: str) -> AsyncRunner:
    return _rillet_events(base_url, "v2")


@approach("rillet.stream_events.v2", "rillet stream_events v2 (sync)", "rillet", is_async=False)
def rillet_stream_events(base_url: str) -> SyncRunner:
    from rillet import LLMStreamEvent

    llm = _rillet_llm(base_url)

    def run(n: int) -> str:
        events = llm.stream_events(prompt_for(n), version="v2")
        return "".join([e.data.chunk.text for e in events if type(e) is LLMStreamEvent])

    return SyncRunner(run, llm.close)


def _rillet_chain_events(base_url: str, *, aiohttp: bool) -> AsyncRunner:
    from rillet import ParserStreamEvent, PromptTemplate, StrOutputParser

    llm, close = _rillet_async_llm(base_url, aiohttp=aiohttp)
    chain = PromptTemplate.from_template("{q}") | llm | StrOutputParser()

    async def run(n: int) -> str:
        events = chain.astream_events({"q": prompt_for(n)}, version="v2")
        return "".join([e.data.chunk async for e in events if type(e) is ParserStreamEvent])

    return AsyncRunner(run, close)


@approach(
    "rillet.chain.astream_events.v2",
    "rillet prompt|llm|parser astream_events v2",
    "rillet",
    is_async=True,
)
async def rillet_chain_events(base_url: str) -> AsyncRunner:
    return _rillet_chain_events(base_url, aiohttp=False)


@approach(
    "rillet.chain.stream_events.v2",
    "rillet prompt|llm|parser stream_events v2 (sync)",
    "rillet",
    is_async=False,
)
def rillet_chain_stream_events(base_url: str) -> SyncRunner:
    from rillet import ParserStreamEvent, PromptTemplate, StrOutputParser

    llm = _rillet_llm(base_url)
    chain = PromptTemplate.from_template("{q}") | llm | StrOutputParser()

    def run(n: int) -> str:
        events = chain.stream_events({"q": prompt_for(n)}, version="v2")
        return "".join([e.data.chunk for e in events if type(e) is ParserStreamEvent])

    return SyncRunner(run, llm.close)


# -- a parallel of two model branches (issue 9): both requests in flight at once ---------------

PARALLEL_DELAY = 0.01  # seconds before each token, on both branches
PARALLEL_N = 60  # tokens of the longer branch (the shorter has half): ~0.6 s per run


def _delayed_servers(count: int) -> list[Any]:
    from rillet.testing import FakeServer

    return [FakeServer().start() for _ in range(count)]


def _queue_delayed(server: Any, n: int) -> None:
    from rillet.testing import Reply

    server.queue(Reply(tokens=tokens(n), delay=PARALLEL_DELAY))


@approach(
    "rillet.astream.delayed",
    "rillet astream, one model, 10 ms per token",
    "rillet",
    is_async=True,
    n=PARALLEL_N,
    note="its own FakeServer (rillet.testing) paced at 10 ms per token; the longer branch alone",
)
async def rillet_astream_delayed(base_url: str) -> AsyncRunner:
    from rillet import OpenAI

    [server] = _delayed_servers(1)
    llm = OpenAI(base_url=server.base_url, api_key="x", max_retries=0)

    async def run(n: int) -> str:
        _queue_delayed(server, n)
        return "".join([chunk async for chunk in llm.astream(prompt_for(n))])

    async def close() -> None:
        await llm.aclose()
        server.stop()

    return AsyncRunner(run, close)


@approach(
    "rillet.parallel.astream.delayed",
    "rillet RunnableParallel of two models (n and n/2 tokens), 10 ms per token",
    "rillet",
    is_async=True,
    n=PARALLEL_N,
    note="two FakeServers paced at 10 ms per token; returns the longer branch's text",
)
async def rillet_parallel_astream_delayed(base_url: str) -> AsyncRunner:
    from rillet import OpenAI, RunnableParallel

    long_server, short_server = _delayed_servers(2)
    long_llm = OpenAI(base_url=long_server.base_url, api_key="x", max_retries=0)
    short_llm = OpenAI(base_url=short_server.base_url, api_key="x", max_retries=0)
    parallel: Any = RunnableParallel(long=long_llm, short=short_llm)

    async def run(n: int) -> str:
        _queue_delayed(long_server, n)
        _queue_delayed(short_server, n // 2)
        texts: dict[str, list[str]] = {"long": [], "short": []}
        async for piece in parallel.astream(prompt_for(n)):
            for key, chunk in piece.items():
                texts[key].append(chunk)
        if "".join(texts["short"]) != "".join(tokens(n // 2)):
            raise AssertionError("the short branch's text differs")
        return "".join(texts["long"])

    async def close() -> None:
        await long_llm.aclose()
        await short_llm.aclose()
        long_server.stop()
        short_server.stop()

    return AsyncRunner(run, close)


# -- langchain-openai -------------------------------------------------------------------------


def _langchain_llm(base_url: str) -> Any:
    from langchain_openai import OpenAI

    return OpenAI(base_url=base_url, api_key="x", max_retries=0)


def _lc_chunk_text(chunk: Any) -> str:
    # v2 gives a str for a root LLM and a GenerationChunk when nested; v1 always a str.
    return chunk if isinstance(chunk, str) else str(chunk.text)


@approach("langchain.astream", "langchain-openai astream", "langchain", is_async=True)
async def langchain_astream(base_url: str) -> AsyncRunner:
    llm = _langchain_llm(base_url)

    async def run(n: int) -> str:
        return "".join([chunk async for chunk in llm.astream(prompt_for(n))])

    return AsyncRunner(run)


@approach("langchain.stream", "langchain-openai stream (sync)", "langchain", is_async=False)
def langchain_stream(base_url: str) -> SyncRunner:
    llm = _langchain_llm(base_url)

    def run(n: int) -> str:
        return "".join(llm.stream(prompt_for(n)))

    return SyncRunner(run)


def _langchain_events(base_url: str, version: str) -> AsyncRunner:
    llm = _langchain_llm(base_url)

    async def run(n: int) -> str:
        parts = [
            _lc_chunk_text(e["data"]["chunk"])
            async for e in llm.astream_events(prompt_for(n), version=version)
            if e["event"] == "on_llm_stream"
        ]
        return "".join(parts)

    return AsyncRunner(run)


@approach(
    "langchain.astream_events.v1",
    "langchain-openai astream_events v1",
    "langchain",
    is_async=True,
    n=2000,
    note="superlinear in N; measured at N=2000",
)
async def langchain_events_v1(base_url: str) -> AsyncRunner:
    return _langchain_events(base_url, "v1")


@approach(
    "langchain.astream_events.v2", "langchain-openai astream_events v2", "langchain", is_async=True
)
async def langchain_events_v2(base_url: str) -> AsyncRunner:
    return _langchain_events(base_url, "v2")


@approach(
    "langchain.chain.astream_events.v2",
    "langchain prompt|llm|parser astream_events v2",
    "langchain",
    is_async=True,
)
async def langchain_chain_events(base_url: str) -> AsyncRunner:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import PromptTemplate

    chain = PromptTemplate.from_template("{q}") | _langchain_llm(base_url) | StrOutputParser()

    async def run(n: int) -> str:
        parts = [
            e["data"]["chunk"]
            async for e in chain.astream_events({"q": prompt_for(n)}, version="v2")
            if e["event"] == "on_parser_stream"
        ]
        return "".join(parts)

    return AsyncRunner(run)


# -- openai-python --------------------------------------------------------------------------


@approach("openai.async", "openai-python async stream", "openai", is_async=True)
async def openai_async(base_url: str) -> AsyncRunner:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0)

    async def run(n: int) -> str:
        stream = await client.completions.create(model=MODEL, prompt=prompt_for(n), stream=True)
        parts = [chunk.choices[0].text async for chunk in stream if chunk.choices]
        return "".join(parts)

    return AsyncRunner(run, client.close)


@approach("openai.sync", "openai-python sync stream", "openai", is_async=False)
def openai_sync(base_url: str) -> SyncRunner:
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="x", max_retries=0)

    def run(n: int) -> str:
        stream = client.completions.create(model=MODEL, prompt=prompt_for(n), stream=True)
        return "".join([chunk.choices[0].text for chunk in stream if chunk.choices])

    return SyncRunner(run, client.close)


# -- naive httpx line loops -------------------------------------------------------------------


def _httpx_async_runner(client: Any, base_url: str) -> AsyncRunner:
    url = base_url + "/completions"

    async def run(n: int) -> str:
        parts: list[str] = []
        async with client.stream("POST", url, json=_request_body(n)) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    choices = msgspec.json.decode(data)["choices"]
                    if choices:
                        parts.append(choices[0]["text"])
        return "".join(parts)

    return AsyncRunner(run, client.aclose)


@approach("httpx.async", "naive httpx aiter_lines + msgspec", "httpx", is_async=True)
async def httpx_async(base_url: str) -> AsyncRunner:
    import httpx

    return _httpx_async_runner(httpx.AsyncClient(timeout=600), base_url)


@approach(
    "httpx.async.aiohttp",
    "naive httpx (httpx-aiohttp transport) aiter_lines + msgspec",
    "httpx",
    is_async=True,
)
async def httpx_async_aiohttp(base_url: str) -> AsyncRunner:
    import httpx
    from httpx_aiohttp import AiohttpTransport

    return _httpx_async_runner(
        httpx.AsyncClient(transport=AiohttpTransport(), timeout=600), base_url
    )


@approach("httpx.sync", "naive httpx iter_lines + msgspec (sync)", "httpx", is_async=False)
def httpx_sync(base_url: str) -> SyncRunner:
    import httpx

    client = httpx.Client(timeout=600)
    url = base_url + "/completions"

    def run(n: int) -> str:
        parts: list[str] = []
        with client.stream("POST", url, json=_request_body(n)) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    choices = msgspec.json.decode(data)["choices"]
                    if choices:
                        parts.append(choices[0]["text"])
        return "".join(parts)

    return SyncRunner(run, client.close)


# -- chat models (issue 12): the same tokens as chat completion chunks --------------------------


def _chat_request_body(n: int) -> dict[str, object]:
    return {
        "model": CHAT_MODEL,
        "messages": [{"role": "user", "content": prompt_for(n)}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def _rillet_chat(base_url: str) -> Any:
    from rillet import ChatOpenAI

    return ChatOpenAI(model=CHAT_MODEL, base_url=base_url, api_key="x", max_retries=0)


@approach(
    "rillet.chat.astream.1k",
    "rillet ChatOpenAI astream, N=200 (as the ~1 KB tool-call rows)",
    "rillet",
    is_async=True,
    n=200,
)
@approach("rillet.chat.astream", "rillet ChatOpenAI astream", "rillet", is_async=True)
async def rillet_chat_astream(base_url: str) -> AsyncRunner:
    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        return "".join([chunk.text async for chunk in model.astream(prompt_for(n))])

    return AsyncRunner(run, model.aclose)


@approach("rillet.chat.stream", "rillet ChatOpenAI stream (sync)", "rillet", is_async=False)
def rillet_chat_stream(base_url: str) -> SyncRunner:
    model = _rillet_chat(base_url)

    def run(n: int) -> str:
        return "".join([chunk.text for chunk in model.stream(prompt_for(n))])

    return SyncRunner(run, model.close)


# -- tool calls (issue 13): the same tokens as the fragments of one tool call's arguments -------


def _tool_prompt(n: int) -> str:
    return f"{TOOL_PROMPT} {prompt_for(n)}"


def _echoed(full: Any) -> str:
    text: str = full.tool_calls[0].args["text"]
    return text


@approach(
    "rillet.chat.astream.sum",
    "rillet ChatOpenAI astream, text chunks summed with +",
    "rillet",
    is_async=True,
)
async def rillet_chat_astream_sum(base_url: str) -> AsyncRunner:
    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        full = None
        async for chunk in model.astream(prompt_for(n)):
            full = chunk if full is None else full + chunk
        assert full is not None
        text: str = full.text
        return text

    return AsyncRunner(run, model.aclose)


@approach(
    "rillet.chat.tool.astream.1k",
    "rillet ChatOpenAI astream, one tool call summed with +, ~1 KB of arguments (N=200)",
    "rillet",
    is_async=True,
    n=200,
)
@approach(
    "rillet.chat.tool.astream",
    "rillet ChatOpenAI astream, one tool call summed with + (args parsed once, at the end)",
    "rillet",
    is_async=True,
)
async def rillet_chat_tool_astream(base_url: str) -> AsyncRunner:
    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        full = None
        async for chunk in model.astream(_tool_prompt(n)):
            full = chunk if full is None else full + chunk
        return _echoed(full)

    return AsyncRunner(run, model.aclose)


@approach(
    "rillet.chat.tool.astream.read.1k",
    "rillet ChatOpenAI astream, one tool call, tool_calls read on every chunk, ~1 KB (N=200)",
    "rillet",
    is_async=True,
    n=200,
)
@approach(
    "rillet.chat.tool.astream.read",
    "rillet ChatOpenAI astream, one tool call, tool_calls read on every chunk",
    "rillet",
    is_async=True,
)
async def rillet_chat_tool_astream_read(base_url: str) -> AsyncRunner:
    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        full = None
        async for chunk in model.astream(_tool_prompt(n)):
            full = chunk if full is None else full + chunk
            full.tool_calls  # noqa: B018  # the partial parse a UI showing the arguments pays
        return _echoed(full)

    return AsyncRunner(run, model.aclose)


@approach(
    "rillet.chat.astream_events.v2", "rillet ChatOpenAI astream_events v2", "rillet", is_async=True
)
async def rillet_chat_events(base_url: str) -> AsyncRunner:
    from rillet import ChatModelStreamEvent

    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        events = model.astream_events(prompt_for(n), version="v2")
        return "".join([e.data.chunk.text async for e in events if type(e) is ChatModelStreamEvent])

    return AsyncRunner(run, model.aclose)


@approach(
    "rillet.openaichat.astream", "rillet OpenAIChat astream (str chunks)", "rillet", is_async=True
)
async def rillet_openaichat_astream(base_url: str) -> AsyncRunner:
    from rillet import OpenAIChat

    llm = OpenAIChat(model=CHAT_MODEL, base_url=base_url, api_key="x", max_retries=0)

    async def run(n: int) -> str:
        return "".join([chunk async for chunk in llm.astream(prompt_for(n))])

    return AsyncRunner(run, llm.aclose)


@approach(
    "langchain.chat.astream", "langchain-openai ChatOpenAI astream", "langchain", is_async=True
)
async def langchain_chat_astream(base_url: str) -> AsyncRunner:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        model=CHAT_MODEL, base_url=base_url, api_key="x", max_retries=0, stream_usage=True
    )

    async def run(n: int) -> str:
        return "".join([str(chunk.content) async for chunk in model.astream(prompt_for(n))])

    return AsyncRunner(run)


@approach(
    "httpx.sync.chat", "naive httpx iter_lines + msgspec, chat (sync)", "httpx", is_async=False
)
def httpx_sync_chat(base_url: str) -> SyncRunner:
    import httpx

    client = httpx.Client(timeout=600)
    url = base_url + "/chat/completions"

    def run(n: int) -> str:
        parts: list[str] = []
        with client.stream("POST", url, json=_chat_request_body(n)) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    choices = msgspec.json.decode(data)["choices"]
                    if choices:
                        parts.append(choices[0]["delta"].get("content") or "")
        return "".join(parts)

    return SyncRunner(run, client.close)


# -- lean loops over httpx's bytes: what a client built on httpx can reach ---------------------


def _httpx_bytes_runner(client: Any, base_url: str) -> AsyncRunner:
    url = base_url + "/completions"
    decode = msgspec.json.Decoder(_Chunk).decode

    async def run(n: int) -> str:
        parts: list[str] = []
        pending = b""
        async with client.stream("POST", url, json=_request_body(n)) as response:
            response.raise_for_status()
            async for data in response.aiter_bytes():
                pending = pending + data if pending else data
                *events, pending = pending.split(b"\n\n")
                for event in events:
                    if event.startswith(b"data: ") and event != b"data: [DONE]":
                        choices = decode(event[6:]).choices
                        if choices:
                            parts.append(choices[0].text)
        return "".join(parts)

    return AsyncRunner(run, client.aclose)


@approach("httpx.bytes", "lean httpx aiter_bytes + split + Struct", "httpx", is_async=True)
async def httpx_bytes(base_url: str) -> AsyncRunner:
    import httpx

    return _httpx_bytes_runner(httpx.AsyncClient(timeout=600), base_url)


@approach(
    "httpx.bytes.aiohttp",
    "lean httpx (httpx-aiohttp) aiter_bytes + split + Struct",
    "httpx",
    is_async=True,
)
async def httpx_bytes_aiohttp(base_url: str) -> AsyncRunner:
    import httpx
    from httpx_aiohttp import AiohttpTransport

    return _httpx_bytes_runner(
        httpx.AsyncClient(transport=AiohttpTransport(), timeout=600), base_url
    )


# -- the floor: a bare asyncio socket -------------------------------------------------------------


class FloorClient:
    """HTTP/1.1 by hand over ``asyncio.open_connection``: chunked decoding, ``\\n\\n`` splitting
    and a typed msgspec decode, nothing else. Keeps idle connections for reuse."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path.rstrip("/") + "/completions"
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.decode = msgspec.json.Decoder(_Chunk).decode

    def _request(self, n: int) -> bytes:
        body = msgspec.json.encode(_request_body(n))
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"host: {self.host}:{self.port}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def run(self, n: int) -> str:
        if self.idle:
            reader, writer = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(self._request(n))
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") or b"chunked" not in head.lower():
            raise RuntimeError(f"unexpected response head: {head!r}")
        decode = self.decode
        parts: list[str] = []
        raw = b""  # chunked-encoding bytes not yet consumed
        events = b""  # SSE bytes not yet split into events
        finished = False
        while not finished:
            data = await reader.read(65_536)
            if not data:
                raise ConnectionError("connection closed mid-stream")
            raw = raw + data if raw else data
            pos = 0
            payloads: list[bytes] = []
            while True:
                eol = raw.find(b"\r\n", pos)
                if eol < 0:
                    break
                size = int(raw[pos:eol], 16)
                end = eol + 2 + size
                if end + 2 > len(raw):
                    break
                if size == 0:
                    finished = True
                    pos = end + 2
                    break
                payloads.append(raw[eol + 2 : end])
                pos = end + 2
            raw = raw[pos:]
            events += b"".join(payloads)
            *complete, events = events.split(b"\n\n")
            for event in complete:
                if event.startswith(b"data: ") and event != b"data: [DONE]":
                    choices = decode(event[6:]).choices
                    if choices:
                        parts.append(choices[0].text)
        self.idle.append((reader, writer))
        return "".join(parts)

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


@approach("floor.socket", "bare asyncio socket + msgspec Struct (floor)", "floor", is_async=True)
async def floor_socket(base_url: str) -> AsyncRunner:
    client = FloorClient(base_url)
    return AsyncRunner(client.run, client.close)


# -- issue 15: tracing off must cost nothing -----------------------------------------------------


# The rows "without the tracing seam" run the body of the public call with the one line of the
# seam (`if _tracing.active(): ...`) left out, and nothing else left out: the facade's lookup of
# its twin (per event loop), config, call options, messages, the run id / reply id. So a pair
# (tracing off, without the seam) differs by the seam and one call frame, as the criterion says.


@approach(
    "rillet.chat.astream.untraced",
    "rillet ChatOpenAI astream without the tracing seam (astream's body minus the seam)",
    "rillet",
    is_async=True,
)
async def rillet_chat_astream_untraced(base_url: str) -> AsyncRunner:
    from functools import partial

    from rillet._async.chat_model import _run_id
    from rillet._async.stream import AsyncBatchStream
    from rillet._values.config import ensure_config

    model = _rillet_chat(base_url)

    def astream(input: str) -> Any:  # AsyncBaseChatModel.astream, tracing seam left out
        twin = model._async_twin()  # the facade's lookup of its twin, as model.astream does
        conf = ensure_config(None)
        sink = conf.get("callbacks")
        assert sink is None
        messages = twin._messages(input)
        stop, overrides = twin._call_args(None, {})
        run_id = _run_id(conf.get("run_id"))
        return AsyncBatchStream(partial(twin._chunk_batches, messages, stop, overrides, run_id))

    async def run(n: int) -> str:
        return "".join([chunk.text async for chunk in astream(prompt_for(n))])

    return AsyncRunner(run, model.aclose)


@approach("rillet.chat.ainvoke", "rillet ChatOpenAI ainvoke (tracing off)", "rillet", is_async=True)
async def rillet_chat_ainvoke(base_url: str) -> AsyncRunner:
    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        return (await model.ainvoke(prompt_for(n))).text

    return AsyncRunner(run, model.aclose)


@approach(
    "rillet.chat.ainvoke.untraced",
    "rillet ChatOpenAI ainvoke without the tracing seam (ainvoke's body minus the seam)",
    "rillet",
    is_async=True,
)
async def rillet_chat_ainvoke_untraced(base_url: str) -> AsyncRunner:
    from rillet._async.chat_model import _identified
    from rillet._values.config import ensure_config

    model = _rillet_chat(base_url)

    async def ainvoke(input: str) -> Any:  # AsyncBaseChatModel.ainvoke, tracing seam left out
        twin = model._async_twin()  # the facade's lookup of its twin, as model.ainvoke does
        conf = ensure_config(None)
        sink = conf.get("callbacks")
        assert sink is None
        stop, overrides = twin._call_args(None, {})
        messages = twin._messages(input)
        message = await twin._generate_reply(messages, stop, overrides)
        return _identified(message, conf.get("run_id"))

    async def run(n: int) -> str:
        return str((await ainvoke(prompt_for(n))).text)

    return AsyncRunner(run, model.aclose)


@approach(
    "rillet.chat.astream.traced",
    "rillet ChatOpenAI astream, tracing on (an SDK TracerProvider, no exporter)",
    "rillet",
    is_async=True,
)
async def rillet_chat_astream_traced(base_url: str) -> AsyncRunner:
    from opentelemetry.sdk.trace import TracerProvider

    import rillet.otel

    rillet.otel.instrument(TracerProvider())
    model = _rillet_chat(base_url)

    async def run(n: int) -> str:
        return "".join([chunk.text async for chunk in model.astream(prompt_for(n))])

    async def close() -> None:
        rillet.otel.uninstrument()
        await model.aclose()

    return AsyncRunner(run, close)
