"""The one workload every approach runs: the tokens, the exact bytes the server sends, the text.

A request asks for N tokens through its prompt (``"tokens:N"``), which every client sends as it is,
so no client needs a special header or model name. Token ``i`` is ``VOCAB[i % len(VOCAB)]``: plain
words, a newline, escaped quotes and non-ASCII text, so every decoder does real JSON work.
"""

from __future__ import annotations

import re
from functools import cache

import msgspec

__all__ = [
    "CHAT_MODEL",
    "MODEL",
    "PROMPT_RE",
    "TOOL_PROMPT",
    "build_chat_completion_body",
    "build_chat_stream_body",
    "build_chat_tool_stream_body",
    "build_completion_body",
    "build_stream_body",
    "expected_text",
    "prompt_for",
    "tokens",
]

MODEL = "gpt-3.5-turbo-instruct"
CREATED = 1_700_000_000
COMPLETION_ID = "cmpl-bench0000000000000000000000"
CHAT_MODEL = "gpt-4o-mini"
CHAT_ID = "chatcmpl-bench00000000000000000000"
PROMPT_TOKENS = 3
PROMPT_RE = re.compile(r"tokens:(\d+)")

VOCAB: tuple[str, ...] = (
    " The",
    " quick",
    " brown",
    " fox",
    " jumps",
    " over",
    " the",
    " lazy",
    " dog",
    ".",
    "\n",
    " Spark",
    "ling",
    " water",
    ",",
    ' "so',
    ' clear"',
    " café",
    " naïve",
    " λ",
    " 🦊",
)


def prompt_for(n: int) -> str:
    return f"tokens:{n}"


def tokens(n: int) -> list[str]:
    size = len(VOCAB)
    return [VOCAB[i % size] for i in range(n)]


@cache
def expected_text(n: int) -> str:
    return "".join(tokens(n))


def _event(payload: object) -> bytes:
    """One SSE event in one HTTP chunk: ``<hex size>\\r\\ndata: {...}\\n\\n\\r\\n``."""
    data = b"data: " + msgspec.json.encode(payload) + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


def _choice(text: str, finish_reason: str | None) -> dict[str, object]:
    return {"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}


def _usage(n: int) -> dict[str, int]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": n,
        "total_tokens": PROMPT_TOKENS + n,
    }


def build_stream_body(n: int) -> bytes:
    """The chunked-encoding body of a streamed completion of ``n`` tokens (one chunk per event).

    One completion chunk per token (the last with ``finish_reason: "length"``), then the usage chunk
    (``choices: []``, as OpenAI sends it with ``stream_options.include_usage``), then ``[DONE]``.
    Every client gets these same bytes, whatever it asked for.
    """
    parts: list[bytes] = []
    for i, text in enumerate(tokens(n)):
        finish = "length" if i == n - 1 else None
        parts.append(
            _event(
                {
                    "id": COMPLETION_ID,
                    "object": "text_completion",
                    "created": CREATED,
                    "choices": [_choice(text, finish)],
                    "model": MODEL,
                }
            )
        )
    parts.append(
        _event(
            {
                "id": COMPLETION_ID,
                "object": "text_completion",
                "created": CREATED,
                "model": MODEL,
                "usage": _usage(n),
                "choices": [],
            }
        )
    )
    done = b"data: [DONE]\n\n"
    parts.append(b"%x\r\n%s\r\n" % (len(done), done))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def build_completion_body(n: int) -> bytes:
    """The JSON body of a non-streamed completion of ``n`` tokens."""
    return msgspec.json.encode(
        {
            "id": COMPLETION_ID,
            "object": "text_completion",
            "created": CREATED,
            "model": MODEL,
            "choices": [_choice(expected_text(n), "length")],
            "usage": _usage(n),
        }
    )


def _chat_chunk(delta: dict[str, object], finish_reason: str | None = None) -> bytes:
    return _event(
        {
            "id": CHAT_ID,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": CHAT_MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
    )


def build_chat_stream_body(n: int) -> bytes:
    """The chunked-encoding body of a streamed chat completion of ``n`` tokens, as OpenAI sends it
    with ``stream_options.include_usage``: a role chunk (``content: ""``), one ``delta.content``
    chunk per token, a ``delta: {}`` finish chunk, the usage chunk (``choices: []``), ``[DONE]``."""
    parts = [_chat_chunk({"role": "assistant", "content": "", "refusal": None})]
    parts.extend(_chat_chunk({"content": text}) for text in tokens(n))
    parts.append(_chat_chunk({}, "length"))
    parts.append(
        _event(
            {
                "id": CHAT_ID,
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": CHAT_MODEL,
                "system_fingerprint": "fp_bench",
                "choices": [],
                "usage": _usage(n),
            }
        )
    )
    done = b"data: [DONE]\n\n"
    parts.append(b"%x\r\n%s\r\n" % (len(done), done))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


TOOL_PROMPT = "tool-call"
"""In a chat prompt: answer with one tool call instead of text (issue 13's rows)."""


def build_chat_tool_stream_body(n: int) -> bytes:
    """A streamed chat completion whose answer is one tool call, ``echo({"text": <the n tokens>})``,
    its arguments streamed one token per chunk as OpenAI streams them (the first chunk carries
    the id, name and ``arguments: ""``): ``n + 2`` argument chunks, so a tool-call row and a text
    row of the same N stream the same number of chunks (about 5 bytes of arguments per token)."""
    call = {
        "index": 0,
        "id": "call_bench",
        "type": "function",
        "function": {"name": "echo", "arguments": ""},
    }
    parts = [_chat_chunk({"role": "assistant", "content": None, "tool_calls": [call]})]
    fragments = ['{"text":"', *(msgspec.json.encode(t).decode()[1:-1] for t in tokens(n)), '"}']
    parts.extend(
        _chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]})
        for fragment in fragments
    )
    parts.append(_chat_chunk({}, "tool_calls"))
    parts.append(
        _event(
            {
                "id": CHAT_ID,
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": CHAT_MODEL,
                "system_fingerprint": "fp_bench",
                "choices": [],
                "usage": _usage(n),
            }
        )
    )
    done = b"data: [DONE]\n\n"
    parts.append(b"%x\r\n%s\r\n" % (len(done), done))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def build_chat_completion_body(n: int) -> bytes:
    """The JSON body of a non-streamed chat completion of ``n`` tokens."""
    return msgspec.json.encode(
        {
            "id": CHAT_ID,
            "object": "chat.completion",
            "created": CREATED,
            "model": CHAT_MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": expected_text(n)},
                    "finish_reason": "length",
                }
            ],
            "usage": _usage(n),
        }
    )
