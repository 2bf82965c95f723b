"""The providers' constructors and methods as users' code sees them, pinned for mypy --strict
(this file is type-checked, not run)."""

from __future__ import annotations

from typing_extensions import assert_type

from rillet import (
    Anthropic,
    AsyncStream,
    BaseLLM,
    ConfigError,
    FakeListLLM,
    FakeStreamingListLLM,
    LLMResult,
    NotAChatModelError,
    Ollama,
    OpenAI,
    OpenAIChat,
    RateLimiter,
    ResponseTooLargeError,
    Secret,
    SizeLimits,
    Stream,
    StreamEvent,
    UnknownEventWarning,
)


def constructors() -> None:
    assert_type(OpenAIChat(), OpenAIChat)
    assert_type(
        OpenAIChat(model="llama3", base_url="http://localhost:8000/v1", n=2, stop="\n"),
        OpenAIChat,
    )
    assert_type(Anthropic(model="claude-sonnet-4-5", max_tokens=512, system="Be brief."), Anthropic)
    assert_type(Anthropic(model="c", api_key=Secret("k"), top_k=5), Anthropic)
    assert_type(Ollama(model="llama3.2", num_predict=64, options={"mirostat": 1}), Ollama)
    assert_type(FakeListLLM(responses=["a", "b"]), FakeListLLM)
    assert_type(FakeStreamingListLLM(responses=["a"], sleep=0.1), FakeStreamingListLLM)
    OpenAIChat(best_of=2)  # wrong: completions only
    Anthropic()  # wrong: model is required
    Anthropic(model="c", max_tokens="many")  # wrong
    Ollama(model="m", max_tokens=5)  # wrong: Ollama's is num_predict
    FakeListLLM(responses=["a"], sleep=1)  # wrong: streaming fake only
    OpenAIChat(model_name="gpt-4o-mini")  # wrong: LangChain's name; rillet's is model
    OpenAIChat(model_kwargs={"user": "u"})  # wrong: LangChain's name; rillet's is extra_body


def string_llms_have_no_chat_methods(chat: OpenAIChat) -> None:
    chat.bind_tools([])  # wrong: a chat model's method (ChatOpenAI); NotAChatModelError at run time
    chat.with_structured_output(dict)  # wrong: a chat model's method
    error: type[ConfigError] = NotAChatModelError
    assert_type(NotAChatModelError("x"), NotAChatModelError)
    del error


def every_provider_is_an_llm(chat: OpenAIChat, claude: Anthropic, local: Ollama) -> None:
    llms: list[BaseLLM] = [chat, claude, local, OpenAI(), FakeListLLM(responses=["x"])]
    assert_type(llms, list[BaseLLM])
    assert_type(chat.model, str)
    assert_type(claude.settings.max_tokens, int)
    assert_type(local.settings.base_url, str)


def sync_surface(llm: Anthropic) -> None:
    assert_type(llm.invoke("hi"), str)
    assert_type(llm.invoke([("system", "Be brief."), ("human", "hi")]), str)
    assert_type(llm.stream("hi", stop=["\n"]), Stream[str])
    assert_type(llm.batch(["a", "b"]), list[str])
    assert_type(llm.generate(["a", "b"]), LLMResult)
    assert_type(llm.stream_events("hi"), Stream[StreamEvent])
    with llm.stream("hi") as chunks:
        for chunk in chunks:
            assert_type(chunk, str)


async def async_surface(chat: OpenAIChat, local: Ollama) -> None:
    assert_type(await chat.ainvoke("hi"), str)
    assert_type(chat.astream("hi"), AsyncStream[str])
    assert_type(await local.abatch(["a"]), list[str])
    assert_type(await local.agenerate(["a"]), LLMResult)
    assert_type(local.astream_events("hi", version="v1"), AsyncStream[StreamEvent])
    async with local.astream("hi") as chunks:
        async for chunk in chunks:
            assert_type(chunk, str)


def unknown_events(warning: UnknownEventWarning) -> None:
    assert_type(warning.event_type, str)
    assert_type(warning.raw, bytes)


def limits_and_rate_limiting() -> None:
    limits = SizeLimits(max_event_bytes=8 * 1024 * 1024, max_response_bytes=1 << 26)
    limiter = RateLimiter(requests_per_second=5, max_bucket_size=2, tokens_per_minute=90_000)
    assert_type(OpenAI(limits=limits, rate_limiter=limiter), OpenAI)
    assert_type(Anthropic(model="c", limits=SizeLimits(), rate_limiter=limiter), Anthropic)
    assert_type(Ollama(model="m", limits=limits), Ollama)
    assert_type(limits.max_error_body_bytes, int)
    OpenAI(limits={"max_event_bytes": 1})  # wrong: a SizeLimits, not a dict
    RateLimiter(5)  # wrong: keyword-only
    try:
        OpenAI().invoke("hi")
    except ResponseTooLargeError as exc:
        assert_type(exc.limit_name, str)
        assert_type(exc.limit, int)
        assert_type(exc.raw, bytes)
