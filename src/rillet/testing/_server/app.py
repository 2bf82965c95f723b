"""The hand-written ASGI app and the state it shares with the test thread: reads a request,
records it, routes it by path to a protocol (`ROUTES`), picks the next script and executes the
resulting `Plan`, racing it against the client's disconnect and the server's shutdown.
"""

from __future__ import annotations

import asyncio
import enum
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import uvicorn
from .anthropic import AnthropicMessages
from .faults import faulty
from .ollama import OllamaChat, OllamaGenerate
from .openai import ChatCompletions, Completions, openai_status_error
from .protocol import BadRequest, Protocol, json_plan, openai_error, status_phrase, with_headers
from .script import Meta, Plan, RecordedRequest, Script, latin1

STOP_TIMEOUT: Final = 5.0


_UNPACED_SENDS_PER_YIELD: Final = 4  # asyncio warns from the 5th write after a connection is lost


_ROUTES: Final[Mapping[str, Protocol[Any]]] = {
    "/v1/completions": Completions(),
    "/v1/chat/completions": ChatCompletions(),
    "/v1/messages": AnthropicMessages(),
    "/api/generate": OllamaGenerate(),
    "/api/chat": OllamaChat(),
}


class State:
    def __init__(self, default: Script) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.default = default
        self.queue: deque[Script] = deque()
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

    def next_script(self) -> Script:
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


async def _forever() -> None:
    await asyncio.Event().wait()


class App:
    def __init__(self, state: State) -> None:
        self._state = state
        self._stopping: asyncio.Event | None = None
        self.server: uvicorn.Server | None = None  # set when serving: resets find connections

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
            meta = Meta(seq=state.record(request), created=int(time.time()))
            plan = self._plan(request, meta)
            await self._execute(plan, receive, send, scope)
        finally:
            state.leave()

    def _plan(self, request: RecordedRequest, meta: Meta) -> Plan:
        protocol = _ROUTES.get(request.path)
        if protocol is None:
            message = f"Unknown path {request.path!r}: the fake server serves {sorted(_ROUTES)}"
            return json_plan(404, openai_status_error(404, message), meta)
        if request.method != "POST":
            message = f"Method {request.method} not allowed on {request.path}; use POST"
            return json_plan(405, protocol.error_body(405, message), meta)
        try:
            call = protocol.parse(request)
        except BadRequest as exc:
            return json_plan(400, protocol.error_body(400, exc.message, exc.param), meta)

        script = self._state.next_script()
        reply = script.reply
        if reply.status != 200:
            if reply.error_body is not None:
                body = reply.error_body
            else:
                message = (
                    f"Scripted {reply.status} {status_phrase(reply.status)} (rillet fake server)"
                )
                body = protocol.error_body(reply.status, message)
            plan = json_plan(reply.status, body, meta)
        elif (pieces := script.body_pieces(protocol.framing)) is not None:
            headers = [
                (b"content-type", protocol.stream_content_type),
                (b"x-request-id", latin1(meta.request_id)),
            ]
            plan = Plan(
                status=200,
                headers=headers,
                pieces=pieces,
                streaming=True,
                token_pieces=len(pieces),
                delay=reply.delay,
            )
        else:
            plan = protocol.render(script, call, meta)
        if reply.content_type is not None:
            content_type = [(b"content-type", latin1(reply.content_type))]
            plan.headers = with_headers(plan.headers, content_type)
        plan.headers = with_headers(plan.headers, script.headers)
        return faulty(plan, reply, protocol)

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

    async def _execute(self, plan: Plan, receive: _Receive, send: _Send, scope: _Message) -> None:
        start: _Message = {
            "type": "http.response.start",
            "status": plan.status,
            "headers": plan.headers,
        }
        if not plan.streaming or plan.early is not None:
            if plan.delay > 0 or plan.early == "stall":
                wait = _forever() if plan.early == "stall" else asyncio.sleep(plan.delay)
                outcome = await self._race(wait, receive)
                if outcome is _Outcome.DISCONNECTED:
                    return
                if outcome is _Outcome.STOPPING:
                    await self._send_shutting_down(send)
                    return
            if plan.early == "reset":
                await self._reset(scope, receive)
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
        if outcome is _Outcome.DONE and plan.ending == "reset":
            self._state.stream_ended(progress.tokens)
            await self._reset(scope, receive)
            return
        # Count before the final chunk: a client that has read the whole response sees the count.
        self._state.stream_ended(progress.tokens, completed=outcome is _Outcome.DONE)
        await send(_body(b"", more=False))  # on STOPPING this truncates the stream cleanly

    @staticmethod
    async def _pump(plan: Plan, send: _Send, progress: _Progress) -> None:
        delay = plan.delay
        token_pieces = plan.token_pieces
        for index, piece in enumerate(plan.pieces):
            if delay and index < token_pieces:
                await asyncio.sleep(delay)
            elif index and not index % _UNPACED_SENDS_PER_YIELD:
                # Let the loop run: a client reset is seen (and uvicorn stops writing) before
                # asyncio starts logging writes to the dead socket, and other streams get a turn.
                await asyncio.sleep(0)
            await send(_body(piece, more=True))
            if index < token_pieces:
                progress.tokens = index + 1
        if plan.ending == "stall":
            await _forever()  # until the client goes away or the server stops

    async def _reset(self, scope: _Message, receive: _Receive) -> None:
        """Reset this request's TCP connection (an RST, not a clean close) and wait until uvicorn
        has noticed, so that it neither logs nor answers for the request."""
        client = scope.get("client")
        state = getattr(self.server, "server_state", None)
        for connection in list(getattr(state, "connections", ())):
            if client is None or tuple(getattr(connection, "client", None) or ()) != tuple(client):
                continue
            transport = getattr(connection, "transport", None)
            if not isinstance(transport, asyncio.Transport):
                continue
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        try:
            await asyncio.wait_for(_until_disconnect(receive), STOP_TIMEOUT)
        except asyncio.TimeoutError:  # pragma: no cover - uvicorn always reports a lost connection
            pass

    @staticmethod
    async def _send_shutting_down(send: _Send) -> None:
        body = openai_error("The fake server is shutting down", "server_error")
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
