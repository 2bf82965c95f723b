"""Scripted tool calls: what a `Reply` asks the model to call, and how each protocol streams it
(OpenAI: ``delta.tool_calls`` fragments by index; Anthropic: ``tool_use`` blocks with
``input_json_delta`` fragments, the first one ``""``; Ollama: whole calls on one line).
No I/O: the protocol modules put these pieces into their plans.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import msgspec

__all__ = ["CompiledToolCall", "ToolCallReply", "compile_tool_calls"]

encode = msgspec.json.encode

_DEFAULT_PIECE: Final = 7


@dataclass(frozen=True)
class ToolCallReply:
    """One tool call in a scripted reply.

    ``arguments`` is a JSON object (sent compactly encoded) or raw JSON text (sent as it is, so
    a test can script arguments that are not valid JSON). The arguments stream in pieces of
    ``fragments`` characters (cycled; by default 7, about a model's token); Ollama sends every
    call whole. ``id`` defaults to ``call_fake<request>_<n>`` (OpenAI) or
    ``toolu_fake<request>_<n>`` (Anthropic); Ollama sends an id only when one is given.
    """

    name: str
    arguments: Mapping[str, object] | str = field(default_factory=dict)
    id: str | None = None
    fragments: Sequence[int] | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("ToolCallReply.name must not be empty")
        if self.fragments is not None and (
            not self.fragments or any(size <= 0 for size in self.fragments)
        ):
            raise ValueError("ToolCallReply.fragments must be a non-empty sequence of sizes > 0")


@dataclass(frozen=True)
class CompiledToolCall:
    index: int
    name: str
    id: str | None
    text: str
    """The whole arguments as JSON text."""
    pieces: tuple[str, ...]
    """The argument fragments as they stream (they join to ``text``)."""

    def value(self) -> object:
        """The arguments as a JSON value (raw text that is not JSON is sent as a string)."""
        try:
            return msgspec.json.decode(self.text)
        except msgspec.DecodeError:
            return self.text


def _pieces(text: str, sizes: Sequence[int] | None) -> tuple[str, ...]:
    pieces: list[str] = []
    start = 0
    for size in itertools.cycle(sizes or (_DEFAULT_PIECE,)):
        if start >= len(text):
            break
        pieces.append(text[start : start + size])
        start += size
    return tuple(pieces)


def compile_tool_calls(calls: Sequence[ToolCallReply]) -> tuple[CompiledToolCall, ...]:
    compiled = []
    for index, call in enumerate(calls):
        args = call.arguments
        text = args if isinstance(args, str) else encode(dict(args)).decode()
        compiled.append(
            CompiledToolCall(index, call.name, call.id, text, _pieces(text, call.fragments))
        )
    return tuple(compiled)


def call_id(call: CompiledToolCall, prefix: str, seq: int) -> str:
    return call.id if call.id is not None else f"{prefix}_fake{seq}_{call.index}"


def fragment_order(
    calls: Sequence[CompiledToolCall], interleave: bool
) -> list[tuple[CompiledToolCall, str | None]]:
    """The order a stream sends calls in: ``(call, None)`` opens a call, ``(call, piece)`` is one
    of its fragments. Calls follow each other, or (``interleave``) all open first and their
    fragments alternate, as some OpenAI-compatible servers stream parallel calls."""
    if not interleave:
        return [
            item
            for call in calls
            for item in [(call, None), *((call, piece) for piece in call.pieces)]
        ]
    order: list[tuple[CompiledToolCall, str | None]] = [(call, None) for call in calls]
    for group in itertools.zip_longest(*(call.pieces for call in calls)):
        order.extend(
            (call, piece) for call, piece in zip(calls, group, strict=True) if piece is not None
        )
    return order


# ---- OpenAI chat completions


def openai_tool_deltas(
    calls: Sequence[CompiledToolCall], seq: int, *, interleave: bool
) -> list[bytes]:
    """The ``delta`` objects of a stream's tool calls: the first of a call carries its id, type
    and name with ``arguments: ""``; the others an argument fragment and the index only."""
    deltas = []
    for call, piece in fragment_order(calls, interleave):
        if piece is None:
            entry: dict[str, object] = {
                "index": call.index,
                "id": call_id(call, "call", seq),
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
        else:
            entry = {"index": call.index, "function": {"arguments": piece}}
        deltas.append(encode({"tool_calls": [entry]}))
    return deltas


def openai_message_tool_calls(calls: Sequence[CompiledToolCall], seq: int) -> list[object]:
    return [
        {
            "id": call_id(call, "call", seq),
            "type": "function",
            "function": {"name": call.name, "arguments": call.text},
        }
        for call in calls
    ]


# ---- Anthropic Messages


def _sse(name: bytes, data: bytes) -> bytes:
    return b"event: " + name + b"\ndata: " + data + b"\n\n"


def anthropic_tool_events(
    calls: Sequence[CompiledToolCall], seq: int, *, first_block: int
) -> list[bytes]:
    """Each call as a ``tool_use`` block: start (``input: {}``), an empty ``input_json_delta``
    (as the API sends first), one delta per fragment, stop. One piece per fragment; the start
    and the empty delta ride with the first fragment, the stop with the last."""
    events: list[bytes] = []
    for offset, call in enumerate(calls):
        block = first_block + offset
        start = _sse(
            b"content_block_start",
            encode(
                {
                    "type": "content_block_start",
                    "index": block,
                    "content_block": {
                        "type": "tool_use",
                        "id": call_id(call, "toolu", seq),
                        "name": call.name,
                        "input": {},
                    },
                }
            ),
        )
        deltas = [
            _sse(
                b"content_block_delta",
                encode(
                    {
                        "type": "content_block_delta",
                        "index": block,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    }
                ),
            )
            for piece in ("", *call.pieces)
        ]
        stop = _sse(
            b"content_block_stop",
            b'{"type":"content_block_stop","index":%d}' % block,
        )
        pieces = [start + deltas[0] + (deltas[1] if len(deltas) > 1 else b""), *deltas[2:]]
        pieces[-1] += stop
        events.extend(pieces)
    return events


def anthropic_tool_blocks(calls: Sequence[CompiledToolCall], seq: int) -> list[object]:
    return [
        {
            "type": "tool_use",
            "id": call_id(call, "toolu", seq),
            "name": call.name,
            "input": call.value(),
        }
        for call in calls
    ]


# ---- Ollama chat


def ollama_tool_calls(calls: Sequence[CompiledToolCall]) -> list[object]:
    """Ollama sends calls whole, ``arguments`` as a JSON object (an id only when scripted)."""
    out: list[object] = []
    for call in calls:
        entry: dict[str, object] = {
            "function": {"index": call.index, "name": call.name, "arguments": call.value()}
        }
        if call.id is not None:
            entry["id"] = call.id
        out.append(entry)
    return out
