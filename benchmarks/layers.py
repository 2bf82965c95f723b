"""rillet's ``astream`` cost per chunk, layer by layer: a ladder of loops, CPU time, interleaved.

    python benchmarks/layers.py                 # N=20000, 15 rounds
    python benchmarks/layers.py --rounds 30 --n 5000

Each rung adds one layer of rillet's path over the httpx-aiohttp transport, on the same stream
from the benchmark server, in one process; rounds run every rung once, in rotated order. The
figure is this process's CPU time per chunk (``time.process_time``: on a shared machine the wall
time also counts other processes' turns), best over the rounds; the step between two rungs is
what the layer costs:

1. transport: ``response.aiter_bytes()`` over httpx-aiohttp, nothing done with the bytes
2. + SSE split: ``SSEDecoder.feed`` on every read
3a. + typed decode only: the reader's msgspec decoder on each event's data, the text kept
3. + decode, chunk construction: the provider's reader (typed msgspec decode, builder, chunk)
4. read loop: ``stream_response`` (the generator that does 2-3, yields chunks, closes the
   response)
5. rillet ``astream``: the LLM's generators and the ``AsyncStream`` wrapper over 4

Rungs 2-3 call rillet's internals directly (they follow the source tree: a dev tool, not part of
``make bench``). Every rung's text is checked against the expected text.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from run import Server
from workload import expected_text, prompt_for

Rung = Callable[[int], Awaitable[str]]


def rungs(base_url: str) -> tuple[dict[str, Rung], Callable[[], Awaitable[None]]]:
    import httpx
    from httpx_aiohttp import AiohttpTransport

    from rillet import OpenAI
    from rillet._abort import Resources
    from rillet._async.read_loop import stream_response
    from rillet._providers.openai.read import CompletionsStreamReader
    from rillet._values.outputs import GenerationBuilder

    client = httpx.AsyncClient(transport=AiohttpTransport(), timeout=600)
    llm = OpenAI(base_url=base_url, api_key="x", max_retries=0, http_async_client=client)
    url = base_url + "/completions"

    def body(n: int) -> dict[str, Any]:
        return {"model": "m", "prompt": prompt_for(n), "stream": True, "max_tokens": n}

    async def transport(n: int) -> str:
        async with client.stream("POST", url, json=body(n)) as response:
            async for _ in response.aiter_bytes():
                pass
        return expected_text(n)  # nothing decoded: nothing to check

    async def sse(n: int) -> str:
        reader = CompletionsStreamReader(GenerationBuilder(), url=url)
        frames = reader.frames
        count = 0
        async with client.stream("POST", url, json=body(n)) as response:
            async for raw in response.aiter_bytes():
                count += len(frames.feed(raw))
        assert count == n + 2, count
        return expected_text(n)

    async def decode_only(n: int) -> str:
        reader = CompletionsStreamReader(GenerationBuilder(), url=url)
        frames, decode = reader.frames, reader._decoder().decode
        parts: list[str] = []
        async with client.stream("POST", url, json=body(n)) as response:
            async for raw in response.aiter_bytes():
                for frame in frames.feed(raw):
                    if frame.data != b"[DONE]":
                        choices = decode(frame.data).choices
                        if choices:
                            parts.append(choices[0].text)
        return "".join(parts)

    async def decode(n: int) -> str:
        builder = GenerationBuilder()
        reader = CompletionsStreamReader(builder, url=url)
        frames, feed = reader.frames, reader.feed
        async with client.stream("POST", url, json=body(n)) as response:
            async for raw in response.aiter_bytes():
                for frame in frames.feed(raw):
                    feed(frame)
        return builder.text(0)

    async def read_loop(n: int) -> str:
        builder = GenerationBuilder()
        request = client.build_request("POST", url, json=body(n))
        chunks = stream_response(
            client,
            request,
            CompletionsStreamReader(builder, url=url),
            max_retries=0,
            resources=Resources(),
        )
        async for _ in chunks:
            pass
        return builder.text(0)

    async def astream(n: int) -> str:
        return "".join([chunk async for chunk in llm.astream(prompt_for(n))])

    async def close() -> None:
        await llm.aclose()
        await client.aclose()

    ladder = {
        "1 transport (aiter_bytes)": transport,
        "2 + SSE split": sse,
        "3a + typed decode only": decode_only,
        "3 + decode, chunk construction": decode,
        "4 read loop (stream_response)": read_loop,
        "5 rillet astream": astream,
    }
    return ladder, close


async def measure(base_url: str, n: int, rounds: int) -> dict[str, list[float]]:
    ladder, close = await asyncio.shield(_setup(base_url))
    samples: dict[str, list[float]] = {name: [] for name in ladder}
    names = list(ladder)
    try:
        for name in names:  # warm-up (and lazy imports)
            assert await ladder[name](n) == expected_text(n), name
        for r in range(rounds):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.process_time()
                text = await ladder[name](n)
                samples[name].append((time.process_time() - start) / n * 1e6)
                assert text == expected_text(n), name
    finally:
        await close()
    return samples


async def _setup(base_url: str) -> tuple[dict[str, Rung], Callable[[], Awaitable[None]]]:
    return rungs(base_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    server = Server([args.n])
    try:
        samples = asyncio.run(measure(server.base_url, args.n, args.rounds))
    finally:
        server.stop()
    print(f"CPU µs/chunk, N={args.n}, {args.rounds} rounds: best (median) and the step it adds")
    previous = 0.0
    for name, values in samples.items():
        best = min(values)
        step = best - previous
        print(f"  {name:34} {best:6.2f} ({statistics.median(values):6.2f})  step {step:+6.2f}")
        previous = best


if __name__ == "__main__":
    main()
