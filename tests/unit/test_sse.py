"""The SSE decoder against WHATWG HTML §9.2.5/§9.2.6, rule by rule, plus property tests."""

from __future__ import annotations

import itertools

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from rillet._wire.limits import FrameTooLarge
from rillet._wire.sse import ServerSentEvent, SSEDecoder

BOM = b"\xef\xbb\xbf"


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    """Feed `chunks` in order, then flush; return every event."""
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.flush()


def run(chunks: list[bytes]) -> tuple[list[ServerSentEvent], int, bool]:
    """Events, comment count and `discarded_pending` after feeding `chunks` and flushing."""
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    events += decoder.flush()
    return events, decoder.comments, decoder.discarded_pending


def bytewise(stream: bytes) -> list[bytes]:
    return [stream[i : i + 1] for i in range(len(stream))]


def ev(
    data: bytes, event: str = "message", id: str = "", retry: int | None = None
) -> ServerSentEvent:
    return ServerSentEvent(data, event, id, retry)


# --- The spec's examples and the brief's ---------------------------------------------------


def test_example_multiline_data_yhoo() -> None:
    assert decode(b"data: YHOO\ndata: +2\ndata: 10\n\n") == [ev(b"YHOO\n+2\n10")]


def test_example_bare_data_fields_and_dropped_last_block() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data\n\ndata\ndata\n\ndata:") == [ev(b""), ev(b"\n")]
    assert decoder.flush() == []
    assert decoder.discarded_pending


def test_example_space_after_colon_is_optional() -> None:
    assert decode(b"data:test\n\ndata: test\n\n") == [ev(b"test"), ev(b"test")]


def test_example_keepalive_comment_and_ping_emit_nothing() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b": keepalive\n\nevent: ping\n\n") == []
    assert decoder.comments == 1


def test_example_id_is_sticky() -> None:
    assert decode(b"id: 1\ndata: a\n\ndata: b\n\n") == [ev(b"a", id="1"), ev(b"b", id="1")]


def test_example_leading_bom() -> None:
    assert decode(b"\xef\xbb\xbfdata: 1\n\n") == [ev(b"1")]


def test_example_lone_cr_and_crlf() -> None:
    assert decode(b"data: a\r\rdata: b\r\n\r\n") == [ev(b"a"), ev(b"b")]


def test_example_extra_blank_line_dispatches_once() -> None:
    assert decode(b"id: 7\ndata: x\n\n\n") == [ev(b"x", id="7")]


# --- BOM (§9.2.5: one leading U+FEFF is ignored) -----------------------------------------


def test_bom_split_one_byte_per_feed() -> None:
    assert decode(*bytewise(BOM), b"data: 1\n\n") == [ev(b"1")]


def test_bom_split_two_then_rest() -> None:
    assert decode(BOM[:2], BOM[2:] + b"data: 1\n\n") == [ev(b"1")]


def test_empty_feeds_before_bom() -> None:
    assert decode(b"", b"", BOM, b"", b"data: 1\n\n") == [ev(b"1")]


def test_only_one_bom_is_dropped() -> None:
    # The second BOM is content: the field name becomes "\ufeffdata", which is ignored.
    assert decode(BOM + BOM + b"data: 1\n\n") == []


def test_later_bom_is_content() -> None:
    assert decode(b"data: 1\n\n" + BOM + b"data: 2\n\n") == [ev(b"1")]
    assert decode(b"data: " + BOM + b"x\n\n") == [ev(BOM + b"x")]


def test_bom_prefix_that_is_not_a_bom_is_content() -> None:
    assert decode(b"\xef", b"\xbbdata: 1\n\n") == []  # field name "\ufffddata": ignored
    assert decode(b"\xef", b"\n", b"data: 1\n\n") == [ev(b"1")]  # "\xef" was a line


def test_bom_prefix_at_eof_is_a_discarded_line() -> None:
    events, _, discarded = run([b"\xef\xbb"])
    assert events == []
    assert discarded


# --- Line terminators (§9.2.5: CRLF, LF or a lone CR; nothing else) -----------------------


def test_lf_terminates_lines() -> None:
    assert decode(b"data: a\n\n") == [ev(b"a")]


def test_crlf_terminates_lines() -> None:
    assert decode(b"data: a\r\ndata: b\r\n\r\n") == [ev(b"a\nb")]


def test_lone_cr_terminates_lines() -> None:
    assert decode(b"data: a\rdata: b\r\r") == [ev(b"a\nb")]


def test_crlf_split_across_feeds_is_one_terminator() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n") == []  # the pair of the CR, not a blank line
    assert decoder.feed(b"\r") == [ev(b"a")]
    assert decoder.feed(b"\n") == []  # the pair of that CR again
    assert decoder.feed(b"data: b\n\n") == [ev(b"b")]


def test_trailing_cr_survives_empty_feeds() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\n") == [ev(b"a")]


def test_cr_then_cr_across_feeds_is_two_terminators() -> None:
    assert decode(b"data: a\r", b"\rdata: b\n\n") == [ev(b"a"), ev(b"b")]


def test_lf_then_cr_is_two_terminators() -> None:
    assert decode(b"data: a\n\r") == [ev(b"a")]


@pytest.mark.parametrize(
    "separator",
    [
        pytest.param("\u2028".encode(), id="U+2028"),
        pytest.param("\u2029".encode(), id="U+2029"),
        pytest.param("\u0085".encode(), id="U+0085"),
        pytest.param(b"\x0b", id="VT"),
        pytest.param(b"\x0c", id="FF"),
        pytest.param(b"\x1c", id="FS"),
        pytest.param(b"\x00", id="NUL"),
    ],
)
def test_other_separators_are_content(separator: bytes) -> None:
    assert decode(b"data: a" + separator + b"data: b\n\n") == [ev(b"a" + separator + b"data: b")]


# --- Line kinds (§9.2.6) ------------------------------------------------------------------


def test_comment_lines_are_counted_and_ignored() -> None:
    decoder = SSEDecoder()
    stream = b": OPENROUTER PROCESSING\n\n:\ndata: x\n: mid-event\n\n"
    assert decoder.feed(stream) == [ev(b"x")]
    assert decoder.comments == 3


def test_comment_count_over_feeds() -> None:
    decoder = SSEDecoder()
    decoder.feed(b": a\n")
    decoder.feed(b": b")
    assert decoder.comments == 1  # ": b" is not terminated yet
    decoder.feed(b"\r\n")
    assert decoder.comments == 2


def test_field_value_drops_exactly_one_leading_space() -> None:
    assert decode(b"data:  two\n\n") == [ev(b" two")]
    assert decode(b"data:\tx\n\n") == [ev(b"\tx")]


def test_field_value_keeps_later_colons() -> None:
    assert decode(b'data: {"a": "b:c"}\n\n') == [ev(b'{"a": "b:c"}')]


def test_field_without_colon_has_empty_value() -> None:
    assert decode(b"data\n\n") == [ev(b"")]
    assert decode(b"event\ndata: x\n\n") == [ev(b"x")]  # empty event type -> "message"


def test_field_names_are_case_sensitive() -> None:
    assert decode(b"Data: x\nEVENT: y\n\n") == []
    assert decode(b"event: y\nDATA: z\ndata: x\n\n") == [ev(b"x", event="y")]


def test_field_name_with_space_is_not_data() -> None:
    assert decode(b"data : x\n\n") == []
    assert decode(b" data: x\n\n") == []


def test_unknown_fields_are_ignored() -> None:
    # `error:` is not a field of the format: the block has no data, so nothing is dispatched.
    assert decode(b'error: {"message": "boom"}\n\n') == []
    assert decode(b'error: {"message": "boom"}\ndata: 1\n\n') == [ev(b"1")]


# --- Fields ---------------------------------------------------------------------------------


def test_event_field_sets_type() -> None:
    assert decode(b"event: delta\ndata: 1\n\n") == [ev(b"1", event="delta")]


def test_event_type_resets_after_dispatch() -> None:
    assert decode(b"event: a\ndata: 1\n\ndata: 2\n\n") == [ev(b"1", event="a"), ev(b"2")]


def test_event_type_resets_even_without_data() -> None:
    assert decode(b"event: ping\n\ndata: 2\n\n") == [ev(b"2")]


def test_last_event_field_wins() -> None:
    assert decode(b"event: a\nevent: b\ndata: 1\n\n") == [ev(b"1", event="b")]


def test_empty_event_field_means_message() -> None:
    assert decode(b"event:\ndata: 1\n\n") == [ev(b"1")]


def test_data_lines_join_with_lf() -> None:
    assert decode(b"data: a\ndata:\ndata: b\n\n") == [ev(b"a\n\nb")]
    assert decode(b"data:\ndata:\n\n") == [ev(b"\n")]


def test_data_keeps_trailing_and_inner_whitespace() -> None:
    assert decode(b"data: a \t\n\n") == [ev(b"a \t")]


def test_id_is_sticky_and_can_be_reset_to_empty() -> None:
    stream = b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\n\ndata: d\n\n"
    assert decode(stream) == [ev(b"a", id="1"), ev(b"b", id="1"), ev(b"c"), ev(b"d", id="2")]


def test_id_with_nul_is_ignored() -> None:
    assert decode(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n") == [
        ev(b"a", id="1"),
        ev(b"b", id="1"),
    ]


def test_id_keeps_unicode() -> None:
    assert decode("id: é☃\ndata: a\n\n".encode()) == [ev(b"a", id="é☃")]


def test_retry_with_ascii_digits() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 3000\ndata: a\n\n") == [ev(b"a", retry=3000)]
    assert decoder.retry == 3000


@pytest.mark.parametrize(
    "value",
    [b"+5", b" 5", b"5s", b"-1", b"", b"5 ", b"1_000", b"1.5", "٣".encode(), "５".encode()],
)
def test_retry_without_only_ascii_digits_is_ignored(value: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: " + value + b"\ndata: a\n\n") == [ev(b"a")]
    assert decoder.retry is None


def test_retry_applies_to_its_block_only() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 10\ndata: a\n\ndata: b\n\nretry: 007\n\ndata: c\n\n")
    assert events == [ev(b"a", retry=10), ev(b"b"), ev(b"c")]
    assert decoder.retry == 7  # the stream's reconnection time survives the empty block


def test_retry_too_long_for_int_is_ignored() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: " + b"9" * 10_000 + b"\ndata: a\n\n") == [ev(b"a")]
    assert decoder.retry is None


# --- Dispatch and end of stream ----------------------------------------------------------


def test_blank_line_without_data_dispatches_nothing() -> None:
    assert decode(b"event: ping\n\n", b"id: 5\n\n", b"\n\n\n") == []


def test_id_only_block_still_sets_last_id() -> None:
    assert decode(b"id: 5\n\ndata: a\n\n") == [ev(b"a", id="5")]


def test_pending_data_is_not_dispatched_at_eof() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.flush() == []
    assert decoder.discarded_pending


def test_unterminated_line_is_discarded_at_eof() -> None:
    events, _, discarded = run([b"data: a\n\ndata: b"])
    assert events == [ev(b"a")]
    assert discarded


def test_clean_eof_discards_nothing() -> None:
    for stream in (b"", b"data: a\n\n", b"event: x\n", b": c\n", b"data: a\r\n\r\n"):
        _, _, discarded = run([stream])
        assert not discarded, stream


def test_events_come_in_order_from_one_feed() -> None:
    stream = b"".join(b"data: %d\n\n" % i for i in range(50))
    assert decode(stream) == [ev(b"%d" % i) for i in range(50)]


def test_event_split_across_many_feeds() -> None:
    chunks = [b"da", b"ta", b": ", b"{", b"}", b"\n", b"", b"\n"]
    assert decode(*chunks) == [ev(b"{}")]


def test_whole_event_chunks_with_crlf_endings() -> None:
    decoder = SSEDecoder()
    chunks = [b"data: 1\r\n\r\n", b"data: \r\n\r\n", b"data: 2\r\n\r\n", b"\n"]
    assert [e for c in chunks for e in decoder.feed(c)] == [ev(b"1"), ev(b""), ev(b"2")]
    # A CR or LF inside the line: general path; `b` is then a field name (ignored).
    assert decoder.feed(b"data: a\rb\r\n\r\n") == [ev(b"a")]
    assert decoder.feed(b"data: a\nb\r\n\r\n") == [ev(b"a")]
    # Near misses of the two fast-path shapes.
    assert decoder.feed(b"data: a\rdata: b\n\n") == [ev(b"a\nb")]
    assert decoder.feed(b"data: a\ndata: b\r\n\r\n") == [ev(b"a\nb")]
    assert decoder.feed(b"data: a\r\nxy") == []
    assert decoder.feed(b"\n\n") == [ev(b"a")]  # `xy` was an ignored field
    assert decoder.feed(b"data: a\nx") == []
    assert decoder.feed(b"\n\n") == [ev(b"a")]


def test_fast_path_honours_pending_state() -> None:
    """A whole `data: ...\\n\\n` chunk takes a fast path; pending state must still apply."""
    decoder = SSEDecoder()
    decoder.feed(b"data: warm-up\n\n")
    assert decoder.feed(b"event: e\nid: 9\nretry: 5\n") == []
    assert decoder.feed(b"data: 1\n\n") == [ev(b"1", event="e", id="9", retry=5)]
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"data: b\n\n") == [ev(b"a\nb", id="9")]
    assert decoder.feed(b"x") == []
    assert decoder.feed(b"data: c\n\n") == []  # the line was "xdata: c"
    assert decoder.feed(b"data: d\r") == []
    assert decoder.feed(b"\ndata: e\n\n") == [ev(b"d\ne", id="9")]  # the LF pairs with the CR
    assert decoder.feed(b": c\r") == []
    assert decoder.feed(b"data: f\n\n") == [ev(b"f", id="9")]
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: x\ndata: y\n\n") == [ev(b"x\ny", id="9")]


# --- Bytes in, bytes out ------------------------------------------------------------------


def test_invalid_utf8_never_crashes() -> None:
    events = decode(b"event: \xff\xfe\nid: \xc3\ndata: \xff\x80ok\n\n\xff: \xfe\n\n")
    assert events == [ev(b"\xff\x80ok", event="\ufffd\ufffd", id="\ufffd")]


def test_data_is_raw_bytes_for_the_json_decoder() -> None:
    (event,) = decode('data: {"text": "h\\u00e9 é"}\n\n'.encode())
    assert type(event.data) is bytes
    assert msgspec.json.decode(event.data) == {"text": "hé é"}


def test_server_sent_event_defaults_and_frozen() -> None:
    event = ServerSentEvent(b"x")
    assert (event.data, event.event, event.id, event.retry) == (b"x", "message", "", None)
    with pytest.raises(AttributeError):
        event.data = b"y"  # type: ignore[misc]


def test_fresh_decoder_state() -> None:
    decoder = SSEDecoder()
    assert decoder.comments == 0
    assert not decoder.discarded_pending
    assert decoder.retry is None


# --- Property tests ---------------------------------------------------------------------

FRAGMENTS = [
    b"data:",
    b"data: ",
    b"data",
    b"Data: ",
    b"event: x",
    b"event:",
    b"event: \xff",
    b"id: 3",
    b"id",
    b"id: \x00",
    b"retry: 10",
    b"retry: +5",
    b"retry:",
    b": c",
    b":",
    b"error: ",
    b'{"a": 1}',
    b" ",
    b"x",
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\n",
    BOM,
    b"\xef",
    b"\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xa8",
    "é".encode(),
]
streams = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=4)), max_size=40).map(
    b"".join
)


def split_at(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(stream=streams, data=st.data())
def test_property_any_split_gives_the_same_result(stream: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    whole = run([stream])
    assert run(split_at(stream, cuts)) == whole
    assert run(bytewise(stream)) == whole


def reference(stream: bytes) -> tuple[list[tuple[str, str, str, int | None]], int]:
    """§9.2.5/§9.2.6 read literally: decode the whole stream, split lines, interpret them.

    Slow and obviously correct; returns (data, event, id, retry) tuples and the comment count.
    """
    if stream.startswith(BOM):  # UTF-8 decode strips one leading BOM
        stream = stream[3:]
    text = stream.decode("utf-8", "replace")
    lines: list[str] = []
    line = ""
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\r":
            lines.append(line)
            line = ""
            if text[i + 1 : i + 2] == "\n":
                i += 1
        elif char == "\n":
            lines.append(line)
            line = ""
        else:
            line += char
        i += 1
    # `line` is now the unterminated last line: it never takes effect.
    events: list[tuple[str, str, str, int | None]] = []
    comments = 0
    data, event_type, last_id, retry = "", "", "", None
    for line in lines:
        if line == "":
            if data != "":
                if data.endswith("\n"):
                    data = data[:-1]
                events.append((data, event_type or "message", last_id, retry))
            data, event_type, retry = "", "", None
        elif line.startswith(":"):
            comments += 1
        else:
            if ":" in line:
                name, _, value = line.partition(":")
                if value.startswith(" "):
                    value = value[1:]
            else:
                name, value = line, ""
            if name == "event":
                event_type = value
            elif name == "data":
                data += value + "\n"
            elif name == "id":
                if "\0" not in value:
                    last_id = value
            elif name == "retry" and value and all(c in "0123456789" for c in value):
                retry = int(value)
    return events, comments


def check_against_reference(stream: bytes, chunks: list[bytes]) -> None:
    events, comments, _ = run(chunks)
    expected, expected_comments = reference(stream)
    got = [(e.data.decode("utf-8", "replace"), e.event, e.id, e.retry) for e in events]
    assert got == expected
    assert comments == expected_comments
    try:
        stream.decode("utf-8")
    except UnicodeDecodeError:
        return
    # Valid UTF-8: the raw bytes must be exactly the reference's text, encoded.
    assert [e.data for e in events] == [data.encode() for data, *_ in expected]


@settings(max_examples=300, deadline=None)
@given(stream=streams)
def test_property_matches_reference_model(stream: bytes) -> None:
    check_against_reference(stream, [stream])


whole_events = st.builds(
    lambda payload, ending: b"data: " + payload + ending,
    st.binary(max_size=8),
    # The fast path's two shapes, and near misses that must take the general path.
    st.sampled_from(
        [
            *(b"\n\n", b"\r\n\r\n"),
            *(b"\r\n\n", b"\n\r\n", b"\r\r", b"\r\n\r", b"\n", b"\nx", b"\r\nab", b"\r\n\r\r"),
            *(b"\rdata: z\n\n", b"\ndata: z\r\n\r\n", b"\r\n\n\n", b"\r\ndata: z\r\n\r\n"),
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.one_of(whole_events, streams), max_size=8))
def test_property_fast_path_matches_reference(chunks: list[bytes]) -> None:
    """Whole-event chunks (the fast path) mixed with arbitrary ones: same as the reference."""
    stream = b"".join(chunks)
    check_against_reference(stream, chunks)
    assert run(chunks) == run(bytewise(stream))


# Reads holding many events (a client that lags the server reads them in bulk, cut anywhere):
# runs of `data: ...` blocks mixed with near misses and other fields.
bulk_blocks = st.builds(
    lambda payload, ending: b"data: " + payload + ending,
    st.binary(max_size=6).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.sampled_from([b"\n\n", b"\n\n", b"\n\n", b"\n", b"\n\n\n", b"\r\n\r\n", b""]),
)
bulk_reads = st.lists(
    st.one_of(bulk_blocks, bulk_blocks, bulk_blocks, st.sampled_from(FRAGMENTS)),
    min_size=1,
    max_size=30,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(reads=st.lists(bulk_reads, min_size=1, max_size=5), data=st.data())
def test_property_bulk_reads_match_reference(reads: list[bytes], data: st.DataObject) -> None:
    """Reads of many whole events, and the same bytes split anywhere: same as the reference."""
    stream = b"".join(reads)
    check_against_reference(stream, [b"", *reads])  # after the start: no BOM check on the read
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=6))
    check_against_reference(stream, split_at(stream, cuts))


def test_bulk_read_of_whole_events_then_a_partial_one() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 0\n\n") == [ev(b"0")]  # past the start of the stream
    events = decoder.feed(b"data: 1\n\ndata: 2\n\ndata: 3\n\ndata: {par")
    assert events == [ev(b"1"), ev(b"2"), ev(b"3")]
    assert decoder.feed(b"tial}\n") == []
    assert decoder.feed(b"\ndata: 5\n\n") == [ev(b"{partial}"), ev(b"5")]


def test_bulk_read_keeps_the_sticky_id_and_pending_fields() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 7\ndata: 0\n\nevent: x\n") == [ev(b"0", id="7")]
    # a pending `event:` field belongs to the first block of the next read only
    events = decoder.feed(b"data: 1\n\ndata: 2\n\n")
    assert events == [ev(b"1", "x", "7"), ev(b"2", id="7")]
    assert decoder.feed(b"data: 3\n\ndata: 4\n\n") == [ev(b"3", id="7"), ev(b"4", id="7")]


# --- `feed_plain`: the plain-read path the stream readers take first ----------------------


def run_plain(chunks: list[bytes], max_bytes: int = 1 << 20) -> tuple[object, ...]:
    """As a reader feeds a decoder: `feed_plain` first, `feed` when it declines. Returns the
    events (plain ones rebuilt as `feed` would have made them), the comment count, the discarded
    flag, and the `FrameTooLarge` raised (its size, limit and head) or None."""
    decoder = SSEDecoder(max_bytes)
    events: list[ServerSentEvent] = []
    raised = None
    try:
        for chunk in chunks:
            datas = decoder.feed_plain(chunk)
            if datas is None:
                events += decoder.feed(chunk)
            else:
                events += [ServerSentEvent(data, "message", decoder.last_id) for data in datas]
        events += decoder.flush()
    except FrameTooLarge as exc:
        raised = (exc.size, exc.limit, exc.head)
    return events, decoder.comments, decoder.discarded_pending, raised


def run_general(chunks: list[bytes], max_bytes: int = 1 << 20) -> tuple[object, ...]:
    """The same, through `feed` only."""
    decoder = SSEDecoder(max_bytes)
    events: list[ServerSentEvent] = []
    raised = None
    try:
        for chunk in chunks:
            events += decoder.feed(chunk)
        events += decoder.flush()
    except FrameTooLarge as exc:
        raised = (exc.size, exc.limit, exc.head)
    return events, decoder.comments, decoder.discarded_pending, raised


def test_feed_plain_takes_whole_plain_events_and_keeps_the_partial_one() -> None:
    decoder = SSEDecoder()
    assert decoder.feed_plain(b"data: 0\n\n") is None  # the start of the stream (BOM check)
    assert decoder.feed(b"data: 0\n\n") == [ev(b"0")]
    assert decoder.feed_plain(b"data: 1\n\ndata: {}\n\ndata: {par") == [b"1", b"{}"]
    assert decoder.feed_plain(b"tial}\n\ndata: 3\n\nda") == [b"{partial}", b"3"]
    assert decoder.feed_plain(b"ta: [DONE]\n\n") == [b"[DONE]"]
    assert decoder.flush() == []
    assert not decoder.discarded_pending


@pytest.mark.parametrize(
    "read",
    [
        b"data: 1\n\nevent: x\ndata: 2\n\n",  # another field
        b"data: 1\n\n: keep-alive\n\ndata: 2\n\n",  # a comment
        b"data: 1\ndata: 2\n\n",  # two data lines
        b"data: 1\r\n\r\n",  # CR
        b"data: 1\n\ndata: 2\n",  # a whole line after the last event
        b"data:1\n\n",  # no space
        b"data: 1",  # no event completed
        b"id: 4\ndata: 1\n\n",
    ],
)
def test_feed_plain_declines_any_other_read_and_consumes_nothing(read: bytes) -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: 0\n\n")
    assert decoder.feed_plain(read) is None
    assert run_general([b"data: 0\n\n", read]) == run_plain([b"data: 0\n\n", read])


def test_feed_plain_declines_while_a_field_is_pending() -> None:
    for pending in (b"event: e\n", b"retry: 5\n", b"data: a\n", b"data: a\r"):
        decoder = SSEDecoder()
        decoder.feed(b"data: 0\n\n" + pending)
        assert decoder.feed_plain(b"data: 1\n\n") is None


def test_feed_plain_has_the_same_size_limit() -> None:
    big = b"data: " + b"x" * 100
    for chunks in ([b"data: 0\n\n", b"data: 1\n\n" + big], [b"data: 0\n\n", big, b"x\n\n"]):
        assert run_plain(chunks, max_bytes=64) == run_general(chunks, max_bytes=64)
        assert run_plain(chunks, max_bytes=64)[3] is not None


@settings(max_examples=400, deadline=None)
@given(reads=st.lists(bulk_reads, min_size=1, max_size=5), data=st.data())
def test_property_feed_plain_then_feed_is_feed(reads: list[bytes], data: st.DataObject) -> None:
    """The reader's path (`feed_plain`, else `feed`) gives what `feed` alone gives: the same
    events, comments, discarded flag and size-limit error, for the reads as they come, split
    anywhere, one byte at a time, and with a small size limit."""
    stream = b"".join(reads)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=6))
    limit = data.draw(st.sampled_from([1 << 20, 16, 40]))
    for chunks in ([b"", *reads], reads, split_at(stream, cuts), bytewise(stream)):
        assert run_plain(chunks, limit) == run_general(chunks, limit)


plain_blocks = st.builds(
    lambda payload: b"data: " + payload + b"\n\n",
    st.binary(max_size=6).filter(lambda b: b"\n" not in b and b"\r" not in b),
)
mostly_plain = st.lists(
    st.one_of(*[plain_blocks] * 6, bulk_blocks, st.sampled_from(FRAGMENTS)), min_size=1, max_size=40
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(stream=mostly_plain, data=st.data())
def test_property_feed_plain_on_mostly_plain_streams(stream: bytes, data: st.DataObject) -> None:
    """Streams of plain events with the odd other line, cut into reads anywhere."""
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    chunks = [b"data: 0\n\n", *split_at(stream, cuts)]
    limit = data.draw(st.sampled_from([1 << 20, 24]))
    assert run_plain(chunks, limit) == run_general(chunks, limit)


def test_feed_plain_takes_a_read_of_one_whole_event() -> None:
    # The sync twin's usual read: httpx hands out one HTTP chunk, here one event, at a time.
    decoder = SSEDecoder()
    decoder.feed(b"data: 0\n\n")
    assert decoder.feed_plain(b'data: {"a": 1}\n\n') == [b'{"a": 1}']
    assert decoder.feed_plain(b"data: \n\n") == [b""]
    assert decoder.feed_plain(b"data: a\nb\n\n") is None  # a second line: `feed` reads it
    assert decoder.feed(b"data: a\nb\n\n") == [ev(b"a")]
    assert decoder.feed_plain(b"data: a\r\n\r\n") is None
    assert decoder.feed(b"data: a\r\n\r\n") == [ev(b"a")]
    assert decoder.feed_plain(b"data: a\rb\n\n") is None  # a lone CR ends the line
    assert decoder.feed(b"data: a\rb\n\n") == [ev(b"a")]


one_block_reads = st.lists(
    st.one_of(*[plain_blocks] * 4, bulk_blocks, st.sampled_from(FRAGMENTS)), min_size=1, max_size=30
)


@settings(max_examples=400, deadline=None)
@given(reads=one_block_reads, limit=st.sampled_from([1 << 20, 16, 40]))
def test_property_feed_plain_one_block_a_read(reads: list[bytes], limit: int) -> None:
    """Reads of one block each (plain events with the odd other block or fragment), as httpx's
    sync stack hands out a chunked body: the same as `feed` alone."""
    chunks = [b"data: 0\n\n", *reads]
    assert run_plain(chunks, limit) == run_general(chunks, limit)
