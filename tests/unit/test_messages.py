"""Chat messages: construction, JSON shape, ``+`` on chunks (LangChain's rules, in O(total)),
lazy tool-call parsing, coercion. Expected values marked "LangChain" were produced by running
langchain-core 1.8.3 (see /work/notes/issue-12-core.md for the script)."""

from __future__ import annotations

import copy
import pickle

import msgspec
import pytest

from rillet import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    ImageBlock,
    InputTokenDetails,
    InvalidInputError,
    InvalidToolCall,
    OutputTokenDetails,
    ReasoningBlock,
    ResponseMetadata,
    StringPromptValue,
    SystemMessage,
    TextBlock,
    ToolCall,
    ToolCallChunk,
    ToolCallParseError,
    ToolMessage,
    UsageMetadata,
)
from rillet._values.messages import AnyMessage, buffer_string, coerce_message, coerce_messages


def _sum(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


# -- construction and JSON -------------------------------------------------------------------


def test_positional_content_and_langchain_json_shape() -> None:
    assert HumanMessage("hi").content == "hi"
    assert SystemMessage("be terse").type == "system"
    assert ToolMessage("42", "call_1").tool_call_id == "call_1"
    assert msgspec.json.encode(HumanMessage("hi")) == (
        b'{"type":"human","content":"hi","name":null,"id":null}'
    )
    assert msgspec.json.encode(AIMessageChunk("a", chunk_position="last")).startswith(
        b'{"type":"AIMessageChunk","content":"a","tool_call_chunks":[]'
    )


def test_messages_decode_back_by_their_type_tag() -> None:
    messages: list[AnyMessage] = [
        SystemMessage("s"),
        HumanMessage([TextBlock("look"), ImageBlock(url="https://x/y.png")]),
        AIMessage(
            [ReasoningBlock("think", "sig"), TextBlock("ok")],
            tool_calls=[ToolCall("f", {"a": 1}, "c1")],
            usage_metadata=UsageMetadata(1, 2, 3),
            response_metadata=ResponseMetadata(finish_reason="stop", model_name="m"),
        ),
        ToolMessage("r", "c1", status="error"),
        AIMessageChunk("x", [ToolCallChunk("f", "{", "c1", 0)]),
    ]
    encoded = msgspec.json.encode(messages)
    assert msgspec.json.decode(encoded, type=list[AnyMessage]) == messages


def test_text_never_includes_reasoning_or_images() -> None:
    message = AIMessage([ReasoningBlock("hmm"), TextBlock("Hi "), TextBlock("there")])
    assert message.text == "Hi there"
    assert message.reasoning == "hmm"
    assert HumanMessage([TextBlock("a"), ImageBlock(url="u")]).text == "a"
    assert HumanMessage("plain").reasoning == ""


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"url": "u", "base64": "AAA"}, {"base64": "AAA"}],
)
def test_image_block_needs_exactly_one_source(kwargs: dict[str, str]) -> None:
    with pytest.raises(InvalidInputError, match="ImageBlock"):
        ImageBlock(**kwargs)
    assert ImageBlock(base64="AAA", mime_type="image/png").base64 == "AAA"


def test_content_of_the_wrong_type_is_a_typed_error() -> None:
    with pytest.raises(InvalidInputError, match="HumanMessage content must be a str"):
        HumanMessage(3)  # type: ignore[arg-type]  # the run-time check under test
    with pytest.raises(InvalidInputError, match="tool_call_id"):
        ToolMessage("x", None)  # type: ignore[arg-type]  # the run-time check under test


def test_langchain_dict_tool_calls_say_which_struct_to_use() -> None:
    """LangChain's few-shot examples write ``AIMessage("", tool_calls=[{...}])``; here that is a
    typed error naming the ``ToolCall`` to write, not an AttributeError when the message is sent."""
    call = {"name": "add", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
    with pytest.raises(InvalidInputError) as caught:
        AIMessage("", tool_calls=[call])  # type: ignore[list-item]  # the run-time check under test
    assert str(caught.value) == (
        f"AIMessage tool_calls must be ToolCall values, got the dict {call!r}: use "
        "ToolCall(name='add', args={'a': 1}, id='c1') (the id is required: the ToolMessage "
        "answering the call names it)"
    )
    with pytest.raises(InvalidInputError, match="must be InvalidToolCall values, got 'x'"):
        AIMessage("", invalid_tool_calls=["x"])  # type: ignore[list-item]  # under test
    message = AIMessage("", tool_calls=[ToolCall("add", {"a": 1}, "c1")])
    assert msgspec.json.decode(msgspec.json.encode(message), type=AIMessage) == message


# -- + on chunks -----------------------------------------------------------------------------


def test_content_concatenates_and_a_provider_id_wins() -> None:
    # LangChain: AIMessageChunk("Hel", id="lc_run--123") + AIMessageChunk("lo", id="chatcmpl-9")
    # -> content 'Hello', id 'chatcmpl-9'
    full = AIMessageChunk("Hel", id="lc_run--123") + AIMessageChunk("lo", id="chatcmpl-9")
    assert full.content == "Hello"
    assert full.id == "chatcmpl-9"
    assert (AIMessageChunk(id="lc_1") + AIMessageChunk(id="lc_run--2")).id == "lc_run--2"


def test_reasoning_and_text_blocks_merge_by_kind() -> None:
    chunks = [
        AIMessageChunk(""),
        AIMessageChunk([ReasoningBlock("Let me ")]),
        AIMessageChunk([ReasoningBlock("think.")]),
        AIMessageChunk([ReasoningBlock("", signature="sig-1")]),
        AIMessageChunk("The "),
        AIMessageChunk([TextBlock("sky")]),
        AIMessageChunk(" is blue."),
    ]
    full = _sum(chunks)
    assert full.content == [
        ReasoningBlock("Let me think.", "sig-1"),
        TextBlock("The sky is blue."),
    ]
    assert full.text == "The sky is blue."
    assert full.reasoning == "Let me think."


def test_a_later_signature_replaces_the_earlier_one() -> None:
    full = AIMessageChunk([ReasoningBlock("a", "s1")]) + AIMessageChunk([ReasoningBlock("b", "s2")])
    assert full.content == [ReasoningBlock("ab", "s2")]


def test_usage_deltas_sum_with_their_details() -> None:
    # LangChain: {1, 2, 3} + {0, 5, 5, output_token_details.reasoning=4}
    # -> {'input_tokens': 1, 'output_tokens': 7, 'total_tokens': 8, 'output_token_details': {'reasoning': 4}}
    full = AIMessageChunk(usage_metadata=UsageMetadata(1, 2, 3)) + AIMessageChunk(
        usage_metadata=UsageMetadata(0, 5, 5, output_token_details=OutputTokenDetails(reasoning=4))
    )
    assert full.usage_metadata == UsageMetadata(
        1, 7, 8, output_token_details=OutputTokenDetails(reasoning=4)
    )
    assert msgspec.json.encode(full.usage_metadata) == (
        b'{"input_tokens":1,"output_tokens":7,"total_tokens":8,'
        b'"output_token_details":{"reasoning":4}}'
    )
    cached = UsageMetadata(5, 0, 5, InputTokenDetails(cache_read=2)) + UsageMetadata(
        3, 1, 4, InputTokenDetails(cache_read=1, cache_creation=2)
    )
    assert cached.input_token_details == InputTokenDetails(cache_creation=2, cache_read=3)
    assert (AIMessageChunk("a") + AIMessageChunk("b")).usage_metadata is None


def test_response_metadata_is_set_never_concatenated() -> None:
    # LangChain's merge_dicts turns two "gpt-4o" model names into "gpt-4ogpt-4o"; rillet keeps one.
    full = _sum(
        [
            AIMessageChunk("a", response_metadata=ResponseMetadata(model_name="gpt-4o")),
            AIMessageChunk("b", response_metadata=ResponseMetadata(model_name="gpt-4o")),
            AIMessageChunk(
                "",
                response_metadata=ResponseMetadata(finish_reason="stop", model_provider="openai"),
            ),
        ]
    )
    assert full.response_metadata == ResponseMetadata(
        finish_reason="stop", model_name="gpt-4o", model_provider="openai"
    )


def test_chunk_position_last_is_sticky() -> None:
    assert (AIMessageChunk("a", chunk_position="last") + AIMessageChunk("b")).chunk_position == (
        "last"
    )
    assert (AIMessageChunk("a") + AIMessageChunk("b")).chunk_position is None


def test_tool_call_chunks_merge_by_index_and_parallel_ids_stay_apart() -> None:
    # LangChain: index 0 id "a" + index 0 id "b" stays two calls; fragments with id None join the
    # call with their index; index None never merges.
    two = AIMessageChunk(tool_call_chunks=[ToolCallChunk("f", "", "a", 0)]) + AIMessageChunk(
        tool_call_chunks=[ToolCallChunk("g", "{}", "b", 0)]
    )
    assert two.tool_call_chunks == [
        ToolCallChunk("f", "", "a", 0),
        ToolCallChunk("g", "{}", "b", 0),
    ]
    full = _sum(
        [
            AIMessageChunk(tool_call_chunks=[ToolCallChunk("f", '{"x"', "a", 0)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, ": 1}", None, 0)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk("h", "{}", None, None)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk("h2", "{}", None, None)]),
        ]
    )
    assert full.tool_call_chunks == [
        ToolCallChunk("f", '{"x": 1}', "a", 0),
        ToolCallChunk("h", "{}", None, None),
        ToolCallChunk("h2", "{}", None, None),
    ]
    # A second call on index 0 takes the fragments that follow it.
    routed = two + AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, "x", None, 0)])
    assert [c.args for c in routed.tool_call_chunks] == ["", "{}x"]


def test_interleaved_parallel_calls_build_independently() -> None:
    full = _sum(
        [
            AIMessageChunk(tool_call_chunks=[ToolCallChunk("f", "", "a", 0)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk("g", "", "b", 1)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, '{"q": ', None, 0)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, '{"r": 2}', None, 1)]),
            AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, '"x"}', None, 0)]),
            AIMessageChunk(chunk_position="last"),
        ]
    )
    assert full.tool_calls == [ToolCall("f", {"q": "x"}, "a"), ToolCall("g", {"r": 2}, "b")]


def test_older_sums_keep_their_value_when_a_newer_sum_grows() -> None:
    base = AIMessageChunk("a") + AIMessageChunk([ReasoningBlock("r", "s1")])
    left = base + AIMessageChunk([ReasoningBlock("x", "s2")]) + AIMessageChunk("L")
    right = base + AIMessageChunk("R")  # base is no longer the newest view: copies, still right
    assert base.content == [TextBlock("a"), ReasoningBlock("r", "s1")]
    assert left.content == [TextBlock("a"), ReasoningBlock("rx", "s2"), TextBlock("L")]
    assert right.content == [TextBlock("a"), ReasoningBlock("r", "s1"), TextBlock("R")]
    tools = AIMessageChunk(tool_call_chunks=[ToolCallChunk("f", "{", "a", 0)]) + AIMessageChunk(
        tool_call_chunks=[ToolCallChunk(None, '"k"', None, 0)]
    )
    grown = tools + AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, ": 1}", None, 0)])
    assert tools.tool_call_chunks == [ToolCallChunk("f", '{"k"', "a", 0)]
    assert grown.tool_call_chunks == [ToolCallChunk("f", '{"k": 1}', "a", 0)]


def test_a_lazy_sum_reads_equals_copies_and_pickles_like_a_plain_chunk() -> None:
    plain = AIMessageChunk("ab", id="x")
    assert AIMessageChunk("a", id="x") + AIMessageChunk("b") == plain
    assert plain == AIMessageChunk("a", id="x") + AIMessageChunk("b")
    assert repr(AIMessageChunk("a", id="x") + AIMessageChunk("b")) == repr(plain)
    assert copy.copy(AIMessageChunk("a", id="x") + AIMessageChunk("b")) == plain
    assert pickle.loads(pickle.dumps(AIMessageChunk("a", id="x") + AIMessageChunk("b"))) == plain
    read = AIMessageChunk("a", id="x") + AIMessageChunk("b")
    assert read.text == "ab"
    assert msgspec.json.encode(read) == msgspec.json.encode(plain)
    with pytest.raises(AttributeError, match="no attribute 'contnt'"):
        getattr(read, "contnt")  # noqa: B009  # a misspelt name is still an error


def _work_of(n: int, *, read_each_step: bool) -> int:
    """Fragments copied or joined while summing ``n`` chunks of text, reasoning and a tool call."""
    full = AIMessageChunk("")
    for i in range(n):
        full = full + AIMessageChunk(
            [ReasoningBlock("r"), TextBlock("t")] if i == n // 2 else "t",
            [ToolCallChunk("f" if i == 0 else None, "1", "c" if i == 0 else None, 0)],
        )
        if read_each_step:
            assert full.text
    assert (len(full.text), full.reasoning) == (n, "r")
    assert full.tool_call_chunks[0].args == "1" * n
    acc = full.__dict__["_acc"].acc
    work: int = acc.work
    return work


def test_adding_n_chunks_in_a_loop_is_linear_in_total_size() -> None:
    # The accumulator counts every fragment it copies or joins (appends are O(1) by
    # construction). Reading the sum at the end joins each fragment once: work ~ 2 n.
    small, large = _work_of(1000, read_each_step=False), _work_of(8000, read_each_step=False)
    assert small <= 2 * 1000 + 4
    assert large <= 8 * small + 4
    # Reading the sum after every step (a UI showing the text, or tool_calls, as it grows)
    # joins each fragment once too: the join of a growing fragment list is cached.
    assert _work_of(1000, read_each_step=True) <= 2 * 1000 + 4
    # The counter does see quadratic work: sums read newest first, so that each older one
    # joins its fragments again (the cache only ever extends).
    sums = [AIMessageChunk("t")]
    for _ in range(999):
        sums.append(sums[-1] + AIMessageChunk("t"))
    assert [len(each.text) for each in reversed(sums)] == list(range(1000, 0, -1))
    assert sums[-1].__dict__["_acc"].acc.work > 1000 * 999 // 2


# -- tool calls --------------------------------------------------------------------------------


def _streamed_call(*fragments: str, last: bool = False) -> AIMessageChunk:
    chunks = [AIMessageChunk(tool_call_chunks=[ToolCallChunk("get", "", "c1", 0)])]
    chunks += [
        AIMessageChunk(tool_call_chunks=[ToolCallChunk(None, f, None, 0)]) for f in fragments
    ]
    if last:
        chunks.append(AIMessageChunk(chunk_position="last"))
    return _sum(chunks)


@pytest.mark.parametrize(
    ("fragments", "args"),
    [
        ((), {}),  # a call without arguments yet: the empty partial object
        (('{"city": "Par',), {"city": "Par"}),  # an unfinished string shows its prefix
        (('{"n": 3',), {}),  # a number that may still grow is left out (never 3 before 30)
        (('{"n": 3', "0"), {}),
        (('{"n": 3', "0,"), {"n": 30}),
        (('{"n": 30, "ok": tr',), {"n": 30}),
        (('{"a": [1, 2',), {"a": [1]}),
    ],
)
def test_tool_calls_mid_stream_are_valid_partial_values(
    fragments: tuple[str, ...], args: dict[str, object]
) -> None:
    full = _streamed_call(*fragments)
    assert full.tool_calls == [ToolCall("get", args, "c1")]
    assert full.invalid_tool_calls == []  # never decided before the stream finishes


def test_only_a_finished_call_is_invalid() -> None:
    broken = _streamed_call('{"x": 1,}')
    assert broken.tool_calls == []
    assert broken.invalid_tool_calls == []
    finished = _streamed_call('{"x": 1,}', last=True)
    assert finished.tool_calls == []
    [invalid] = finished.invalid_tool_calls
    assert (invalid.name, invalid.args, invalid.id) == ("get", '{"x": 1,}', "c1")
    assert invalid.error is not None
    assert "not valid JSON" in invalid.error
    assert _streamed_call("[1]", last=True).invalid_tool_calls == [
        InvalidToolCall("get", "[1]", "c1", "the arguments are JSON list, not an object")
    ]


def test_to_message_parses_calls_as_finished() -> None:
    message = _streamed_call('{"city": "Paris"}').to_message()
    assert message == AIMessage("", [ToolCall("get", {"city": "Paris"}, "c1")])
    assert _streamed_call().to_message().tool_calls == [ToolCall("get", {}, "c1")]


class Weather(msgspec.Struct):
    city: str
    days: int = 1


def test_tool_call_parse_gives_the_type_or_a_typed_error() -> None:
    assert ToolCall("w", {"city": "Paris", "days": 3}, "c8").parse(Weather) == Weather("Paris", 3)
    with pytest.raises(ToolCallParseError, match=r"do not fit Weather.*\$\.days") as info:
        ToolCall("w", {"city": "Paris", "days": "x"}, "c9").parse(Weather)
    assert info.value.name == "w"
    assert info.value.tool_args == {"city": "Paris", "days": "x"}


# -- coercion ----------------------------------------------------------------------------------


def test_coercion_of_tuples_dicts_strs_and_structs() -> None:
    human = HumanMessage("x")
    assert coerce_messages("hi") == [HumanMessage("hi")]
    assert coerce_messages(
        [
            ("system", "s"),
            ("developer", "d"),
            ("human", "h"),
            ("user", "u"),
            ("ai", "a"),
            ("assistant", "b"),
            {"role": "tool", "content": "t", "tool_call_id": "c1"},
            {"role": "user", "content": "n", "name": "bob"},
            {"type": "human", "content": [{"type": "text", "text": "blk"}]},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]},
            "plain",
            human,
        ]
    ) == [
        SystemMessage("s"),
        SystemMessage("d"),
        HumanMessage("h"),
        HumanMessage("u"),
        AIMessage("a"),
        AIMessage("b"),
        ToolMessage("t", "c1"),
        HumanMessage("n", name="bob"),
        HumanMessage([TextBlock("blk")]),
        HumanMessage([ImageBlock(url="u")]),
        HumanMessage("plain"),
        human,
    ]
    assert coerce_messages(StringPromptValue("flat")) == [HumanMessage("flat")]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (3, "invalid message 3"),
        (("foo", "x"), "unknown role 'foo'"),
        (("tool", "x"), "needs the id of the call"),
        (("human",), "a tuple must be"),
        ({"role": "user"}, "has 'role'"),
        ({"role": "user", "content": "x", "extra": 1}, "unknown keys"),
        (("human", 3), "content must be a str"),
        (("human", [{"type": "video"}]), "invalid content block"),
    ],
)
def test_coercion_rejects_what_it_cannot_represent(value: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        coerce_message(value)


def test_coerce_messages_rejects_non_sequences() -> None:
    with pytest.raises(InvalidInputError, match="a chat model takes"):
        coerce_messages(3)


def test_buffer_string_is_langchains() -> None:
    # LangChain's get_buffer_string on the same messages:
    expected = (
        "System: S\nHuman: H\nAI: A[{'name': 'f', 'args': {'a': 1}, 'id': '1', "
        "'type': 'tool_call'}]\nTool: T"
    )
    messages: list[AnyMessage] = [
        SystemMessage("S"),
        HumanMessage("H"),
        AIMessage("A", [ToolCall("f", {"a": 1}, "1")]),
        ToolMessage("T", "1"),
    ]
    assert buffer_string(messages) == expected


def test_metadata_reads_as_langchain_dicts() -> None:
    usage = UsageMetadata(3, 4, 7, InputTokenDetails(cache_read=2), OutputTokenDetails(reasoning=1))
    assert usage["total_tokens"] == 7
    assert usage.get("input_tokens") == 3
    details = usage["input_token_details"]
    assert details is not None
    assert details["cache_read"] == 2
    assert details["audio"] is None
    assert details.get("audio", 0) == 0
    output = usage.get("output_token_details")
    assert output is not None
    assert output["reasoning"] == 1
    meta = ResponseMetadata(finish_reason="stop", model_name="gpt-4o-mini")
    assert meta["finish_reason"] == "stop"
    assert meta.get("finish_reason") == "stop"
    assert meta.get("id") is None
    assert meta.get("id", "none") == "none"
    with pytest.raises(KeyError):
        usage["nope"]  # type: ignore[call-overload]  # an unknown key is the case under test
    with pytest.raises(KeyError):
        details["nope"]  # type: ignore[index]  # an unknown key is the case under test
    with pytest.raises(KeyError):
        output["nope"]  # type: ignore[index]  # an unknown key is the case under test
    with pytest.raises(KeyError):
        meta["nope"]  # type: ignore[index]  # an unknown key is the case under test
