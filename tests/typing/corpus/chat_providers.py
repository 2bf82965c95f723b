"""The chat models' constructors and methods as users' code sees them, pinned for mypy --strict
(this file is type-checked, not run)."""

from __future__ import annotations

from typing_extensions import assert_type

from rillet import (
    AIMessage,
    AIMessageChunk,
    AsyncStream,
    BaseChatModel,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    ChatResult,
    HumanMessage,
    ImageBlock,
    ResponseMetadata,
    Secret,
    Stream,
    StreamEvent,
    SystemMessage,
    TextBlock,
    UsageMetadata,
)


def constructors() -> None:
    assert_type(ChatOpenAI(), ChatOpenAI)
    assert_type(ChatOpenAI(model="gpt-4o-mini", temperature=0), ChatOpenAI)
    assert_type(
        ChatOpenAI(model="llama3", base_url="http://localhost:8000/v1", stop="\n", seed=1),
        ChatOpenAI,
    )
    assert_type(
        ChatAnthropic(
            model="claude-sonnet-4-5",
            max_tokens=4096,
            thinking={"type": "enabled", "budget_tokens": 2048},
            api_key=Secret("k"),
        ),
        ChatAnthropic,
    )
    assert_type(ChatOllama(model="qwen3", reasoning=True, num_predict=64), ChatOllama)
    assert_type(ChatOllama(model="qwen3", reasoning="high"), ChatOllama)
    assert_type(ChatOpenAI(model="deepseek-r1", extract_reasoning=True), ChatOpenAI)
    ChatOpenAI(extract_reasoning=("<reasoning>", "</reasoning>"))  # ok
    ChatOpenAI(extract_reasoning="<think>")  # wrong: True, or the (open, close) pair of tags
    ChatOpenAI(n=2)  # wrong: one reply per call
    ChatAnthropic()  # wrong: model is required
    ChatAnthropic(model="c", thinking=True)  # wrong: the request's object
    ChatOllama(model="m", max_tokens=5)  # wrong: Ollama's is num_predict
    ChatOllama(model="m", reasoning=1.5)  # wrong


def every_chat_provider_is_a_chat_model(
    openai: ChatOpenAI, claude: ChatAnthropic, local: ChatOllama
) -> None:
    models: list[BaseChatModel] = [openai, claude, local]
    assert_type(models, list[BaseChatModel])
    assert_type(openai.model, str)
    assert_type(claude.settings.max_tokens, int)
    assert_type(local.settings.base_url, str)


def sync_surface(model: ChatAnthropic) -> None:
    assert_type(model.invoke("hi"), AIMessage)
    assert_type(model.invoke([SystemMessage("Be brief."), HumanMessage("hi")]), AIMessage)
    assert_type(model.invoke([("system", "Be brief."), ("human", "hi")]), AIMessage)
    picture = HumanMessage([TextBlock("What is it?"), ImageBlock(url="https://x/a.png")])
    assert_type(model.invoke([picture]), AIMessage)
    assert_type(model.stream("hi", stop=["\n"]), Stream[AIMessageChunk])
    assert_type(model.batch(["a", "b"]), list[AIMessage])
    assert_type(model.generate([[("human", "a")]]), ChatResult)
    assert_type(model.stream_events("hi"), Stream[StreamEvent])
    with model.stream("hi") as chunks:
        for chunk in chunks:
            assert_type(chunk, AIMessageChunk)
            assert_type(chunk.text, str)
            assert_type(chunk.reasoning, str)
            assert_type(chunk.usage_metadata, UsageMetadata | None)
            assert_type(chunk.response_metadata, ResponseMetadata)
            assert_type(chunk.response_metadata.finish_reason, str | None)


async def async_surface(openai: ChatOpenAI, local: ChatOllama) -> None:
    assert_type(await openai.ainvoke("hi"), AIMessage)
    assert_type(openai.astream("hi"), AsyncStream[AIMessageChunk])
    assert_type(await local.abatch(["a"]), list[AIMessage])
    assert_type(await local.agenerate([["a"]]), ChatResult)
    assert_type(local.astream_events("hi", version="v1"), AsyncStream[StreamEvent])
    async with local.astream("hi") as chunks:
        full: AIMessageChunk | None = None
        async for chunk in chunks:
            full = chunk if full is None else full + chunk
        if full is not None:
            assert_type(full.to_message(), AIMessage)
    await openai.aclose()
