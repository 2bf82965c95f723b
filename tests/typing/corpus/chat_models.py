"""Chat models as users call them: custom and fake chat models, results, chat-model events."""

from __future__ import annotations

from typing_extensions import assert_type

from rillet import (
    AIMessage,
    AIMessageChunk,
    BaseChatModel,
    BoundChatModel,
    ChatGeneration,
    ChatModelEndData,
    ChatModelInput,
    ChatModelStartData,
    ChatModelStartEvent,
    ChatModelStreamData,
    ChatModelStreamEvent,
    ChatResult,
    Event,
    FakeListChatModel,
    FakeListChatModelError,
    GenericFakeChatModel,
    StreamData,
)


def fakes() -> None:
    model = FakeListChatModel(responses=["Hello", "Bye"])  # ok
    assert_type(model.invoke("hi"), AIMessage)  # ok
    FakeListChatModel(responses=["a"], sleep=0.1, error_on_chunk_number=2)  # ok
    FakeListChatModel(responses="abc")  # wrong: three answers
    FakeListChatModel(responses=[1])  # wrong
    GenericFakeChatModel(messages=[AIMessage("a"), "b"])  # ok
    GenericFakeChatModel(messages=[1])  # wrong
    GenericFakeChatModel(messages="abc")  # wrong: one message per character
    GenericFakeChatModel(messages=iter(["a", AIMessage("b")]))  # ok: LangChain's iterator
    GenericFakeChatModel(messages=("a", "b"))  # ok
    try:
        FakeListChatModel(responses=["ab"], error_on_chunk_number=1).invoke("x")  # ok
    except FakeListChatModelError as exc:  # ok
        assert_type(exc.partial_text, str)  # ok


def calls(model: BaseChatModel) -> None:
    assert_type(model.invoke("hi", stop=["\n"]), AIMessage)  # ok
    for chunk in model.stream("hi"):
        assert_type(chunk, AIMessageChunk)  # ok
    model.invoke(42)  # wrong
    model.batch("abc")  # wrong: one request per character
    assert_type(model.batch(["a", "b"]), list[AIMessage])  # ok
    assert_type(model.bind(stop=["x"]), BoundChatModel)  # ok
    result = model.generate([[("human", "a")]])  # ok
    assert_type(result, ChatResult)  # ok
    generation = result.generations[0][0]  # ok
    assert_type(generation, ChatGeneration)  # ok
    assert_type(generation.message, AIMessage)  # ok
    generation.message.contnt  # wrong: misspelled


def events(model: BaseChatModel) -> None:
    for event in model.stream_events("hi"):
        if isinstance(event, ChatModelStartEvent):
            assert_type(event.data, ChatModelStartData)  # ok
            assert_type(event["data"]["input"], ChatModelInput)  # ok
        elif isinstance(event, ChatModelStreamEvent):
            assert_type(event.data, ChatModelStreamData)  # ok
            assert_type(event["data"]["chunk"], AIMessageChunk)  # ok
            event["data"]["chonk"]  # wrong: only LangChain's keys
        elif event.event == "on_chat_model_end":
            assert_type(event.data, ChatModelEndData)  # ok
        generic: Event[StreamData] | None = None  # ok
        print(generic)
