"""A fake OpenAI-compatible HTTP server with scripted replies.

`FakeServer` runs a real HTTP server (uvicorn, h11, asyncio) on ``127.0.0.1`` and an ephemeral port
in a background daemon thread, so clients under test go through real sockets, real chunked
transfer encoding and real disconnects. What it answers is scripted with `Reply` values: queue them
with `FakeServer.queue` (first in, first out; one per request) and set a `default` for when the
queue is empty. What it saw is recorded: every request (`FakeServer.requests`) and, per streamed
reply, how far it got (`completed`, `disconnects`, `tokens_sent`, `max_in_flight`).

The layers, from the socket up:

* `_App`, a hand-written ASGI app: reads the request, records it, routes it by path to a protocol,
  picks the next script and executes the resulting `_Plan` (a status, headers and body pieces),
  racing it against the client's disconnect and the server's shutdown.
* `_Protocol` subclasses, one per wire protocol (now: OpenAI legacy completions). A protocol parses
  its request and renders a script into a plan; it knows nothing about sockets or timing.
* `Reply`, the protocol-neutral script (tokens, pacing, status, headers, raw bodies), compiled once
  into a `_Script` when queued so that per-request rendering is only byte concatenation.

New protocols are new `_Protocol` subclasses in `_ROUTES`; fault injection (resets, stalls, error
events) belongs in `Reply` fields that the protocols render or `_App._pump` executes.
"""

from __future__ import annotations

import abc
import asyncio
import enum
import itertools
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Final, Generic, TypeVar

import msgspec

if TYPE_CHECKING:
    import uvicorn

__all__ = ["SONG_TOKENS", "FakeServer", "RecordedRequest", "Reply"]

SONG_TOKENS: Final[tuple[str, ...]] = (
    "\n\n",
    "Spark",
    "ling",
    " water",
    ",",
    " oh",
    " so clear",
    "\n",
    "Bubbles dancing",
    ",",
    " without",
    " fear",
    "\n",
    "Refreshing",
    " taste",
    ",",
    " it",
    "'s",
    " pure",
    " delight",
    "\n",
    "Spark",
    "ling",
    " water",
    ",",
    " my",
    " thirst",
    "'s",
    " delight",
)
"""The default reply: a one-verse song about sparkling water, split as a real model streams it."""

_HOST: Final = "127.0.0.1"
_START_TIMEOUT: Final = 10.0
_STOP_TIMEOUT: Final = 5.0
_GRACEFUL_SHUTDOWN_S: Final = 1  # uvicorn types this as int; in-flight streams end long before


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request, independent of the wire protocol.

    With `status` 200 and no `body`, each token is rendered as its own event in the request's
    protocol (for a streaming request) or joined into one response (otherwise). Pacing: a streamed
    reply sleeps `delay` seconds before each token event; a non-streamed one sleeps
    `delay` x (number of token events it would have streamed) before answering.
    """

    tokens: Sequence[str] = SONG_TOKENS
    """Text pieces; each becomes one event, sent as its own HTTP body chunk."""
    delay: float = 0.0
    """Seconds slept before each token event (or each `body` piece)."""
    finish_reason: str = "stop"
    status: int = 200
    """Any other status sends `error_body` instead, before any stream starts."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra response headers (e.g. ``retry-after``); they replace defaults of the same name."""
    error_body: bytes | None = None
    """Body of a non-200 reply; by default an OpenAI-style ``{"error": {...}}`` object."""
    body: bytes | None = None
    """A raw body (e.g. a recorded ``.sse`` file) sent verbatim instead of rendering `tokens`."""
    chunk_sizes: Sequence[int] | None = None
    """Piece sizes for `body`, cycled; None sends one piece per SSE event (split after blank lines)."""
    random_chunks: int | None = None
    """Seed for reproducibly random `body` piece sizes of 1 to 64 bytes; overrides `chunk_sizes`."""
    content_type: str | None = None
    """Content type of `body` or `error_body` (default text/event-stream, application/json)."""

    def __post_init__(self) -> None:
        if isinstance(self.tokens, (str, bytes)):
            raise TypeError("Reply.tokens must be a sequence of strings, not a single string")
        if self.delay < 0:
            raise ValueError(f"Reply.delay must be >= 0, got {self.delay!r}")
        if not 200 <= self.status <= 599:
            raise ValueError(f"Reply.status must be in 200..599, got {self.status!r}")
        if self.chunk_sizes is not None and (
            not self.chunk_sizes or any(size <= 0 for size in self.chunk_sizes)
        ):
            raise ValueError("Reply.chunk_sizes must be a non-empty sequence of positive sizes")


_DEFAULT_REPLY: Final = Reply()


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Header names are lower-cased; repeated headers are joined with ``", "``."""
    body: bytes

    def json(self) -> object:
        """The body decoded as JSON."""
        return msgspec.json.decode(self.body)


# --------------------------------------------------------------------------------------------------
# Scripts and plans: the protocol-neutral middle layer

_encode = msgspec.json.encode


def _latin1(text: str) -> bytes:
    return text.encode("latin-1")


_BLANK_LINE = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def _split_after_blank_lines(body: bytes) -> list[bytes]:
    pieces: list[bytes] = []
    start = 0
    for match in _BLANK_LINE.finditer(body):
        pieces.append(body[start : match.end()])
        start = match.end()
    if start < len(body):
        pieces.append(body[start:])
    return pieces


def _split_by_sizes(body: bytes, sizes: Iterator[int]) -> list[bytes]:
    pieces: list[bytes] = []
    start = 0
    while start < len(body):
        end = start + next(sizes)
        pieces.append(body[start:end])
        start = end
    return pieces


def _random_sizes(seed: int) -> Iterator[int]:
    rng = random.Random(seed)
    while True:
        yield rng.randint(1, 64)


class _Script:
    """A `Reply` compiled once, when queued, into what rendering needs per request."""

    __slots__ = ("headers", "json_tokens", "pieces", "reply", "text", "tokens")

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.tokens: tuple[str, ...] = tuple(reply.tokens)
        self.text = "".join(self.tokens)
        self.json_tokens: tuple[bytes, ...] = tuple(_encode(token) for token in self.tokens)
        self.headers: list[tuple[bytes, bytes]] = [
            (_latin1(name.lower()), _latin1(value)) for name, value in reply.headers.items()
        ]
        self.pieces: tuple[bytes, ...] | None = None
        body = reply.body
        if body is not None:
            if reply.random_chunks is not None:
                pieces = _split_by_sizes(body, _random_sizes(reply.random_chunks))
            elif reply.chunk_sizes is not None:
                pieces = _split_by_sizes(body, itertools.cycle(reply.chunk_sizes))
            else:
                pieces = _split_after_blank_lines(body)
            self.pieces = tuple(pieces)


@dataclass(frozen=True)
class _Meta:
    """Per-request facts a protocol renders into its response."""

    seq: int
    created: int

    @property
    def request_id(self) -> str:
        return f"req_fake{self.seq}"


@dataclass
class _Plan:
    """A rendered response: what to send, in which pieces, at which pace."""

    status: int
    headers: list[tuple[bytes, bytes]]
    pieces: Sequence[bytes]
    streaming: bool
    """True: headers at once, then each piece as its own send. False: one body after `delay`."""
    token_pieces: int = 0
    """Streaming: ``pieces[:token_pieces]`` are token events, paced and counted in tokens_sent."""
    delay: float = 0.0
    """Streaming: seconds before each token piece. Otherwise: seconds before the response."""


def _with_headers(
    base: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`base` with `extra` appended; an `extra` name replaces every `base` header of that name."""
    if not extra:
        return base
    replaced = {name for name, _ in extra}
    return [(name, value) for name, value in base if name not in replaced] + extra


def _json_plan(
    status: int, body: bytes, meta: _Meta, *, content_type: bytes = b"application/json"
) -> _Plan:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", _latin1(meta.request_id)),
    ]
    return _Plan(status=status, headers=headers, pieces=(body,), streaming=False)


class _BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _openai_error(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> bytes:
    return _encode({"error": {"message": message, "type": type_, "param": param, "code": code}})


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------------------------------
# Protocols

_CallT = TypeVar("_CallT")


class _Protocol(abc.ABC, Generic[_CallT]):
    """One wire protocol: parses its requests and renders scripts in its format."""

    @abc.abstractmethod
    def parse(self, request: RecordedRequest) -> _CallT:
        """Validate the request; raise `_BadRequest` to answer 400 without using up a reply."""

    @abc.abstractmethod
    def render(self, script: _Script, call: _CallT, meta: _Meta) -> _Plan:
        """The plan for a successful (200, token-rendering) reply."""

    @abc.abstractmethod
    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        """This protocol's JSON error body."""


def _openai_status_error(status: int, message: str, param: str | None = None) -> bytes:
    if status == 429:
        type_ = "requests"
    elif status >= 500:
        type_ = "server_error"
    else:
        type_ = "invalid_request_error"
    return _openai_error(message, type_, param)


class _OpenAIProtocol(_Protocol[_CallT]):
    def error_body(self, status: int, message: str, param: str | None = None) -> bytes:
        return _openai_status_error(status, message, param)


class _StreamOptions(msgspec.Struct):
    include_usage: bool | None = None


class _CompletionsCall(msgspec.Struct):
    """The fields of a ``POST /v1/completions`` body the fake server acts on (others are ignored)."""

    model: str = "fake-model"
    prompt: str | list[str | int | list[int]] = ""
    stream: bool | None = None
    n: Annotated[int, msgspec.Meta(ge=1, le=128)] = 1
    stream_options: _StreamOptions | None = None


_completions_decoder: Final = msgspec.json.Decoder(_CompletionsCall)
_SSE_DONE: Final = b"data: [DONE]\n\n"
_SSE_HEADERS: Final = (
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
)


class _Completions(_OpenAIProtocol[_CompletionsCall]):
    """OpenAI legacy completions (wire.md section 2.1)."""

    def parse(self, request: RecordedRequest) -> _CompletionsCall:
        try:
            call = _completions_decoder.decode(request.body)
        except msgspec.DecodeError as exc:  # ValidationError is a subclass
            raise _BadRequest(f"Invalid request body: {exc}") from None
        if isinstance(call.prompt, list) and not call.prompt:
            raise _BadRequest("prompt must not be empty", "prompt")
        return call

    @staticmethod
    def _prompt_words(call: _CompletionsCall) -> tuple[int, int]:
        """(number of prompts, prompt tokens counted as whitespace-separated words or token ids)."""
        prompt = call.prompt
        if isinstance(prompt, str):
            return 1, len(prompt.split())
        if all(isinstance(item, int) for item in prompt):  # one prompt given as token ids
            return 1, len(prompt)
        words = 0
        for item in prompt:
            if isinstance(item, str):
                words += len(item.split())
            elif isinstance(item, list):
                words += len(item)
            else:
                words += 1
        return len(prompt), words

    def render(self, script: _Script, call: _CompletionsCall, meta: _Meta) -> _Plan:
        prompts, prompt_tokens = self._prompt_words(call)
        choices = prompts * call.n
        completion_tokens = len(script.tokens) * choices
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = f"cmpl-fake{meta.seq}"
        finish_reason = script.reply.finish_reason
        request_id = (b"x-request-id", _latin1(meta.request_id))

        if not call.stream:
            body = _encode(
                {
                    "id": completion_id,
                    "object": "text_completion",
                    "created": meta.created,
                    "model": call.model,
                    "choices": [
                        {
                            "text": script.text,
                            "index": index,
                            "logprobs": None,
                            "finish_reason": finish_reason,
                        }
                        for index in range(choices)
                    ],
                    "usage": usage,
                }
            )
            plan = _json_plan(200, body, meta)
            plan.delay = script.reply.delay * completion_tokens
            return plan

        # Streaming: every event is built by concatenating msgspec-encoded fragments.
        include_usage = bool(call.stream_options and call.stream_options.include_usage)
        head = b"".join(
            (
                b'data: {"id":',
                _encode(completion_id),
                b',"object":"text_completion","created":',
                str(meta.created).encode(),
                b',"model":',
                _encode(call.model),
            )
        )
        open_choice = head + b',"choices":[{"text":'
        close = b',"usage":null}\n\n' if include_usage else b"}\n\n"
        token_tails = [
            b',"index":%d,"logprobs":null,"finish_reason":null}]' % index + close
            for index in range(choices)
        ]
        pieces = [
            open_choice + json_token + tail
            for json_token in script.json_tokens
            for tail in token_tails
        ]
        token_pieces = len(pieces)
        json_finish = _encode(finish_reason)
        pieces.extend(
            open_choice
            + b'"","index":%d,"logprobs":null,"finish_reason":' % index
            + json_finish
            + b"}]"
            + close
            for index in range(choices)
        )
        if include_usage:
            pieces.append(head + b',"choices":[],"usage":' + _encode(usage) + b"}\n\n")
        pieces.append(_SSE_DONE)
        return _Plan(
            status=200,
            headers=[*_SSE_HEADERS, request_id],
            pieces=pieces,
            streaming=True,
            token_pieces=token_pieces,
            delay=script.reply.delay,
        )


_ROUTES: Final[Mapping[str, _Protocol[Any]]] = {
    "/v1/completions": _Completions(),
}


# --------------------------------------------------------------------------------------------------
# Shared state (touched by the server thread and the test thread)


class _State:
    def __init__(self, default: _Script) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.default = default
        self.queue: deque[_Script] = deque()
        self.requests: list[RecordedRequest] = []
        self.seq = 0
        self.disconnects = 0
        self.completed = 0
        self.tokens_sent: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def record(self, request: RecordedRequest) -> int:
        with self.lock:
            self.requests.append(request)
            self.seq += 1
            return self.seq

    def next_script(self) -> _Script:
        with self.lock:
            return self.queue.popleft() if self.queue else self.default

    def stream_ended(
        self, tokens: int, *, completed: bool = False, disconnected: bool = False
    ) -> None:
        with self.changed:
            self.tokens_sent.append(tokens)
            if completed:
                self.completed += 1
            if disconnected:
                self.disconnects += 1
            self.changed.notify_all()

    def reset(self) -> None:
        with self.changed:
            self.queue.clear()
            self.requests.clear()
            self.seq = 0
            self.disconnects = 0
            self.completed = 0
            self.tokens_sent.clear()
            self.max_in_flight = self.in_flight
            self.changed.notify_all()


# --------------------------------------------------------------------------------------------------
# The ASGI app

_Message = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[_Message]]
_Send = Callable[[_Message], Awaitable[None]]


class _Outcome(enum.Enum):
    DONE = enum.auto()
    DISCONNECTED = enum.auto()
    STOPPING = enum.auto()


async def _read_body(receive: _Receive) -> bytes | None:
    """The whole request body, or None if the client went away first."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _until_disconnect(receive: _Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _body(data: bytes, *, more: bool) -> _Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


class _Progress:
    __slots__ = ("tokens",)

    def __init__(self) -> None:
        self.tokens = 0


class _App:
    def __init__(self, state: _State) -> None:
        self._state = state
        self._stopping: asyncio.Event | None = None

    def bind(self) -> asyncio.Event:
        """Create the shutdown signal in the running loop (one per `serve`)."""
        self._stopping = asyncio.Event()
        return self._stopping

    async def __call__(self, scope: _Message, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http":
            return
        state = self._state
        state.enter()
        try:
            body = await _read_body(receive)
            if body is None:
                return
            headers: dict[str, str] = {}
            for raw_name, raw_value in scope["headers"]:
                name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            request = RecordedRequest(scope["method"], scope["path"], headers, body)
            meta = _Meta(seq=state.record(request), created=int(time.time()))
            plan = self._plan(request, meta)
            await self._execute(plan, receive, send)
        finally:
            state.leave()

    def _plan(self, request: RecordedRequest, meta: _Meta) -> _Plan:
        protocol = _ROUTES.get(request.path)
        if protocol is None:
            message = f"Unknown path {request.path!r}: the fake server serves {sorted(_ROUTES)}"
            return _json_plan(404, _openai_status_error(404, message), meta)
        if request.method != "POST":
            message = f"Method {request.method} not allowed on {request.path}; use POST"
            return _json_plan(405, protocol.error_body(405, message), meta)
        try:
            call = protocol.parse(request)
        except _BadRequest as exc:
            return _json_plan(400, protocol.error_body(400, exc.message, exc.param), meta)

        script = self._state.next_script()
        reply = script.reply
        if reply.status != 200:
            if reply.error_body is not None:
                body = reply.error_body
            else:
                message = (
                    f"Scripted {reply.status} {_status_phrase(reply.status)} (rillet fake server)"
                )
                body = protocol.error_body(reply.status, message)
            content_type = _latin1(reply.content_type or "application/json")
            plan = _json_plan(reply.status, body, meta, content_type=content_type)
        elif script.pieces is not None:
            content_type = _latin1(reply.content_type or "text/event-stream")
            headers = [(b"content-type", content_type), (b"x-request-id", _latin1(meta.request_id))]
            plan = _Plan(
                status=200,
                headers=headers,
                pieces=script.pieces,
                streaming=True,
                token_pieces=len(script.pieces),
                delay=reply.delay,
            )
        else:
            plan = protocol.render(script, call, meta)
        plan.headers = _with_headers(plan.headers, script.headers)
        return plan

    async def _race(self, work: Awaitable[None], receive: _Receive) -> _Outcome:
        """Run `work` until it ends, the client disconnects or the server stops."""
        if self._stopping is None:
            self.bind()
        assert self._stopping is not None
        worker = asyncio.ensure_future(work)
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        stopper = asyncio.ensure_future(self._stopping.wait())
        tasks = (worker, watcher, stopper)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if not worker.cancelled():
            worker.result()  # re-raise a bug in the worker
            return _Outcome.DONE
        if not watcher.cancelled():
            return _Outcome.DISCONNECTED
        return _Outcome.STOPPING

    async def _execute(self, plan: _Plan, receive: _Receive, send: _Send) -> None:
        start: _Message = {
            "type": "http.response.start",
            "status": plan.status,
            "headers": plan.headers,
        }
        if not plan.streaming:
            if plan.delay > 0:
                outcome = await self._race(asyncio.sleep(plan.delay), receive)
                if outcome is _Outcome.DISCONNECTED:
                    return
                if outcome is _Outcome.STOPPING:
                    await self._send_shutting_down(send)
                    return
            await send(start)
            await send(_body(b"".join(plan.pieces), more=False))
            return

        await send(start)
        progress = _Progress()
        outcome = await self._race(self._pump(plan, send, progress), receive)
        if outcome is _Outcome.DISCONNECTED:
            self._state.stream_ended(progress.tokens, disconnected=True)
            return
        # Count before the final chunk: a client that has read the whole response sees the count.
        self._state.stream_ended(progress.tokens, completed=outcome is _Outcome.DONE)
        await send(_body(b"", more=False))  # on STOPPING this truncates the stream cleanly

    @staticmethod
    async def _pump(plan: _Plan, send: _Send, progress: _Progress) -> None:
        delay = plan.delay
        token_pieces = plan.token_pieces
        for index, piece in enumerate(plan.pieces):
            if index < token_pieces:
                if delay:
                    await asyncio.sleep(delay)
                await send(_body(piece, more=True))
                progress.tokens = index + 1
            else:
                await send(_body(piece, more=True))

    @staticmethod
    async def _send_shutting_down(send: _Send) -> None:
        body = _openai_error("The fake server is shutting down", "server_error")
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send(_body(body, more=False))


# --------------------------------------------------------------------------------------------------
# The server


class FakeServer:
    """A real HTTP server on 127.0.0.1 that answers with scripted `Reply` values.

    ::

        with FakeServer(Reply(tokens=["Hi", "!"]), default=Reply(status=500)) as server:
            client = httpx.Client(base_url=server.base_url)
            ...
            assert server.requests[0].json()["model"] == "gpt-3.5-turbo-instruct"

    Routes: ``POST /v1/completions`` (OpenAI legacy completions). Anything else gets an
    OpenAI-style 404 (or 405) error; malformed bodies get a 400. Neither uses up a queued reply,
    but every request is recorded.

    Streamed responses are the SSE replies to ``"stream": true`` requests and every `Reply.body`
    reply. For each one that ends, `tokens_sent` gets one entry (token events sent, counting each
    choice's event; for a `body` reply, pieces sent) and exactly one of these happens: `completed`
    grows (everything was sent), `disconnects` grows (the client closed the connection first;
    sending stops at once), or neither (`stop` cut the stream short).

    `port` (keyword-only) asks for a fixed port instead of an ephemeral one.
    """

    def __init__(self, *replies: Reply, default: Reply = _DEFAULT_REPLY, port: int = 0) -> None:
        self._state = _State(_Script(default))
        self._app = _App(self._state)
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
                    thread.join(_STOP_TIMEOUT)
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
        self._stopping = self._app.bind()
        # serve() installs no signal handlers outside the main thread (uvicorn checks).
        await server.serve(sockets=[sock])

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
            thread.join(_STOP_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(_STOP_TIMEOUT)
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
        scripts = [_Script(reply) for reply in replies]
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
