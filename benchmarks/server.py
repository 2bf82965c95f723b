"""The benchmark server: a raw asyncio HTTP/1.1 server that is never the bottleneck.

``POST /v1/completions`` and ``POST /v1/chat/completions`` (the prompt in the messages) answer
from bodies built once per N (``workload.build_*``), written
with one ``transport.write``: the server does no per-token work at all. Streams are chunked
``text/event-stream`` with one HTTP chunk per SSE event; connections are kept alive.

Run: ``python benchmarks/server.py [--port 0] [--prebuild 1000,20000]``; it prints
``PORT <n>`` on its first stdout line and serves until terminated (or, with
``--watch-stdin``, until its stdin closes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

import msgspec
from workload import (
    PROMPT_RE,
    TOOL_PROMPT,
    build_chat_completion_body,
    build_chat_stream_body,
    build_chat_tool_stream_body,
    build_completion_body,
    build_stream_body,
)

STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: text/event-stream; charset=utf-8\r\n"
    b"transfer-encoding: chunked\r\n"
    b"cache-control: no-cache\r\n"
    b"x-request-id: req_bench\r\n"
    b"connection: keep-alive\r\n\r\n"
)


class Message(msgspec.Struct):
    content: str | list[dict[str, object]] = ""


class Request(msgspec.Struct):
    prompt: str | list[str] = ""
    messages: list[Message] = []
    stream: bool = False


_decode_request = msgspec.json.Decoder(Request).decode
_responses: dict[tuple[int, bool, bool, bool], bytes] = {}


def response_for(n: int, stream: bool, chat: bool = False, tool: bool = False) -> bytes:
    """The whole response (head and body) for ``n`` tokens, built on first use and kept."""
    key = (n, stream, chat, tool)
    cached = _responses.get(key)
    if cached is None:
        if stream and tool:
            cached = STREAM_HEAD + build_chat_tool_stream_body(n)
        elif stream:
            cached = STREAM_HEAD + (build_chat_stream_body(n) if chat else build_stream_body(n))
        else:
            body = build_chat_completion_body(n) if chat else build_completion_body(n)
            cached = (
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                b"x-request-id: req_bench\r\nconnection: keep-alive\r\n"
                b"content-length: %d\r\n\r\n%s" % (len(body), body)
            )
        _responses[key] = cached
    return cached


def error_response(status: int, message: str) -> bytes:
    body = msgspec.json.encode({"error": {"message": message, "type": "invalid_request_error"}})
    head = f"HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\n"
    return head.encode() + b"content-length: %d\r\n\r\n%s" % (len(body), body)


def answer(method: str, target: str, body: bytes) -> bytes:
    if method != "POST" or not target.endswith("/completions"):
        return error_response(404, f"no route for {method} {target}")
    try:
        request = _decode_request(body)
    except msgspec.DecodeError as exc:
        return error_response(400, f"bad body: {exc}")
    chat = target.endswith("/chat/completions")
    if chat:
        prompt = " ".join(m.content for m in request.messages if isinstance(m.content, str))
    else:
        prompt = request.prompt if isinstance(request.prompt, str) else "".join(request.prompt)
    match = PROMPT_RE.search(prompt)
    if match is None:
        return error_response(400, "the prompt must contain tokens:N")
    return response_for(int(match.group(1)), request.stream, chat, chat and TOOL_PROMPT in prompt)


def _dechunk(data: bytearray, start: int) -> tuple[bytes, int] | None:
    """A chunked request body from ``data[start:]``: (body, end) or None when incomplete."""
    parts: list[bytes] = []
    pos = start
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(data[pos:eol]).split(b";")[0], 16)
        if size == 0:
            end = data.find(b"\r\n\r\n", eol)
            return (b"".join(parts), end + 4) if end >= 0 else None
        if len(data) < eol + 2 + size + 2:
            return None
        parts.append(bytes(data[eol + 2 : eol + 2 + size]))
        pos = eol + 2 + size + 2


class HTTPProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; just enough for the clients under test."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self._handle_one():
            pass

    def _handle_one(self) -> bool:
        buffer = self.buffer
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        lines = bytes(buffer[:head_end]).decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = head_end + 4
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parsed = _dechunk(buffer, start)
            if parsed is None:
                return False
            body, end = parsed
        else:
            end = start + int(headers.get("content-length", "0"))
            if len(buffer) < end:
                return False
            body = bytes(buffer[start:end])
        del buffer[:end]
        assert self.transport is not None
        self.transport.write(answer(method, target, body))
        if headers.get("connection", "").lower() == "close":
            self.transport.close()
            return False
        return True


async def serve(port: int, prebuild: list[int], watch_stdin: bool) -> None:
    for n in prebuild:
        response_for(n, stream=True)
        response_for(n, stream=True, chat=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HTTPProtocol, "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if watch_stdin:  # stop when the parent goes away (its end of our stdin pipe closes)
        loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.read(1) else None)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prebuild", default="", help="comma-separated N to build at start")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = parser.parse_args()
    prebuild = [int(n) for n in args.prebuild.split(",") if n]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, prebuild, args.watch_stdin))


if __name__ == "__main__":
    main()
