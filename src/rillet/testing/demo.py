"""``make demo``: the seed's three examples, unchanged apart from the import.

Without ``OPENAI_API_KEY`` they run against rillet's fake OpenAI server, started on 127.0.0.1
(real HTTP); with it, against OpenAI itself.
"""

from __future__ import annotations

import asyncio
import os

from rillet import OpenAI
from rillet.testing import FakeServer


def run_examples() -> None:
    # --- the seed's examples (LangChain's "stream responses from an LLM"), only the import differs
    llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)
    for chunk in llm.stream("Write me a 1 verse song about sparkling water."):
        print(chunk, end="|", flush=True)
    print("\n")

    async def main() -> None:
        async for chunk in llm.astream("Write me a 1 verse song about sparkling water."):
            print(chunk, end="|", flush=True)
        print("\n")

        idx = 0
        async for event in llm.astream_events(
            "Write me a 1 verse song about goldfish on the moon", version="v1"
        ):
            idx += 1
            if idx >= 5:  # Truncate the output
                print("...Truncated")
                break
            print(event)

    asyncio.run(main())
    llm.close()


def main() -> None:
    if os.environ.get("OPENAI_API_KEY"):
        print("OPENAI_API_KEY is set: streaming from OpenAI.\n")
        run_examples()
        return
    with FakeServer() as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url
        os.environ["OPENAI_API_KEY"] = "sk-fake-demo-key"
        print(
            f"No OPENAI_API_KEY: streaming from rillet's fake OpenAI server at {server.base_url}\n"
        )
        try:
            run_examples()
        finally:
            del os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"]


if __name__ == "__main__":
    main()
