"""Run in a subprocess by tests/test_quiet.py, with ``-W always``: one way of using a model that
used to print on stderr (issue 10, finding 8). Prints the texts; stderr must stay empty.

    python -W always -m tests._helpers.noise_probe <case>
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading

import trio

from rillet import OpenAI
from rillet.testing import FakeServer, Reply


def main(case: str) -> None:
    with FakeServer(default=Reply(tokens=["a", "b"])) as server:
        url = server.base_url
        if case == "temporary model":

            async def temporary() -> list[str]:
                return [c async for c in OpenAI(base_url=url, api_key="k").astream("hi")]

            print(asyncio.run(temporary()))
            return
        llm = OpenAI(base_url=url, api_key="k")

        async def stream() -> list[str]:
            return [c async for c in llm.astream("hi")]

        if case == "two threads' asyncio.run":
            out: list[list[str]] = []
            threads = [
                threading.Thread(target=lambda: out.append(asyncio.run(stream()))) for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            print(out)
        elif case == "asyncio.run and trio.run twice":
            print(asyncio.run(stream()), asyncio.run(stream()), trio.run(stream), trio.run(stream))
        elif case == "an exception escaping astream_events":

            async def events() -> None:
                async for _ in llm.astream_events("hi"):
                    raise KeyError("the caller's own code failed")

            try:
                asyncio.run(events())
            except KeyError:
                print("raised")
        llm.close()
    gc.collect()


if __name__ == "__main__":
    main(sys.argv[1])
