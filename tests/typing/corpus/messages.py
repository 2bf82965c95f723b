"""Chat messages as users' code sees them (type-checked, not run)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec
from typing_extensions import assert_type

from rillet import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseChatModel,
    Citation,
    ContentBlock,
    HumanMessage,
    ImageBlock,
    InputTokenDetails,
    InvalidToolCall,
    MessageLike,
    OutputTokenDetails,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
    ResponseMetadata,
    SystemMessage,
    TextBlock,
    ToolCall,
    ToolCallChunk,
    ToolCallParseError,
    StreamProviderError,
    ToolMessage,
    UnsupportedOutputError,
    UsageMetadata,
)


class Weather(msgspec.Struct):
    city: str


def messages_surface(chunks: list[AIMessageChunk]) -> None:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert_type(full, AIMessageChunk)
    assert_type(full.content, str | list[ContentBlock])
    assert_type(full.text, str)
    assert_type(full.reasoning, str)
    assert_type(full.usage_metadata, UsageMetadata | None)
    assert_type(full.response_metadata, ResponseMetadata)
    assert_type(full.response_metadata.finish_reason, str | None)
    assert_type(full.tool_call_chunks, list[ToolCallChunk])
    assert_type(full.tool_calls, list[ToolCall])
    assert_type(full.invalid_tool_calls, list[InvalidToolCall])
    assert_type(full.chunk_position, Literal["last"] | None)
    assert_type(full.type, Literal["AIMessageChunk"])
    msg = full.to_message()
    assert_type(msg, AIMessage)
    assert_type(msg.tool_calls[0].parse(Weather), Weather)
    assert_type(msg.tool_calls[0].args, dict[str, object])
    _ = full.contnt  # wrong: misspelt names stay errors despite lazy fields
    _ = full + "x"  # wrong: only chunks add to chunks


def blocks_nobody_drops(message: AIMessage) -> None:
    for block in message.content:
        if isinstance(block, RefusalBlock):
            assert_type(block.refusal, str)
        elif isinstance(block, RedactedThinkingBlock):
            assert_type(block.data, str)  # sent back to Anthropic unchanged
        elif isinstance(block, TextBlock):
            for cited in block.citations:
                assert_type(cited, Citation)
                assert_type(cited.cited_text, str | None)
                assert_type(cited.details, dict[str, object])
    TextBlock("x", citations=[Citation("char_location", "quote")])  # ok
    TextBlock("x", citations=["doc"])  # wrong: citations are Citation structs
    RefusalBlock(refusal=None)  # wrong: a refusal is text
    AIMessage([RedactedThinkingBlock("opaque"), RefusalBlock("no")])  # ok
    try:
        message.text
    except UnsupportedOutputError as exc:
        assert_type(exc.what, str)
        assert_type(exc.partial_text, str)
    except StreamProviderError as exc:
        assert_type(exc.usage, UsageMetadata | None)  # OpenRouter's usage on its error chunk


def constructing() -> None:
    history: list[AnyMessage] = [
        SystemMessage("Be terse."),
        HumanMessage([TextBlock("look"), ImageBlock(url="https://x/y.png")]),
        AIMessage([ReasoningBlock("hm", signature="s"), TextBlock("ok")]),
        ToolMessage("42", tool_call_id="call_1", status="error"),
    ]
    like: list[MessageLike] = [("human", "hi"), {"role": "user", "content": "x"}, "plain", *history]
    usage = UsageMetadata(1, 2, 3, InputTokenDetails(cache_read=1), OutputTokenDetails(reasoning=1))
    assert_type(usage + usage, UsageMetadata)
    HumanMessage(3)  # wrong: content is a str or blocks
    ToolMessage("x")  # wrong: a tool message answers a call id
    ToolCall("f", {})  # wrong: a tool call always has an id
    try:
        ToolCall("f", {}, "call_1").parse(Weather)
    except ToolCallParseError as exc:
        assert_type(exc.tool_args, object)
    del like


def chat_prompts() -> None:
    from rillet import ChatPromptTemplate, ChatPromptValue, MessagesPlaceholder

    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are {persona}."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    value = prompt.invoke({"persona": "a poet", "history": [], "question": "sky?"})
    assert_type(value, ChatPromptValue)
    assert_type(value.to_messages(), list[AnyMessage])
    assert_type(value.to_string(), str)
    assert_type(prompt.partial(persona="x"), ChatPromptTemplate)
    assert_type(ChatPromptTemplate.from_template("{x}").input_variables, list[str])
    ChatPromptTemplate.from_messages([("human", 3)])  # wrong: templates are str


async def chat_models(model: BaseChatModel) -> None:
    from rillet import (
        ChatModelEndEvent,
        ChatModelStreamEvent,
        ChatPromptTemplate,
        ChatResult,
        MessagesPlaceholder,
        StrOutputParser,
    )

    chunks: list[AIMessageChunk] = []
    for chunk in model.stream("what color is the sky?"):
        assert_type(chunk, AIMessageChunk)
        chunks.append(chunk)
        print(chunk.content, end="|", flush=True)
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert_type(full, AIMessageChunk)
    print(full.text, full.usage_metadata, full.response_metadata.finish_reason)
    msg = model.invoke([SystemMessage("Be terse."), HumanMessage("hi")])
    assert_type(msg, AIMessage)
    msg = model.invoke([("system", "Be terse."), ("human", "hi")])
    assert_type(await model.ainvoke("hi"), AIMessage)
    assert_type(model.batch(["a", "b"]), list[AIMessage])
    assert_type(model.generate([[("human", "a")]]), ChatResult)
    async for achunk in model.astream("hi"):
        assert_type(achunk, AIMessageChunk)

    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are {persona}."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    chain = prompt | model | StrOutputParser()
    assert_type(chain.invoke({"persona": "a poet", "history": [], "question": "sky?"}), str)
    async for event in chain.astream_events({"persona": "a poet", "history": [], "question": "?"}):
        # LangChain's loop compares event["event"]; a type checker narrows the union only on the
        # attribute (or isinstance / match), so the typed spelling is:
        if event.event == "on_chat_model_stream":
            assert_type(event, ChatModelStreamEvent)
            assert_type(event["data"]["chunk"], AIMessageChunk)  # ok: narrowed on the attribute
            print(event["data"]["chunk"].content, end="|")  # ok
        if isinstance(event, ChatModelEndEvent):
            assert_type(event["data"]["output"], AIMessage | None)
        assert_type(event["event"], str)
        if event["event"] == "on_chat_model_stream":  # LangChain's documented loop: runs, but
            print(event["data"]["chunk"].content)  # wrong: a key comparison narrows no class union
        assert_type(event["tags"], list[str])
        assert_type(event["metadata"], dict[str, object])
        event["nope"]  # wrong: only LangChain's keys


class Custom(BaseChatModel):
    def _stream(
        self, messages: list[AnyMessage], stop: list[str] | None = None
    ) -> Iterator[AIMessageChunk | str]:
        yield messages[-1].text


class WrongHook(BaseChatModel):
    def _generate(self, messages: list[AnyMessage], stop: list[str] | None = None) -> int:  # wrong: a reply is an AIMessage or a str
        return 3


async def chat_fakes_and_events() -> None:
    from rillet import (
        BoundChatModel,
        ChatGeneration,
        ChatModelEndData,
        ChatModelInput,
        ChatModelStartData,
        ChatModelStartEvent,
        ChatModelStreamData,
        FakeListChatModel,
        FakeListChatModelError,
        GenericFakeChatModel,
    )

    fake = GenericFakeChatModel(messages=[AIMessage("hi"), "there"])
    assert_type(fake.invoke("x"), AIMessage)
    listed = FakeListChatModel(responses=["a"], sleep=0.0, error_on_chunk_number=None)
    bound = listed.bind(stop=["\n"])
    assert_type(bound, BoundChatModel)
    assert_type(bound.invoke("x"), AIMessage)
    assert_type(Custom().invoke("x"), AIMessage)
    GenericFakeChatModel(messages=[3])  # wrong: messages or str
    FakeListChatModel(responses="a", sleep="1")  # wrong: seconds
    assert_type(listed.generate([["x"]]).generations[0][0], ChatGeneration)
    try:
        listed.invoke("x")
    except FakeListChatModelError as exc:
        assert_type(exc.partial_text, str)
    for event in listed.stream_events("x", version="v1"):
        if isinstance(event, ChatModelStartEvent):
            assert_type(event.data, ChatModelStartData)
            assert_type(event["data"]["input"], ChatModelInput)
            assert_type(event["data"]["input"].messages, list[list[AnyMessage]])
        elif event.event == "on_chat_model_stream":
            assert_type(event.data, ChatModelStreamData)
        elif event.event == "on_chat_model_end":
            assert_type(event.data, ChatModelEndData)
            assert_type(event["data"]["output"], AIMessage | None)
            event["data"]["chunk"]  # wrong: an end event has no chunk


def metadata_read_as_langchain_dicts(chunk: AIMessageChunk) -> None:
    usage = chunk.usage_metadata
    meta = chunk.response_metadata
    if usage is not None:
        assert_type(usage["total_tokens"], int)
        assert_type(usage.get("output_tokens"), int)
        assert_type(usage["input_token_details"], InputTokenDetails | None)
        details = usage["output_token_details"]
        if details is not None:
            assert_type(details["reasoning"], int | None)
            assert_type(details.get("reasoning", 0), int)
        print(usage["total_tokens"] + 1)  # ok
        print(usage["total"])  # wrong: LangChain's keys only (input_tokens, total_tokens...)
        print(usage["total_tokens"].upper())  # wrong: a token count is an int
    assert_type(meta["finish_reason"], str | None)
    assert_type(meta.get("finish_reason", "stop"), str)
    print(meta.get("model_name"))  # ok
    print(meta["finish"])  # wrong: a ResponseMetadata key is one of its fields
    print(meta["finish_reason"].upper())  # wrong: finish_reason may be None

