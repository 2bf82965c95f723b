"""A fake OpenAI-, Anthropic- and Ollama-compatible HTTP server with scripted replies.

`FakeServer` runs a real HTTP server (uvicorn, h11, asyncio) on ``127.0.0.1`` and an ephemeral port
in a background daemon thread, so clients under test go through real sockets, real chunked
transfer encoding and real disconnects. What it answers is scripted with `Reply` values: queue them
with `FakeServer.queue` (first in, first out; one per request) and set a `default` for when the
queue is empty. What it saw is recorded: every request (`FakeServer.requests`) and, per streamed
reply, how far it got (`completed`, `disconnects`, `tokens_sent`, `max_in_flight`).

The layers, one module each, from the socket up:

* ``server.py``: `FakeServer`, uvicorn in a thread.
* ``app.py``: a hand-written ASGI app: reads the request, records it, routes it by path to a
  protocol (`ROUTES`), picks the next script and executes the resulting `Plan` (a status, headers
  and body pieces), racing it against the client's disconnect and the server's shutdown.
* ``faults.py``: `Reply` faults applied to a rendered plan (cut, error event, malformed event).
* ``openai.py``, ``anthropic.py``, ``ollama.py``: one `Protocol` subclass per wire protocol —
  OpenAI completions (``/v1/completions``) and chat completions (``/v1/chat/completions``),
  Anthropic Messages (``/v1/messages``) and Ollama's generate and chat (``/api/generate``,
  ``/api/chat``, NDJSON). A
  protocol parses its request and renders a script into a plan; it knows nothing about sockets or
  timing. ``protocol.py`` holds the base class and the rendering helpers they share.
* ``tools.py``: `ToolCallReply` (a scripted tool call) and how each protocol streams tool calls.
* ``script.py``: `Reply`, the protocol-neutral script (tokens, reasoning, pacing, status, headers,
  raw bodies),
  compiled once into a `Script` when queued so that per-request rendering is only byte
  concatenation; `RecordedRequest`.

A new protocol is a new `Protocol` subclass in its own module, added to `app.ROUTES`.
"""

from .script import SONG_TOKENS as SONG_TOKENS, RecordedRequest as RecordedRequest, Reply as Reply
from .server import FakeServer as FakeServer
from .tools import ToolCallReply as ToolCallReply

__all__ = ["SONG_TOKENS", "FakeServer", "RecordedRequest", "Reply", "ToolCallReply"]
