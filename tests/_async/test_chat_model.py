"""The chat-model runnable: custom chat models from one method, the fakes, events (v1/v2),
LangChain's event sequence for ``ChatPromptTemplate | chat model | StrOutputParser``."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from rillet import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseChatModel,
    ChatModelEndEvent,
    ChatModelInput,
    ChatModelStartEvent,
    ChatModelStreamEvent,
    ChatPromptTemplate,
    ConfigError,
    FakeListChatModel,
    FakeListChatModelError,
    GenericFakeChatModel,
    HumanMessage,
    InvalidInputError,
    MessagesPlaceholder,
    ReasoningBlock,
    ResponseMetadata,
    StreamEvent,
    StrOutputParser,
    SystemMessage,
    TextBlock,
    ToolCall,
    UsageMetadata,
)

pytestmark = pytest.mark.anyio


def _sum(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


class Echo(BaseChatModel):
    """Streams the last message's words back; the one method a custom chat model needs."""

    def _stream(self, messages: list[AnyMessage], stop: list[str] | None = None) -> Iterator[str]:
        yield from messages[-1].text.split("|")


class Whole(BaseChatModel):
    """Answers at once: no stream, so streaming gives one chunk (LangChain's fallback)."""

    def _generate(self, messages: list[AnyMessage], stop: list[str] | None = None) -> AIMessage:
        return AIMessage(
            f"{len(messages)} messages, last {messages[-1].type}",
            usage_metadata=UsageMetadata(5, 2, 7),
            response_metadata=ResponseMetadata(finish_reason="stop", model_name="whole-1"),
        )


async def test_custom_chat_model_streams_chunks_that_add_up_to_invoke() -> None:
    model = Echo()
    chunks = [c async for c in model.astream("a|b|c")]
    assert [c.content for c in chunks] == ["a", "b", "c", ""]
    assert chunks[-1].chunk_position == "last"  # a trailing chunk, as LangChain ends a stream
    run_ids = {c.id for c in chunks}
    assert len(run_ids) == 1
    assert next(iter(run_ids)).startswith("lc_run--")  # type: ignore[union-attr]  # set above
    full = _sum(chunks)
    assert full.text == "abc"
    message = await model.ainvoke("a|b|c")
    assert message.text == "abc"
    assert message.id is not None
    assert message.id.startswith("lc_run--")
    assert full.to_message() == msgspec.structs.replace(message, id=full.id)


async def test_a_model_that_cannot_stream_streams_one_chunk() -> None:
    model = Whole()
    chunks = [c async for c in model.astream([("system", "s"), ("human", "h")])]
    assert len(chunks) == 1
    [chunk] = chunks
    assert chunk.content == "2 messages, last human"
    assert chunk.chunk_position == "last"
    assert chunk.usage_metadata == UsageMetadata(5, 2, 7)
    assert chunk.response_metadata.finish_reason == "stop"
    message = await model.ainvoke([{"role": "user", "content": "h"}])
    assert (message.text, message.usage_metadata) == (
        "1 messages, last human",
        UsageMetadata(5, 2, 7),
    )


async def test_input_forms_and_a_typed_error_for_the_rest() -> None:
    model = Whole()
    for value in (
        "hi",
        [HumanMessage("hi")],
        [("user", "hi")],
        [{"role": "human", "content": "hi"}],
        ChatPromptTemplate.from_template("{x}").invoke({"x": "hi"}),
    ):
        assert (await model.ainvoke(value)).text == "1 messages, last human"
    with pytest.raises(InvalidInputError, match="unknown role 'robot'"):
        await model.ainvoke([("robot", "x")])
    with pytest.raises(InvalidInputError, match="a chat model takes"):
        await model.ainvoke(3)  # type: ignore[arg-type]  # the run-time check


async def test_batch_and_generate() -> None:
    model = Whole()
    replies = await model.abatch(["a", [("system", "s"), ("human", "b")]])
    assert [r.text for r in replies] == ["1 messages, last human", "2 messages, last human"]
    result = await model.agenerate([[("human", "a")], [("system", "s"), ("ai", "b")]])
    assert [g[0].text for g in result.generations] == [
        "1 messages, last human",
        "2 messages, last ai",
    ]
    assert result.generations[0][0].message.usage_metadata == UsageMetadata(5, 2, 7)
    assert result.llm_output is not None
    assert result.llm_output.token_usage is not None
    assert result.llm_output.token_usage.total_tokens == 14
    assert result.llm_output.model_name == "whole-1"
    with pytest.raises(InvalidInputError, match="list of message lists"):
        await model.agenerate("hi")  # a str is a sequence of str to a type checker


async def test_a_chat_model_without_a_method_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="must implement at least _generate"):
        await BaseChatModel().ainvoke("hi")


async def test_a_stream_yielding_something_else_is_a_typed_error() -> None:
    class Bad(BaseChatModel):
        def _stream(
            self, messages: list[AnyMessage], stop: list[str] | None = None
        ) -> Iterator[str]:
            yield 3  # type: ignore[misc]  # the run-time check under test

    with pytest.raises(InvalidInputError, match="must yield str or AIMessageChunk"):
        await Bad().ainvoke("x")


async def test_invoke_without_generate_drains_the_stream() -> None:
    class Thinker(BaseChatModel):
        def _stream(
            self, messages: list[AnyMessage], stop: list[str] | None = None
        ) -> Iterator[AIMessageChunk]:
            yield AIMessageChunk([ReasoningBlock("think")])
            yield AIMessageChunk("done", usage_metadata=UsageMetadata(1, 1, 2))

    message = await Thinker().ainvoke("x")
    assert message.content == [ReasoningBlock("think"), TextBlock("done")]
    assert (message.text, message.reasoning) == ("done", "think")
    assert message.usage_metadata == UsageMetadata(1, 1, 2)


# -- fakes -------------------------------------------------------------------------------------


async def test_generic_fake_streams_words_and_adds_up_to_the_scripted_message() -> None:
    scripted = AIMessage(
        [ReasoningBlock("Blue light scatters.", "sig"), TextBlock("The sky is blue.")],
        tool_calls=[ToolCall("look", {"at": "sky"}, "call_1")],
        usage_metadata=UsageMetadata(10, 6, 16),
        response_metadata=ResponseMetadata(finish_reason="stop", model_name="fake"),
    )
    model = GenericFakeChatModel(messages=[scripted, scripted])
    chunks = [c async for c in model.astream("hi")]
    assert [c.text for c in chunks if c.text] == ["The", " ", "sky", " ", "is", " ", "blue."]
    assert [c.reasoning for c in chunks if c.reasoning] == ["Blue", " ", "light", " ", "scatters."]
    assert chunks[-1].usage_metadata == UsageMetadata(10, 6, 16)
    full = _sum(chunks).to_message()
    assert full == msgspec.structs.replace(scripted, id=full.id)
    reply = await model.ainvoke("again")
    assert msgspec.structs.replace(reply, id=None) == scripted
    with pytest.raises(FakeListChatModelError, match="no scripted message left"):
        await model.ainvoke("more")


async def test_fake_list_chat_model_streams_characters_and_cycles() -> None:
    model = FakeListChatModel(responses=["hi", "yo"])
    assert [c.content async for c in model.astream("x")] == ["h", "i"]
    assert (await model.ainvoke("x")).text == "yo"
    assert (await model.ainvoke("x")).text == "hi"
    failing = FakeListChatModel(responses=["abc"], error_on_chunk_number=2)
    seen: list[str] = []
    with pytest.raises(FakeListChatModelError) as info:
        async for chunk in failing.astream("x"):
            seen.append(chunk.text)
    assert seen == ["a", "b"]
    assert info.value.partial_text == "ab"


# -- events ------------------------------------------------------------------------------------

PROMPT = ChatPromptTemplate.from_messages(
    [("system", "You are {persona}."), MessagesPlaceholder("history"), ("human", "{question}")]
)
QUESTION = {"persona": "a poet", "history": [], "question": "sky?"}
CHAT_META = {"ls_provider": "genericfakechatmodel", "ls_model_type": "chat"}
WORDS = ["The", " ", "sky", " ", "is", " ", "blue."]

# LangChain 1.8.3, ChatPromptTemplate | GenericFakeChatModel | StrOutputParser, astream_events v2:
# (event, name, tags, metadata, number of parent ids) per row. LangChain's chat-model metadata
# also has ls_integration and lc_versions (not reproduced: see the README's compatibility table).
_WORD_ROWS = [
    ("on_chat_model_stream", "GenericFakeChatModel", ["seq:step:2"], CHAT_META, 1),
    ("on_parser_stream", "StrOutputParser", ["seq:step:3"], {}, 1),
    ("on_chain_stream", "RunnableSequence", [], {}, 0),
]
LANGCHAIN_ROWS = [
    ("on_chain_start", "RunnableSequence", [], {}, 0),
    ("on_prompt_start", "ChatPromptTemplate", ["seq:step:1"], {}, 1),
    ("on_prompt_end", "ChatPromptTemplate", ["seq:step:1"], {}, 1),
    ("on_chat_model_start", "GenericFakeChatModel", ["seq:step:2"], CHAT_META, 1),
    _WORD_ROWS[0],
    ("on_parser_start", "StrOutputParser", ["seq:step:3"], {}, 1),
    *_WORD_ROWS[1:],
    *(_WORD_ROWS * 6),
    ("on_chat_model_end", "GenericFakeChatModel", ["seq:step:2"], CHAT_META, 1),
    ("on_parser_end", "StrOutputParser", ["seq:step:3"], {}, 1),
    ("on_chain_end", "RunnableSequence", [], {}, 0),
]


async def test_prompt_model_parser_events_match_langchain_row_by_row() -> None:
    model = GenericFakeChatModel(messages=[AIMessage("The sky is blue.")])
    chain = PROMPT | model | StrOutputParser()
    events = [e async for e in chain.astream_events(QUESTION, version="v2")]
    rows = [(e["event"], e["name"], e["tags"], e["metadata"], len(e["parent_ids"])) for e in events]
    assert rows == LANGCHAIN_ROWS
    start = events[3]
    assert isinstance(start, ChatModelStartEvent)
    assert start["data"]["input"] == ChatModelInput(
        [[SystemMessage("You are a poet."), HumanMessage("sky?")]]
    )
    streamed = [e["data"]["chunk"] for e in events if isinstance(e, ChatModelStreamEvent)]
    assert [c.content for c in streamed] == WORDS
    end = events[-3]
    assert isinstance(end, ChatModelEndEvent)
    output = end["data"]["output"]
    assert output is not None
    assert output.text == "The sky is blue."
    assert output.id == streamed[0].id
    assert end["data"]["input"] == start["data"]["input"]
    assert events[-1]["data"]["output"] == "The sky is blue."  # type: ignore[index]  # an EndData
    # The events encode to LangChain's JSON shape as they are.
    encoded = msgspec.json.decode(msgspec.json.encode(events))
    assert [e["event"] for e in encoded] == [row[0] for row in LANGCHAIN_ROWS]
    assert encoded[4]["data"]["chunk"]["content"] == "The"
    assert encoded[4]["data"]["chunk"]["type"] == "AIMessageChunk"
    assert encoded[-3]["data"]["output"]["type"] == "ai"
    assert encoded[3]["data"]["input"]["messages"][0][1] == {
        "type": "human",
        "content": "sky?",
        "name": None,
        "id": None,
    }


async def test_langchains_documented_event_loop_runs_as_written() -> None:
    model = GenericFakeChatModel(messages=[AIMessage("The sky is blue.")])
    chain = PROMPT | model | StrOutputParser()
    printed: list[str] = []
    async for event in chain.astream_events(QUESTION):
        if event["event"] == "on_chat_model_stream":
            printed.append(event["data"]["chunk"].content)  # type: ignore[index]  # not narrowed by a key: see tests/typing
    assert printed == WORDS


async def test_include_types_chat_model() -> None:
    model = GenericFakeChatModel(messages=[AIMessage("a b")])
    chain = PROMPT | model | StrOutputParser()
    events = [e async for e in chain.astream_events(QUESTION, include_types=["chat_model"])]
    assert [e.event for e in events] == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]


async def test_v1_events_of_a_chat_model_alone() -> None:
    model = GenericFakeChatModel(messages=[AIMessage("The sky.")], name="sky")
    events = [e async for e in model.astream_events("hi", version="v1")]
    # LangChain v1 rows: start, a stream per token, end; v1 has no parent ids.
    assert [(e.event, e.name, e.parent_ids) for e in events] == [
        ("on_chat_model_start", "sky", []),
        ("on_chat_model_stream", "sky", []),
        ("on_chat_model_stream", "sky", []),
        ("on_chat_model_stream", "sky", []),
        ("on_chat_model_end", "sky", []),
    ]
    end = events[-1]
    assert isinstance(end, ChatModelEndEvent)
    assert end.data.output is not None
    assert end.data.output.text == "The sky."
    assert end.data.input == ChatModelInput([[HumanMessage("hi")]])


async def test_a_failing_stream_ends_its_run_in_v1_only() -> None:
    for version, ends in (("v1", 1), ("v2", 0)):
        model = FakeListChatModel(responses=["abc"], error_on_chunk_number=1)
        seen: list[StreamEvent] = []
        with pytest.raises(FakeListChatModelError):
            async for event in model.astream_events("x", version=version):  # type: ignore[arg-type]  # a Literal per loop
                seen.append(event)
        enders = [e for e in seen if isinstance(e, ChatModelEndEvent)]
        assert len(enders) == ends
        if enders:
            assert enders[0].data.output is None


async def test_event_keys_read_like_langchains_dicts() -> None:
    model = GenericFakeChatModel(messages=[AIMessage("hi")])
    events = [e async for e in model.astream_events("x", {"tags": ["t"], "metadata": {"k": 1}})]
    stream = events[1]
    assert isinstance(stream, ChatModelStreamEvent)
    assert stream["event"] == stream.event == "on_chat_model_stream"
    assert (stream["name"], stream["run_id"]) == ("GenericFakeChatModel", stream.run_id)
    assert stream["tags"] == ["t"]
    assert stream["metadata"] == {"k": 1, **CHAT_META}
    assert stream["data"]["chunk"].content == "hi"
    assert "chunk" in stream["data"]
    start = events[0]
    assert isinstance(start, ChatModelStartEvent)
    assert "input" in start["data"]
    with pytest.raises(KeyError):
        stream["nope"]  # type: ignore[call-overload]  # not a key


async def test_events_carry_the_trailing_last_chunk_and_the_run_id() -> None:
    events = [e async for e in Echo().astream_events("a|b")]
    chunks = [e.data.chunk for e in events if isinstance(e, ChatModelStreamEvent)]
    assert [(c.content, c.chunk_position) for c in chunks] == [
        ("a", None),
        ("b", None),
        ("", "last"),
    ]
    run_id = events[0].run_id
    assert {c.id for c in chunks} == {f"lc_run--{run_id}"}
    end = events[-1]
    assert isinstance(end, ChatModelEndEvent)
    assert end.data.output == AIMessage("ab", id=f"lc_run--{run_id}")
