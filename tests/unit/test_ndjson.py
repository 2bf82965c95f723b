"""The NDJSON line decoder: rules, Ollama-shaped streams and property tests."""

from __future__ import annotations

import itertools

import msgspec
from hypothesis import given, settings, strategies as st

from rillet._wire.ndjson import NDJSONDecoder


def decode(*chunks: bytes) -> list[bytes]:
    """Feed `chunks` in order, then flush; return every line."""
    decoder = NDJSONDecoder()
    lines = [line for chunk in chunks for line in decoder.feed(chunk)]
    return lines + decoder.flush()


def bytewise(stream: bytes) -> list[bytes]:
    return [stream[i : i + 1] for i in range(len(stream))]


def test_lines_end_at_lf() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a":1}\n{"b":2}\n') == [b'{"a":1}', b'{"b":2}']
    assert decoder.flush() == []


def test_one_whole_line_per_feed() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b"{}\n") == [b"{}"]
    assert decoder.feed(b"[]\r\n") == [b"[]"]
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"  \n") == []


def test_crlf_endings_lose_the_cr() -> None:
    assert decode(b"{}\r\n[]\r\n") == [b"{}", b"[]"]


def test_only_one_cr_is_stripped() -> None:
    assert decode(b"{}\r\r\n") == [b"{}\r"]


def test_lone_cr_does_not_end_a_line() -> None:
    assert decode(b"1\r2\n") == [b"1\r2"]


def test_crlf_split_across_feeds() -> None:
    assert decode(b"{}\r", b"\n[]") == [b"{}", b"[]"]


def test_blank_and_whitespace_only_lines_are_skipped() -> None:
    assert decode(b"\n\n \n\t\r\n\r\n{}\n  \t \n") == [b"{}"]


def test_non_json_whitespace_is_not_blank() -> None:
    # Form feed is not JSON whitespace: the line goes to the JSON decoder, which rejects it.
    assert decode(b"\x0c\n") == [b"\x0c"]


def test_surrounding_whitespace_of_a_line_is_kept() -> None:
    assert decode(b"  {} \t\n") == [b"  {} \t"]


def test_partial_line_waits_for_its_lf() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"resp') == []
    assert decoder.feed(b'onse": "hi"') == []
    assert decoder.feed(b'}\n{"do') == [b'{"response": "hi"}']
    assert decoder.feed(b'ne": true}\n') == [b'{"done": true}']


def test_flush_returns_the_unterminated_last_line() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a":1}\n{"done":true}') == [b'{"a":1}']
    assert decoder.flush() == [b'{"done":true}']
    assert decoder.flush() == []  # flushing emptied the buffer


def test_flush_strips_a_trailing_cr() -> None:
    assert decode(b"{}\r") == [b"{}"]


def test_flush_skips_a_blank_last_line() -> None:
    assert decode(b"{}\n  \t") == [b"{}"]
    assert decode(b"\r") == []
    assert decode(b"") == []


def test_one_byte_per_feed() -> None:
    stream = b'{"a":1}\r\n\n{"b":2}\n{"c":3}'
    assert decode(*bytewise(stream)) == [b'{"a":1}', b'{"b":2}', b'{"c":3}']


def test_empty_feeds_are_harmless() -> None:
    assert decode(b"", b"{", b"", b"}", b"", b"\n", b"") == [b"{}"]


def test_ollama_generate_stream() -> None:
    stream = (
        b'{"model":"llama3.2","created_at":"2024-11-25T12:00:00Z","response":"He","done":false}\n'
        b'{"model":"llama3.2","created_at":"2024-11-25T12:00:01Z","response":"llo","done":false}\n'
        b'{"model":"llama3.2","created_at":"2024-11-25T12:00:02Z","response":"","done":true,'
        b'"done_reason":"stop","eval_count":2}'
    )
    lines = decode(stream[:50], stream[50:150], stream[150:])
    assert [msgspec.json.decode(line)["response"] for line in lines] == ["He", "llo", ""]


def test_invalid_utf8_passes_through() -> None:
    assert decode(b"\xff\xfe\n\xc3") == [b"\xff\xfe", b"\xc3"]


# --- Property tests ---------------------------------------------------------------------

streams = st.lists(
    st.one_of(
        st.sampled_from([b"\n", b"\r", b"\r\n", b" ", b"\t", b"{}", b'{"a": 1}', b"\xff"]),
        st.binary(max_size=4),
    ),
    max_size=40,
).map(b"".join)


def reference(stream: bytes) -> list[bytes]:
    """Split the whole stream at LF, drop one trailing CR, skip blank lines."""
    lines = [line[:-1] if line.endswith(b"\r") else line for line in stream.split(b"\n")]
    return [line for line in lines if line.strip(b" \t\r")]


@settings(max_examples=300, deadline=None)
@given(stream=streams, data=st.data())
def test_property_any_split_matches_reference(stream: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    bounds = [0, *cuts, len(stream)]
    chunks = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    expected = reference(stream)
    assert decode(stream) == expected
    assert decode(*chunks) == expected
    assert decode(*bytewise(stream)) == expected
