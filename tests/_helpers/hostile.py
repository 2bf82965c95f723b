"""A hostile HTTP server: raw asyncio sockets on 127.0.0.1, every byte under the test's control.

``rillet.testing.FakeServer`` speaks HTTP correctly (uvicorn frames every response); this one
speaks whatever a test scripts, byte by byte: trickled headers, pings after the terminal frame,
an endless line, bad UTF-8, JSON nested 100k deep, a malformed chunk-size line, a gzip bomb,
resets. It runs its own asyncio loop in a daemon thread, so tests of both twins and on both
backends (asyncio, trio) use it the same way.

A *script* is a list of steps, plain data, so that the tests of both twins build them the same
way (a generated sync test cannot hold an ``async def``): ``[send(head()), hold(0.3),
send(b"zz\r\n")]``. Each step runs on the server's loop against the connection whose request
has been read: ``send``, ``trickle`` (a few bytes at a time), ``repeat`` (a piece every few ms
until the client leaves), ``flood`` (many bytes as fast as the client reads), ``hold`` (nothing
until the client leaves), ``respond`` (bytes computed from the request), ``reset`` (an RST),
``keep_alive``. Scripts are taken from a queue (one per request; ``default`` when it is empty).
After a script, the connection is closed, unless it ended with ``keep_alive()``; then its next
request takes the next script.

What happened is recorded per connection (``Conn``): when the client closed it, how many bytes
were sent; a test asserts e.g. that the client hung up within a bound after the terminal frame.

The helpers below render each provider's stream (``frames``, ``terminal``) so scripts are short:
``await conn.send(head() + chunked(*frames("chat", TOKENS)))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import struct
import threading
import time
import zlib
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, Literal

import msgspec

__all__ = [
    "PROVIDERS",
    "Conn",
    "HardTimeout",
    "HostileServer",
    "Provider",
    "Request",
    "Script",
    "Step",
    "chunk",
    "chunked",
    "flood",
    "frames",
    "gzip_bomb",
    "hard_timeout",
    "hard_timeout_sync",
    "head",
    "hold",
    "keep_alive",
    "ping",
    "repeat",
    "reset",
    "respond",
    "route",
    "send",
    "stream_body",
    "terminal",
    "trickle",
    "whole_answer",
]

Provider = Literal["completions", "chat", "anthropic", "ollama"]
PROVIDERS: Final[tuple[Provider, ...]] = ("completions", "chat", "anthropic", "ollama")

Step = Callable[["Conn"], Awaitable[object]]
Script = Sequence[Step]

_MAX_HEAD: Final = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Conn:
    """One accepted connection, as the script sees it, and what was recorded about it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    opened_at: float = field(default_factory=time.monotonic)
    request: Request | None = None
    requests: list[Request] = field(default_factory=list)
    sent: int = 0
    closed_by_client_at: float | None = None
    """When the server saw the client hang up (EOF or a failed write)."""
    finished_at: float | None = None
    """When the server side of the connection ended."""
    _keep: bool = False

    @property
    def socket(self) -> socket.socket:
        sock: socket.socket = self.writer.get_extra_info("socket")
        return sock

    async def send(self, data: bytes) -> bool:
        """Write ``data``; False if the client is gone."""
        if self.closed_by_client_at is not None:
            return False
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError):
            self._client_left()
            return False
        self.sent += len(data)
        return True

    async def trickle(self, data: bytes, every: float, size: int = 1) -> bool:
        """Write ``data`` ``size`` bytes at a time, one piece every ``every`` seconds."""
        for start in range(0, len(data), size):
            if not await self.send(data[start : start + size]):
                return False
            await asyncio.sleep(every)
        return True

    async def repeat(self, piece: bytes, *, every: float, seconds: float = 60.0) -> bool:
        """Write ``piece`` every ``every`` s until the client leaves (True) or ``seconds`` pass
        (False)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not await self.send(piece):
                return True
            if await self._left_within(every):
                return True
        return False

    async def flood(self, piece: bytes, total: int) -> bool:
        """Write ``piece`` repeatedly until ``total`` bytes are out or the client leaves."""
        block = piece * max(1, (256 * 1024) // len(piece))
        left = total
        while left > 0:
            data = block[:left]
            if not await self.send(data):
                return False
            left -= len(data)
        return True

    async def hold(self, seconds: float = 60.0) -> bool:
        """Keep the connection open, sending nothing, until the client leaves (True) or
        ``seconds`` pass (False)."""
        return await self._left_within(seconds)

    async def _left_within(self, seconds: float) -> bool:
        if self.closed_by_client_at is not None:
            return True
        try:
            data = await asyncio.wait_for(self.reader.read(65536), seconds)
        except asyncio.TimeoutError:
            return False
        except (ConnectionError, OSError):
            data = b""
        if not data:
            self._client_left()
            return True
        return False  # the client sent more (a pipelined request?): not gone

    def reset(self) -> None:
        """Close with an RST (SO_LINGER 0) instead of a FIN."""
        sock = self.socket
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    def keep_alive(self) -> None:
        """Serve this connection's next request with the next script."""
        self._keep = True

    def _client_left(self) -> None:
        if self.closed_by_client_at is None:
            self.closed_by_client_at = time.monotonic()


class HostileServer:
    """The server: ``with HostileServer(script, ...) as server: ... server.base_url``."""

    def __init__(self, *scripts: Script, default: Script | None = None) -> None:
        self._queue: deque[Script] = deque(scripts)
        self.default = default
        self.connections: list[Conn] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> HostileServer:
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        loop = self._loop
        if loop is not None and self._thread is not None:
            loop.call_soon_threadsafe(self._shutdown)
            self._thread.join(10)

    def _run(self, started: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:

            async def serve() -> None:
                self._server = await asyncio.start_server(
                    self._handle, "127.0.0.1", 0, limit=_MAX_HEAD
                )
                self.port = self._server.sockets[0].getsockname()[1]
                started.set()
                await self._server.serve_forever()

            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(serve())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``/v1``)."""
        return f"{self.root_url}/v1"

    def url_for(self, provider: Provider) -> str:
        """The ``base_url`` a model of ``provider`` takes."""
        return self.base_url if provider in ("completions", "chat") else self.root_url

    # -- scripting ----------------------------------------------------------------------------

    def queue(self, *scripts: Script) -> None:
        with self._lock:
            self._queue.extend(scripts)

    def _next(self) -> Script | None:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def closed_by_client(self, timeout: float = 5.0) -> bool:
        """Whether every connection so far was hung up by the client (waits up to ``timeout``)."""
        end = time.monotonic() + timeout
        while any(
            c.closed_by_client_at is None and c.finished_at is None for c in self.connections
        ):
            if time.monotonic() > end:
                return False
            time.sleep(0.01)
        return all(c.closed_by_client_at is not None for c in self.connections)

    # -- serving ------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        conn = Conn(reader, writer)
        self.connections.append(conn)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    conn._client_left()
                    return
                conn.request = request
                conn.requests.append(request)
                script = self._next()
                if script is None:
                    await conn.send(_status(500, b"no script queued"))
                    return
                conn._keep = False
                for step in script:
                    await step(conn)
                if not conn._keep or conn.writer.transport.is_closing():
                    return
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            conn._client_left()
        except asyncio.CancelledError:
            pass
        finally:
            conn.finished_at = time.monotonic()
            self._tasks.discard(task)
            writer.transport.abort() if writer.transport.is_closing() else writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    return Request(method, path, headers, body)


# -- steps ---------------------------------------------------------------------------------------


def send(data: bytes) -> Step:
    return lambda conn: conn.send(data)


def trickle(data: bytes, every: float, size: int = 1) -> Step:
    return lambda conn: conn.trickle(data, every, size)


def repeat(piece: bytes, *, every: float, seconds: float = 60.0) -> Step:
    return lambda conn: conn.repeat(piece, every=every, seconds=seconds)


def flood(piece: bytes, total: int) -> Step:
    return lambda conn: conn.flood(piece, total)


def hold(seconds: float = 60.0) -> Step:
    return lambda conn: conn.hold(seconds)


def respond(answer: Callable[[Request], bytes]) -> Step:
    """Send what ``answer`` makes of the request (e.g. a 401 echoing its key)."""

    async def step(conn: Conn) -> None:
        assert conn.request is not None
        await conn.send(answer(conn.request))

    return step


def route(choose: Callable[[Request], Script]) -> Step:
    """Run the script ``choose`` picks for the request (e.g. by its prompt)."""

    async def step(conn: Conn) -> None:
        assert conn.request is not None
        for inner in choose(conn.request):
            await inner(conn)

    return step


async def _reset(conn: Conn) -> None:
    conn.reset()


async def _keep_alive(conn: Conn) -> None:
    conn.keep_alive()


def reset() -> Step:
    return _reset


def keep_alive() -> Step:
    return _keep_alive


# -- bytes on the wire ---------------------------------------------------------------------------


def _status(status: int, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


CONTENT_TYPES: Final[dict[Provider, str]] = {
    "completions": "text/event-stream",
    "chat": "text/event-stream",
    "anthropic": "text/event-stream",
    "ollama": "application/x-ndjson",
}


def head(
    status: int = 200,
    *,
    content_type: str | None = "text/event-stream",
    chunked: bool = True,
    length: int | None = None,
    headers: Iterable[tuple[str, str]] = (),
    keep_alive: bool = False,
) -> bytes:
    """A response head. ``chunked`` adds ``transfer-encoding: chunked``; ``length`` a
    ``content-length``; neither: the body runs until the connection closes. Unless
    ``keep_alive``, it says ``connection: close`` (the server closes after the script), so that a
    client does not reuse a connection about to close."""
    lines = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}"]
    if content_type is not None:
        lines.append(f"content-type: {content_type}")
    if chunked:
        lines.append("transfer-encoding: chunked")
    if length is not None:
        lines.append(f"content-length: {length}")
    lines.append("x-request-id: req_hostile")
    if not keep_alive:
        lines.append("connection: close")
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def chunked(*pieces: bytes, end: bool = True) -> bytes:
    """Each piece as its own chunk, then (``end``) the last-chunk."""
    return b"".join(chunk(p) for p in pieces if p) + (b"0\r\n\r\n" if end else b"")


def _json(value: object) -> bytes:
    return msgspec.json.encode(value)


def frames(provider: Provider, tokens: Iterable[str]) -> list[bytes]:
    """The frames of ``provider``'s stream carrying ``tokens``, without its terminal frame(s)."""
    out: list[bytes] = []
    if provider == "completions":
        for token in tokens:
            choice = {"text": token, "index": 0, "logprobs": None, "finish_reason": None}
            out.append(_sse(_openai_chunk("text_completion", choice)))
    elif provider == "chat":
        for token in tokens:
            choice = {"index": 0, "delta": {"content": token}, "finish_reason": None}
            out.append(_sse(_openai_chunk("chat.completion.chunk", choice)))
    elif provider == "anthropic":
        start = {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-test",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 3, "output_tokens": 1},
            },
        }
        out.append(_event("message_start", start))
        block = {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        }
        out.append(_event("content_block_start", block))
        for token in tokens:
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": token},
            }
            out.append(_event("content_block_delta", delta))
    else:
        for token in tokens:
            out.append(_json({"model": "llama-test", "response": token, "done": False}) + b"\n")
    return out


def terminal(provider: Provider) -> list[bytes]:
    """The frames that end a complete stream of ``provider``."""
    if provider == "completions":
        choice = {"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}
        return [_sse(_openai_chunk("text_completion", choice)), b"data: [DONE]\n\n"]
    if provider == "chat":
        choice = {"index": 0, "delta": {}, "finish_reason": "stop"}
        return [_sse(_openai_chunk("chat.completion.chunk", choice)), b"data: [DONE]\n\n"]
    if provider == "anthropic":
        return [
            _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
            _event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 5},
                },
            ),
            _event("message_stop", {"type": "message_stop"}),
        ]
    last = {"model": "llama-test", "response": "", "done": True, "done_reason": "stop"}
    return [_json(last) + b"\n"]


def ping(provider: Provider) -> bytes:
    """A keep-alive that carries nothing: an SSE comment, or a blank NDJSON line."""
    return b"\n" if provider == "ollama" else b": ping\n\n"


def stream_body(provider: Provider, tokens: Iterable[str]) -> list[bytes]:
    """Every frame of a complete stream."""
    return [*frames(provider, tokens), *terminal(provider)]


def whole_answer(provider: Provider, text: str) -> bytes:
    """The JSON body of a non-streamed answer carrying ``text``."""
    if provider == "completions":
        return _json(
            {
                "id": "cmpl-1",
                "object": "text_completion",
                "created": 1,
                "model": "m",
                "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
            }
        )
    if provider == "chat":
        return _json(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
            }
        )
    if provider == "anthropic":
        return _json(
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-test",
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 3, "output_tokens": 5},
            }
        )
    return _json({"model": "llama-test", "response": text, "done": True, "done_reason": "stop"})


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """``size`` bytes of spaces, gzipped (about 230x smaller at level 1, which is fast),
    compressed a MiB at a time (never ``size`` bytes in memory); cached per size."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * (1 << 20)
    pieces = [
        compressor.compress(block[: min(len(block), size - done)])
        for done in range(0, size, len(block))
    ]
    pieces.append(compressor.flush())
    return b"".join(pieces)


def _openai_chunk(obj: str, choice: dict[str, object]) -> bytes:
    return _json({"id": "x-1", "object": obj, "created": 1, "model": "m", "choices": [choice]})


def _sse(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"


def _event(name: str, data: Mapping[str, object]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + _json(data) + b"\n\n"


# -- hard timeouts: a hang fails the test instead of stalling the run ----------------------------


class HardTimeout(AssertionError):
    """A hang test ran past its hard bound (an AssertionError: a test failure, never mistaken
    for a timeout error of httpx or rillet)."""


@contextlib.asynccontextmanager
async def hard_timeout(seconds: float) -> AsyncIterator[None]:
    """Fail (``HardTimeout``) if the block runs longer than ``seconds`` (async: a cancel scope)."""
    import anyio

    with anyio.move_on_after(seconds) as scope:
        yield
    if scope.cancelled_caught:
        raise HardTimeout(f"still running after the hard timeout of {seconds} s")


@contextlib.contextmanager
def hard_timeout_sync(seconds: float) -> Iterator[None]:
    """The sync twin of ``hard_timeout``: SIGALRM interrupts the blocked call in the main thread."""
    import signal

    def expired(signum: int, frame: object) -> None:
        raise HardTimeout(f"still running after the hard timeout of {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
