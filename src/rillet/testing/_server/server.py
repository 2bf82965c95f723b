"""`FakeServer`: uvicorn serving the app on ``127.0.0.1`` and an ephemeral port, in a background
daemon thread; queueing replies and reading back what it saw.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import uvicorn
from .app import STOP_TIMEOUT, App, State
from .script import DEFAULT_REPLY, RecordedRequest, Reply, Script

_HOST: Final = "127.0.0.1"
_START_TIMEOUT: Final = 10.0


_GRACEFUL_SHUTDOWN_S: Final = 1  # uvicorn types this as int; in-flight streams end long before
_STUCK_AFTER_STOP_S: Final = 0.25  # streams end at once on stop; one still open then is stuck


def _abort_connections(server: uvicorn.Server) -> None:
    """Abort every connection uvicorn still tracks (uses its `server_state`, defensively)."""
    state = getattr(server, "server_state", None)
    for connection in list(getattr(state, "connections", ())):
        transport = getattr(connection, "transport", None)
        if isinstance(transport, asyncio.Transport):
            transport.abort()


class FakeServer:
    """A real HTTP server on 127.0.0.1 that answers with scripted `Reply` values.

    ::

        with FakeServer(Reply(tokens=["Hi", "!"]), default=Reply(status=500)) as server:
            client = httpx.Client(base_url=server.base_url)
            ...
            assert server.requests[0].json()["model"] == "gpt-3.5-turbo-instruct"

    Routes, and the base URL to give each client:

    ==========================  =======================  =========================================
    route                       protocol                 client
    ==========================  =======================  =========================================
    ``/v1/completions``         OpenAI completions       ``OpenAI(base_url=server.base_url)``
    ``/v1/chat/completions``    OpenAI chat completions  ``OpenAIChat(base_url=server.base_url)``
    ``/v1/messages``            Anthropic Messages       ``Anthropic(base_url=server.root_url)``
    ``/api/generate``           Ollama generate (NDJSON) ``Ollama(base_url=server.root_url)``
    ``/api/chat``               Ollama chat (NDJSON)     ``ChatOllama(base_url=server.root_url)``
    ==========================  =======================  =========================================

    The chat models speak the same routes: ``ChatOpenAI(base_url=server.base_url)``,
    ``ChatAnthropic(base_url=server.root_url)``.

    Each renders `Reply.tokens` in its own format (chat: ``n`` choices interleaved by index, a
    usage chunk when ``stream_options.include_usage``; `Reply.reasoning` before the text as
    ``reasoning_content`` deltas, an Anthropic thinking block, Ollama ``message.thinking``;
    Anthropic: ``finish_reason`` "stop" and
    "length" sent as ``end_turn`` and ``max_tokens``; Ollama: streamed unless ``"stream":
    false``). A raw `Reply.body` is split per SSE event, or per line on the NDJSON route.
    Anything else gets an OpenAI-style 404 (or 405) error; malformed bodies get a 400 in the
    route's error format. Neither uses up a queued reply, but every request is recorded.

    Streamed responses are the SSE replies to ``"stream": true`` requests and every `Reply.body`
    reply. For each one that ends, `tokens_sent` gets one entry (token events sent, counting each
    choice's event; for a `body` reply, pieces sent) and exactly one of these happens: `completed`
    grows (everything scripted was sent, a truncated or error-ending script included),
    `disconnects` grows (the client closed the connection first, e.g. after a stall; sending
    stops at once), or neither (`stop` cut the stream short, or the script reset it).

    Faults are scripted per reply, so a test (or a user's) can rehearse what real servers do::

        server.queue(
            Reply(status=429, headers={"retry-after": "1"}),  # retried by a client...
            Reply(reset_after=0),                    # a connection reset before any response
            Reply(tokens=toks, reset_after=3),       # an RST after 3 token events
            Reply(tokens=toks, stall_after=3),       # 3 events, then silence (a read timeout)
            Reply(tokens=toks, truncate_after=3),    # 3 events, then EOF without [DONE]
            Reply(tokens=toks, error_after=3),       # 3 events, then an in-stream error event
            Reply(tokens=toks, malformed_after=3),   # a cut-short JSON event after 3 events
            Reply(tokens=toks, content_type="text/html"),  # the wrong content type
            Reply(truncate_after=0),                 # a 200 with an empty body
        )

    `port` (keyword-only) asks for a fixed port instead of an ephemeral one.
    """

    def __init__(self, *replies: Reply, default: Reply = DEFAULT_REPLY, port: int = 0) -> None:
        self._state = State(Script(default))
        self._app = App(self._state)
        self._requested_port = port
        self._port: int | None = None
        self._lifecycle = threading.Lock()
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread_error: BaseException | None = None
        self.queue(*replies)

    # ---- lifecycle

    def start(self) -> FakeServer:
        """Bind 127.0.0.1, serve in a daemon thread and return once accepting connections."""
        try:
            import uvicorn
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "rillet.testing.FakeServer needs uvicorn: pip install 'rillet[server]'"
            ) from exc
        with self._lifecycle:
            if self._thread is not None:
                raise RuntimeError("FakeServer is already running")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                if self._requested_port:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((_HOST, self._requested_port))
            except BaseException:
                sock.close()
                raise
            port: int = sock.getsockname()[1]
            config = uvicorn.Config(
                self._app,
                host=_HOST,
                port=port,
                http="h11",
                loop="asyncio",
                ws="none",
                lifespan="off",
                interface="asgi3",
                log_config=None,  # leave the process's logging configuration alone
                log_level="warning",
                access_log=False,
                proxy_headers=False,
                server_header=False,
                timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
            )
            server = uvicorn.Server(config)
            self._app.server = server
            self._thread_error = None
            self._loop = None
            thread = threading.Thread(
                target=self._run,
                args=(server, sock),
                name=f"rillet-fake-server-{port}",
                daemon=True,
            )
            thread.start()
            deadline = time.monotonic() + _START_TIMEOUT
            while not server.started:
                if not thread.is_alive():
                    sock.close()
                    raise RuntimeError(
                        f"FakeServer failed to start on {_HOST}:{port}"
                    ) from self._thread_error
                if time.monotonic() > deadline:
                    server.should_exit = True
                    thread.join(STOP_TIMEOUT)
                    sock.close()
                    raise RuntimeError(
                        f"FakeServer did not start on {_HOST}:{port} within {_START_TIMEOUT} s"
                    )
                time.sleep(0.001)
            self._thread, self._server, self._port = thread, server, port
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(server, sock))
        except BaseException as exc:  # e.g. SystemExit from a uvicorn startup failure
            self._thread_error = exc
        finally:
            sock.close()

    async def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        stopping = self._stopping = self._app.bind()
        reaper = asyncio.ensure_future(self._abort_stuck_connections(server, stopping))
        try:
            # serve() installs no signal handlers outside the main thread (uvicorn checks).
            await server.serve(sockets=[sock])
        finally:
            reaper.cancel()
            _abort_connections(server)
            await asyncio.sleep(0)  # let connection_lost callbacks run before the loop closes

    @staticmethod
    async def _abort_stuck_connections(server: uvicorn.Server, stopping: asyncio.Event) -> None:
        """After `stop`, abort connections that are still open once streams have had time to end.

        A stream whose client stopped reading is stuck in uvicorn's write back-pressure; aborting
        its transport unblocks the send (it becomes a no-op), so the handler returns normally
        instead of being cancelled at the graceful-shutdown timeout, and no transport is left
        unclosed when the loop closes.
        """
        await stopping.wait()
        await asyncio.sleep(_STUCK_AFTER_STOP_S)
        _abort_connections(server)

    def stop(self) -> None:
        """Stop serving: streams in flight end at once (truncated), then the thread is joined."""
        with self._lifecycle:
            thread, server, loop, stopping = self._thread, self._server, self._loop, self._stopping
            if thread is None or server is None:
                return
            server.should_exit = True
            if loop is not None and stopping is not None:
                try:
                    loop.call_soon_threadsafe(stopping.set)
                except RuntimeError:  # the loop has already closed
                    pass
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(STOP_TIMEOUT)
            self._thread = self._server = self._loop = self._stopping = None
            if thread.is_alive():
                raise RuntimeError("FakeServer did not stop within its timeout")

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- addresses

    @property
    def port(self) -> int:
        """The bound port (valid after `start`)."""
        if self._port is None or self._thread is None:
            raise RuntimeError("FakeServer is not running; call start() or use it in a with block")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``, for clients that append the ``/v1`` themselves."""
        return f"http://{_HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``, the OpenAI-style base URL (valid after `start`)."""
        return f"{self.root_url}/v1"

    # ---- scripting

    def queue(self, *replies: Reply) -> None:
        """Append replies; each request to a protocol route takes the oldest, else `default`."""
        scripts = [Script(reply) for reply in replies]
        with self._state.lock:
            self._state.queue.extend(scripts)

    def reset(self) -> None:
        """Clear the queued replies, the recorded requests and every counter (not `default`)."""
        self._state.reset()

    # ---- observations (safe to read from any thread)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def disconnects(self) -> int:
        """Streams the client closed before the server finished sending."""
        with self._state.lock:
            return self._state.disconnects

    @property
    def completed(self) -> int:
        """Streams sent in full."""
        with self._state.lock:
            return self._state.completed

    @property
    def tokens_sent(self) -> list[int]:
        """Per ended stream, in order of ending: token events sent before it ended."""
        with self._state.lock:
            return list(self._state.tokens_sent)

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        with self._state.lock:
            return self._state.in_flight

    @property
    def max_in_flight(self) -> int:
        """The peak number of requests handled at the same time."""
        with self._state.lock:
            return self._state.max_in_flight

    def wait_for_disconnect(self, timeout: float = 5.0, *, n: int = 1) -> bool:
        """Wait until `disconnects` >= `n` (counted since construction or `reset`).

        Returns False if that did not happen within `timeout` seconds.
        """
        with self._state.changed:
            return self._state.changed.wait_for(lambda: self._state.disconnects >= n, timeout)

    def __repr__(self) -> str:
        where = self.base_url if self._thread is not None else "not running"
        return f"<FakeServer {where}>"
