"""The OpenAI string readers' fast path against their general path, chunk for chunk.

The read loop hands each network read to ``reader.feed_read``: a read of whole plain events goes
to ``feed_datas`` as their data (no event objects), and a chunk that is one plain token of
candidate 0 is told apart by the narrowed ``PlainPayload`` decoder (no Python checks). The
general path is the SSE decoder's ``feed`` and ``reader.feed`` per event, which decodes every
chunk with the full ``OpenAIPayload`` decoder. Both must give the same chunks, the same builder
(text, finish reasons, usage, model), the same end and the same error (type, message, raw bytes,
partial text), whatever the chunks hold and however the body is cut into reads.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from rillet._providers.openai.read import (
    ChatStreamReader,
    ChatTextReader,
    CompletionsStreamReader,
    CompletionsTextReader,
    OpenAIStreamReader,
)
from rillet._providers.openai.wire import CompletionChoice, OpenAIPayload
from rillet._values.errors import RilletError
from rillet._values.outputs import GenerationBuilder, GenerationChunk
from rillet._wire.sse import ServerSentEvent
from tests._helpers.recordings import recording, recordings

ChunkReader = type[CompletionsStreamReader] | type[ChatStreamReader]
TextReader = type[CompletionsTextReader] | type[ChatTextReader]
Reader = ChunkReader | TextReader

# Chunk templates: `T` is replaced by a JSON string (the token). Plain ones first.
COMPLETION_CHUNKS = [
    '{"id":"cmpl-1","object":"text_completion","created":1,"choices":[{"text":T,"index":0,'
    '"logprobs":null,"finish_reason":null}],"model":"m"}',
    '{"choices":[{"text":T}]}',
    '{"choices":[{"text":T,"stop_reason":null}],"usage":null,"model":"m2","x_groq":null}',
    '{"choices":[{"text":T}],"system_fingerprint":"fp","id":"i","model":""}',
    # other chunks: the general decoder must say what they are
    '{"choices":[{"text":T,"index":0,"finish_reason":"stop"}],"model":"m"}',
    '{"choices":[{"text":T,"logprobs":{"tokens":["a"],"token_logprobs":[-0.5],'
    '"text_offset":[0]}}]}',
    '{"choices":[{"text":T,"index":1}]}',
    '{"choices":[{"text":T,"index":0},{"text":T,"index":1}]}',
    '{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}',
    '{"choices":[{"text":T}],"x_groq":{"usage":{"prompt_tokens":1,"completion_tokens":1,'
    '"total_tokens":2}}}',
    '{"error":{"message":"boom","code":500}}',
    '{"choices":[{"text":T}],"model":5}',
    '{"choices":[{"text":T}],"id":null}',
    '{"choices":[{"text":T,"index":-1}]}',
    '{"choices":[{"text":T,"index":0.0}]}',
    '{"choices":[{"text":null}]}',
    '{"choices":[{"text":5}]}',
    '{"choices":[{}]}',
    '{"choices":{}}',
    "[]",
    '{"choices":[{"text":T}]',
    '{"choices":[{"text":T}]} {}',
    "[DONE]",
]
CHAT_CHUNKS = [
    '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":'
    '"fp","choices":[{"index":0,"delta":{"content":T},"logprobs":null,"finish_reason":null}]}',
    '{"choices":[{"delta":{"content":T,"role":"assistant","refusal":null}}]}',
    '{"choices":[{"delta":{"content":T,"tool_calls":null},"message":null}],"model":"m"}',
    # other chunks
    '{"choices":[{"delta":{"content":T},"finish_reason":"stop"}]}',
    '{"choices":[{"delta":{},"finish_reason":"length"}]}',
    '{"choices":[{"delta":null}]}',
    '{"choices":[{"delta":{"content":T,"tool_calls":[]}}]}',
    '{"choices":[{"delta":{"content":null,"tool_calls":[{"function":{"name":"f"}}]}}]}',
    '{"choices":[{"delta":{"content":T,"tool_calls":[{"function":{"name":"f"}}]}}]}',
    '{"choices":[{"index":1,"delta":{"content":T}}]}',
    '{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}',
    '{"error":{"message":"rate limited","code":429}}',
    '{"choices":[{"delta":{"content":5}}]}',
    '{"choices":[{"delta":{"content":T}}],"system_fingerprint":7}',
    '{"choices":[{"delta":{"content":T}}]',
    "[DONE]",
]
TOKENS = ["", " The", "a", "\n", ' "q"', " café", " 🦊", "\\", "data: x\n\n", "\u2028"]


def render(template: str, token: str) -> bytes:
    return template.replace("T", json.dumps(token, ensure_ascii=False)).encode()


# How an event is written: the plain shape mostly, and the SSE shapes the plain read refuses.
EVENT_SHAPES = [
    b"data: %s\n\n",
    b"data: %s\n\n",
    b"data: %s\n\n",
    b"data:%s\n\n",
    b"data: %s\r\n\r\n",
    b"event: message\ndata: %s\n\n",
    b"event: chunk\ndata: %s\n\n",
    b": keep-alive\ndata: %s\n\n",
    b"id: 7\ndata: %s\n\n",
    b"data: %s\n\n: ping\n\n",
    b"retry: 10\ndata: %s\n\n",
]


def events(templates: list[str]) -> st.SearchStrategy[bytes]:
    """A body: events built from ``templates`` (plain ones more often), then maybe ``[DONE]``
    and whatever follows it."""
    plain = st.sampled_from(templates[:3])
    chunk = st.builds(
        render, st.one_of(plain, plain, plain, st.sampled_from(templates)), st.sampled_from(TOKENS)
    )
    special = st.sampled_from(
        [
            b"\xff",
            b'{"choices":[{"text":"\xc3"}]}',
            b'{"object":"\xff","choices":[{"text":"ok"}]}',
            b'{"object":' + b"[" * 3000 + b"]" * 3000 + b',"choices":[]}',
        ]
    )
    event = st.builds(
        lambda data, shape: shape % data,
        st.one_of(*[chunk] * 8, special),
        st.sampled_from(EVENT_SHAPES),
    )
    opening = st.sampled_from([b"", b"\xef\xbb\xbf", b": hello\n\n"])
    ending = st.sampled_from([b"data: [DONE]\n\n", b"data: [DONE]\n\ndata: late\n\n", b"", b"da"])
    return st.builds(
        lambda a, b, c: a + b"".join(b) + c, opening, st.lists(event, max_size=16), ending
    )


Outcome = tuple[list[object], object, bool, tuple[object, ...] | None]


def failure(exc: RilletError) -> tuple[object, ...]:
    return (type(exc), str(exc), getattr(exc, "raw", None), exc.partial_text)


def general(cls: Reader, body: bytes) -> Outcome:
    """One byte at a time through ``frames.feed`` and ``feed`` per event (the general path)."""

    def feed(reader: OpenAIStreamReader[Any, Any], out: list[Any]) -> None:
        for index in range(len(body)):
            for frame in reader.frames.feed(body[index : index + 1]):
                piece = reader.feed(frame)
                if piece is not None:
                    out.append(piece)
                if reader.done:
                    return

    return outcome(cls, feed)


def fast(cls: Reader, reads: list[bytes]) -> Outcome:
    """As the read loop feeds it: ``feed_read`` per network read."""

    def feed(reader: OpenAIStreamReader[Any, Any], out: list[Any]) -> None:
        for raw in reads:
            reader.feed_read(raw, out)
            if reader.done:
                return

    return outcome(cls, feed)


def outcome(
    cls: Reader, feed: Callable[[OpenAIStreamReader[Any, Any], list[Any]], None]
) -> Outcome:
    """What a fresh reader fed by ``feed`` yields, records and raises, ended as at EOF."""
    reader = cls(GenerationBuilder(), url="http://x/v1")
    out: list[Any] = []
    try:
        feed(reader, out)
        if not reader.done:
            reader.frames.flush()
            reader.finish()
    except RilletError as exc:
        return out, reader.builder.result(), reader.done, failure(exc)
    return out, reader.builder.result(), reader.done, None


def split_at(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


def check(chunks: ChunkReader, texts: TextReader, body: bytes, cuts: list[int]) -> None:
    expected = general(chunks, body)
    texts_expected = [c.text for c in expected[0] if isinstance(c, GenerationChunk)]
    assert len(texts_expected) == len(expected[0])
    for reads in ([body], split_at(body, cuts), [body[i : i + 1] for i in range(len(body))]):
        assert fast(chunks, reads) == expected
        out, result, done, error = fast(texts, reads)
        assert (out, result, done, error) == (
            texts_expected,
            expected[1],
            expected[2],
            expected[3],
        )


@settings(max_examples=120, deadline=None)
@given(body=events(COMPLETION_CHUNKS), data=st.data())
def test_completions_fast_path_is_the_general_path(body: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    check(CompletionsStreamReader, CompletionsTextReader, body, cuts)


@settings(max_examples=120, deadline=None)
@given(body=events(CHAT_CHUNKS), data=st.data())
def test_chat_fast_path_is_the_general_path(body: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    check(ChatStreamReader, ChatTextReader, body, cuts)


@pytest.mark.parametrize(
    "name",
    [
        n
        for p in ("openai-", "vllm-", "groq-", "novita-", "together-", "openrouter-")
        for n in recordings(p)
    ],
)
def test_recorded_streams_fast_path_is_the_general_path(name: str) -> None:
    body = recording(name).body
    if "completions" in name:
        check(CompletionsStreamReader, CompletionsTextReader, body, [7, 100, 101, 1000])
    else:
        check(ChatStreamReader, ChatTextReader, body, [7, 100, 101, 1000])


class Watched(CompletionsTextReader):
    """Counts the general path's steps: event objects fed, the full decoder fetched."""

    __slots__ = ("general",)

    def __init__(self) -> None:
        super().__init__(GenerationBuilder(), url="http://x/v1")
        self.general = 0

    def feed_all(self, frames: list[ServerSentEvent], out: list[str]) -> None:
        self.general += 1
        super().feed_all(frames, out)

    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[CompletionChoice]]:
        self.general += 1
        return super()._decoder()


def test_a_read_of_plain_chunks_takes_the_fast_path() -> None:
    """The common read: whole plain events after the first (which carries the model). Neither
    event objects nor the full decoder are used for them (the test fails if the path it checks
    is not the one taken)."""
    reader = Watched()
    reader.feed_read(b"data: " + render(COMPLETION_CHUNKS[0], "a") + b"\n\n", out := list[Any]())
    assert out == ["a"]
    assert reader.builder.model_name == "m"
    assert reader.general == 2  # the first read of a stream: `feed` (the BOM check), `_apply`
    body = b"".join(b"data: " + render(COMPLETION_CHUNKS[0], t) + b"\n\n" for t in TOKENS)
    reader.feed_read(body + b"data: {", out := list[Any]())
    assert out == [t for t in TOKENS if t]
    assert reader.builder.text(0) == "a" + "".join(TOKENS)
    assert reader.general == 2


def test_a_stream_of_other_chunks_stops_trying_the_plain_decoder() -> None:
    """Every chunk with logprobs: past 16 refusals the plain decoder is not tried again, and
    the chunks are the same."""
    template = COMPLETION_CHUNKS[5]
    body = b"".join(b"data: " + render(template, f" {i}") + b"\n\n" for i in range(40))
    reader = CompletionsStreamReader(GenerationBuilder(), url="http://x/v1")
    reader.feed_read(b"data: " + render(COMPLETION_CHUNKS[0], "a") + b"\n\n", [])
    reader.feed_read(body, out := list[Any]())
    assert reader._misses == 16
    assert [c.text for c in out] == [f" {i}" for i in range(40)]
    assert all(c.generation_info is not None for c in out)
    check(CompletionsStreamReader, CompletionsTextReader, body, [])
