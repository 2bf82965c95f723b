"""The chat completions reader fed a network read at a time (``feed_all``, with its inline fast
path) gives the same chunks, in the same order, with the same errors, as the reader's general
path applied frame by frame, whatever the split of the bytes: every recorded OpenAI-style chat
stream and the wire cases no recording has (tool-call fragments, empty deltas, reasoning and
refusal mid-stream, a second choice, usage and finish chunks, an error chunk, bad frames)."""

from __future__ import annotations

import itertools
import random

import msgspec
import pytest

from rillet import StreamDecodeError, StreamProviderError, UnsupportedOutputError
from rillet._providers.openai.chat import ChatCompletionsReader, chat_payload_decoder
from rillet._values.errors import RilletError
from rillet._values.messages import AIMessageChunk
from rillet._wire.sse import ServerSentEvent
from tests._helpers.recordings import recording, recordings

RECORDED = [
    name
    for prefix in ("openai-chat-", "groq-", "novita-", "together-", "openrouter-")
    for name in recordings(prefix)
]


def event(payload: object) -> bytes:
    return b"data: " + msgspec.json.encode(payload) + b"\n\n"


def token(text: str | None, **delta: object) -> bytes:
    return event(
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": text, **delta}}]}
    )


def fragment(args: str, **call: object) -> bytes:
    return token(None, tool_calls=[{"index": 0, "function": {"arguments": args}, **call}])


FIRST = event(
    {
        "id": "c1",
        "model": "m",
        "system_fingerprint": "fp",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}],
    }
)
FINISH = event(
    {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
)
USAGE = event(
    {
        "id": "c1",
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 7, "total_tokens": 10},
    }
)
DONE = b"data: [DONE]\n\n"

SYNTHETIC = {
    "text-tool-reasoning-refusal": b"".join(
        [
            FIRST,
            token("Hel"),
            token(""),  # an empty delta: no chunk
            token(None),
            token("lo", reasoning_content=None),
            token(None, reasoning_content="think"),  # reasoning: the general path
            token("", reasoning="more"),
            token(
                None,
                reasoning_details=[{"type": "reasoning.text", "text": "signed", "signature": "s"}],
            ),
            token(None, refusal="no"),
            fragment("", id="call_1", type="function", function={"name": "f", "arguments": ""}),
            fragment('{"a"'),
            fragment(": 1}"),
            token("mixed", tool_calls=[{"index": 0, "function": {"arguments": ""}}]),
            fragment("x", id="call_2"),  # a fragment with an id: the general path
            event({"id": "c1", "model": "m", "choices": [{"index": 1, "delta": {"content": "B"}}]}),
            event(
                {
                    "id": "c1",
                    "model": "m",
                    "choices": [
                        {"index": 0, "delta": {"content": "A"}},
                        {"index": 1, "delta": {"content": "B"}},
                    ],
                }
            ),
            event(
                {
                    "id": "c1",
                    "model": "m",
                    "choices": [{"index": 0, "delta": {"content": "u"}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1},
                }
            ),
            event(
                {
                    "id": "c1",
                    "model": "m",
                    "choices": [{"index": 0, "delta": {"content": "g"}}],
                    "x_groq": {"id": "x"},
                }
            ),
            token(" world"),
            FINISH,
            USAGE,
            DONE,
            token("after the end: never read"),
        ]
    ),
    # Text beside every other field the reader reads, after the first chunk: each is refused by
    # the plain decoder (`PlainChatPayload`) and read in full.
    "text-beside-other-fields": b"".join(
        [
            FIRST,
            token("a"),
            token("b", reasoning_content="r1"),
            token("c", reasoning="r2"),
            token("d", reasoning_details=[{"type": "reasoning.text", "text": "r3"}]),
            token("e", refusal="no"),
            token("f", annotations=[{"type": "url_citation", "url_citation": {"url": "u"}}]),
            token("g", tool_calls=[{"index": 0, "function": {"arguments": "{}"}}]),
            event(
                {"model": "m", "choices": [{"index": 0, "delta": {"content": "h"}, "message": {}}]}
            ),
            event({"choices": [{"index": 0, "delta": {"content": "i"}, "finish_reason": "stop"}]}),
            event({"choices": [{"delta": {"content": "j"}}], "usage": {"prompt_tokens": 1}}),
            event(
                {
                    "choices": [{"delta": {"content": "k"}}],
                    "x_groq": {"usage": {"completion_tokens": 2}},
                }
            ),
            event({"choices": [{"index": 1, "delta": {"content": "l"}}]}),
            token("m"),
            DONE,
        ]
    ),
    # More refusals than the plain decoder is tried for (tool-call fragments), then text and a
    # reasoning token: the full decoder alone from then on.
    "past-the-plain-decoder": b"".join(
        [
            FIRST,
            token("a"),
            fragment("", id="call_1", type="function", function={"name": "f", "arguments": ""}),
            *[fragment(str(i)) for i in range(20)],
            token("b"),
            token(None, reasoning_content="r"),
            token("c"),
            FINISH,
            DONE,
        ]
    ),
    "unsupported-logprobs-after-start": b"".join(
        [
            FIRST,
            token("a"),
            event({"choices": [{"index": 0, "delta": {"content": "b"}, "logprobs": {"x": 1}}]}),
            DONE,
        ]
    ),
    "no-role-chunk-first": b"".join([token("a"), token("b"), FINISH, DONE]),
    "azure-empty-first": b"".join(
        [event({"id": "", "model": "", "choices": []}), FIRST, token("a"), FINISH, USAGE, DONE]
    ),
    "error-mid-stream": b"".join(
        [FIRST, token("a"), token("b"), event({"error": {"message": "boom"}}), token("c"), DONE]
    ),
    "not-json-mid-stream": b"".join([FIRST, token("a"), b"data: {nope\n\n", token("c"), DONE]),
    "bad-utf8-mid-stream": b"".join(
        [FIRST, token("a"), b'data: {"choices": [], "id": "\xff"}\n\n', token("c"), DONE]
    ),
    "unsupported-mid-stream": b"".join(
        [FIRST, token("a"), token(None, audio={"id": "x"}), token("c"), DONE]
    ),
}


def bodies() -> list[tuple[str, bytes]]:
    return [(name, recording(name).body) for name in RECORDED] + list(SYNTHETIC.items())


Outcome = tuple[list[AIMessageChunk], str, bool, str | None]


def reference(body: bytes) -> Outcome:
    """The general path (``_slow``) frame by frame, one read holding the whole body."""
    reader = ChatCompletionsReader(url="http://test")
    decode = chat_payload_decoder().decode
    chunks: list[AIMessageChunk] = []
    error: str | None = None
    try:
        for frame in reader.frames.feed(body):
            if frame.data == b"[DONE]":
                reader.done = True
                break
            try:
                payload = decode(frame.data)
            except msgspec.DecodeError as exc:
                raise reader.decode_error("chat completion chunk", frame.data, exc) from exc
            except (UnicodeDecodeError, RecursionError) as exc:
                raise reader.undecodable(frame, exc) from None
            chunk = reader._slow(payload, frame.data)
            if chunk is not None:
                chunks.append(chunk)
    except RilletError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return chunks, reader.builder.text(0), reader.done, error


def by_reads(body: bytes, cuts: list[int], *, as_read_loop: bool = False) -> Outcome:
    """``feed_all`` once per read, the body cut at ``cuts`` (or, ``as_read_loop``, each read
    through ``feed_read`` as the read loop does: plain reads go to ``feed_datas``)."""
    reader = ChatCompletionsReader(url="http://test")
    chunks: list[AIMessageChunk] = []
    error: str | None = None
    edges = [0, *cuts, len(body)]
    try:
        for start, end in itertools.pairwise(edges):
            if as_read_loop:
                reader.feed_read(body[start:end], chunks)
            else:
                frames = reader.frames.feed(body[start:end])
                if frames:
                    reader.feed_all(frames, chunks)  # the chunks before a failing frame stay
            if reader.done:
                break
    except RilletError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return chunks, reader.builder.text(0), reader.done, error


def by_frames(body: bytes) -> Outcome:
    """``feed`` frame by frame, one byte per read."""
    reader = ChatCompletionsReader(url="http://test")
    chunks: list[AIMessageChunk] = []
    error: str | None = None
    try:
        for i in range(len(body)):
            for frame in reader.frames.feed(body[i : i + 1]):
                chunk = reader.feed(frame)
                if chunk is not None:
                    chunks.append(chunk)
                if reader.done:
                    break
            if reader.done:
                break
    except RilletError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return chunks, reader.builder.text(0), reader.done, error


@pytest.mark.parametrize(("name", "body"), bodies(), ids=[name for name, _ in bodies()])
def test_reads_of_any_size_give_the_chunks_of_the_general_path(name: str, body: bytes) -> None:
    expected = reference(body)
    assert expected[0], "the case streams chunks"
    rng = random.Random(name)
    splits = {
        "whole": [],
        "per-byte": list(range(1, len(body))),
        **{
            f"random-{seed}": sorted(
                rng.sample(range(1, len(body)), k=len(body) // rng.randint(2, 40))
            )
            for seed in range(3)
        },
    }
    for split, cuts in splits.items():
        assert by_reads(body, cuts) == expected, split
        assert by_reads(body, cuts, as_read_loop=True) == expected, split
    assert by_frames(body) == expected


def test_the_cases_cover_every_way_out_of_a_read() -> None:
    # The synthetic cases reach the fast path, the general path, and each error kind.
    chunks, text, done, error = reference(SYNTHETIC["text-tool-reasoning-refusal"])
    assert done
    assert error is None
    assert text == "Hellomixed" + "Au" + "g world"
    assert [c.content for c in chunks if isinstance(c.content, str) and c.content] == [
        "Hel",
        "lo",
        "mixed",
        "A",
        "u",
        "g",
        " world",
    ]
    assert sum(len(c.tool_call_chunks) for c in chunks) == 5
    for name, kind, before in [
        ("error-mid-stream", StreamProviderError, ["", "a", "b"]),
        ("not-json-mid-stream", StreamDecodeError, ["", "a"]),
        ("bad-utf8-mid-stream", StreamDecodeError, ["", "a"]),
        ("unsupported-mid-stream", UnsupportedOutputError, ["", "a"]),
    ]:
        chunks, text, done, error = by_reads(SYNTHETIC[name], [])
        assert error is not None, name
        assert error.startswith(kind.__name__ + ":"), name
        assert [c.text for c in chunks] == before, name
        assert text == "".join(before), name


def test_feed_all_keeps_the_chunks_before_a_failing_frame_and_stops_at_done() -> None:
    reader = ChatCompletionsReader(url="http://test")
    frames = [ServerSentEvent(data) for data in (FIRST[6:-2], token("a")[6:-2], b"{nope")]
    out: list[AIMessageChunk] = []
    with pytest.raises(StreamDecodeError) as caught:
        reader.feed_all(frames, out)
    assert caught.value.raw == b"{nope"
    assert [chunk.text for chunk in out] == ["", "a"]
    reader = ChatCompletionsReader(url="http://test")
    out = []
    reader.feed_all(
        [ServerSentEvent(data) for data in (token("a")[6:-2], b"[DONE]", b"{nope")], out
    )
    assert reader.done
    assert [chunk.text for chunk in out] == ["a"]
