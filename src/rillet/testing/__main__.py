"""Serve the fake OpenAI-compatible server until Ctrl-C: ``python -m rillet.testing [--port N]``.

Prints the OpenAI base URL (``http://127.0.0.1:<port>/v1``) on stdout; Anthropic and Ollama
clients take the root (without ``/v1``). Every request gets the song.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from rillet.testing._server import FakeServer, Reply


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rillet.testing",
        description=(
            "Serve fake OpenAI (completions and chat), Anthropic (Messages) and Ollama (generate "
            "and chat) APIs on 127.0.0.1; every request is answered with a song. Prints the "
            "OpenAI base URL (http://127.0.0.1:PORT/v1); Anthropic and Ollama clients take it "
            "without /v1."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free one)")
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause before each streamed token (default: 0)",
    )
    args = parser.parse_args(argv)
    with FakeServer(default=Reply(delay=args.delay), port=args.port) as server:
        print(server.base_url, flush=True)
        print(
            f"Serving fake OpenAI (completions, chat), Anthropic and Ollama APIs at {server.root_url};"
            " press Ctrl-C to stop.",
            file=sys.stderr,
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
