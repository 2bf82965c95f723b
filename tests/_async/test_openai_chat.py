"""OpenAIChat over real HTTP (the fake server's /v1/chat/completions), and the quirks of the
OpenAI-compatible servers (as recorded in tests/fixtures/) as synthetic streams."""

from __future__ import annotations

import pytest

from rillet import (
    ConfigError,
    IncompleteStreamError,
    OpenAIChat,
    StreamDecodeError,
    StreamProviderError,
    UnexpectedToolCallError,
)
from rillet.testing import SONG_TOKENS, FakeServer, Reply, ToolCallReply

from .conftest import MakeChat

pytestmark = pytest.mark.anyio

PROMPT = "Write me a 1 verse song about sparkling water."
SONG = "".join(SONG_TOKENS)


def chunk(content: str | None = None, *, index: int = 0, finish: str | None = None) -> str:
    delta = "{}" if content is None else '{"content":"' + content + '"}'
    reason = "null" if finish is None else f'"{finish}"'
    return f'{{"choices":[{{"index":{index},"delta":{delta},"finish_reason":{reason}}}]}}'


async def test_stream_yields_each_token_and_sends_messages(
    server: FakeServer, make_chat: MakeChat
) -> None:
    llm = make_chat(temperature=0, max_tokens=64, seed=3, stop="END")
    chunks = [chunk async for chunk in llm.astream(PROMPT)]
    assert chunks == list(SONG_TOKENS)
    request = server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-key"
    assert request.headers["accept"] == "text/event-stream"
    assert request.json() == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0,
        "max_tokens": 64,
        "seed": 3,
        "stop": ["END"],
    }


async def test_message_lists_are_sent_as_messages(server: FakeServer, make_chat: MakeChat) -> None:
    llm = make_chat()
    messages: list[tuple[str, str] | dict[str, str]] = [
        ("system", "be brief"),
        ("human", "hi"),
        {"role": "assistant", "content": "yo"},
    ]
    assert await llm.ainvoke(messages) == SONG
    assert [c async for c in llm.astream(messages)] == list(SONG_TOKENS)
    for request in server.requests:
        body = request.json()
        assert isinstance(body, dict)
        assert body["messages"] == [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "yo"},
        ]


async def test_invoke_is_one_whole_response(server: FakeServer, make_chat: MakeChat) -> None:
    llm = make_chat(extra_body={"top_k": 5})
    assert await llm.ainvoke(PROMPT) == SONG
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert "stream" not in body
    assert body["top_k"] == 5


async def test_generate_returns_every_choice_with_usage(
    server: FakeServer, make_chat: MakeChat
) -> None:
    llm = make_chat(n=2)
    result = await llm.agenerate(["one two", "three"])
    assert [[g.text for g in gens] for gens in result.generations] == [[SONG, SONG]] * 2
    assert result.llm_output is not None
    usage = result.llm_output.token_usage
    assert usage is not None
    assert usage.prompt_tokens == 3  # summed over the two requests
    assert usage.completion_tokens == 2 * 2 * len(SONG_TOKENS)
    assert result.llm_output.model_name == "gpt-4o-mini"


async def test_n2_stream_keeps_choices_apart(server: FakeServer, make_chat: MakeChat) -> None:
    # Choices interleave by index; a stream yields choice 0 only, and generate() returns each
    # choice as its own text (LangChain concatenates them into one).
    body = "".join(
        f"data: {event}\n\n"
        for event in [
            chunk("Hel", index=0),
            chunk("Bye", index=1),
            chunk("lo", index=0),
            chunk(" now", index=1),
            chunk(index=0, finish="stop"),
            chunk(index=1, finish="length"),
            "[DONE]",
        ]
    ).encode()
    server.queue(Reply(body=body), Reply(body=body))
    llm = make_chat(n=2, streaming=True)
    assert [c async for c in llm.astream(PROMPT)] == ["Hel", "lo"]
    result = await llm.agenerate([PROMPT])
    [candidates] = result.generations
    assert [g.text for g in candidates] == ["Hello", "Bye now"]
    infos = [g.generation_info for g in candidates]
    assert [i.finish_reason if i else None for i in infos] == ["stop", "length"]


async def test_fake_server_n2_stream_by_index(server: FakeServer, make_chat: MakeChat) -> None:
    llm = make_chat(n=2, streaming=True)
    assert "".join([c async for c in llm.astream(PROMPT)]) == SONG
    result = await llm.agenerate([PROMPT])
    assert [g.text for g in result.generations[0]] == [SONG, SONG]


async def test_compat_quirks_in_one_stream(server: FakeServer, make_chat: MakeChat) -> None:
    # `data:` without a space, `:` comments, vLLM's stop_reason and usage: null, empty content,
    # llama.cpp's timings on an empty finish chunk, and no [DONE] at all.
    body = (
        b": OPENROUTER PROCESSING\n\n"
        b'data:{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}\n\n'
        b'data:{"choices":[{"index":0,"delta":{"content":"Hi"},"stop_reason":null}],"usage":null}\n\n'
        b'data: {"choices":[{"index":0,"delta":{"content":""}}],"usage":null}\n\n'
        b'data: {"choices":[{"index":0,"delta":{"content":" there"}}]}\n\n'
        b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":32000}],'
        b'"timings":{"prompt_n":3,"predicted_n":2,"predicted_per_second":40.5}}\n\n'
        b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n'
    )
    server.queue(Reply(body=body, chunk_sizes=[7]), Reply(body=body))
    llm = make_chat(streaming=True)
    assert [c async for c in llm.astream(PROMPT)] == ["Hi", " there"]
    result = await llm.agenerate([PROMPT])
    assert result.generations[0][0].text == "Hi there"
    assert result.llm_output is not None
    assert result.llm_output.token_usage is not None
    assert result.llm_output.token_usage.total_tokens == 5


async def test_error_inside_the_stream_keeps_the_partial_text(
    server: FakeServer, make_chat: MakeChat
) -> None:
    body = (
        b": OPENROUTER PROCESSING\n\n"
        + f"data: {chunk('Hel')}\n\n".encode()
        + b'data: {"id":"gen-1","error":{"code":400,"message":"Token limit reached"},'
        b'"choices":[{"index":0,"delta":{"content":""}}]}\n\n'
        b"data: [DONE]\n\n"
    )
    server.queue(Reply(body=body))
    llm = make_chat()
    received: list[str] = []
    with pytest.raises(StreamProviderError, match="Token limit reached") as caught:
        async for piece in llm.astream(PROMPT):
            received.append(piece)
    assert received == ["Hel"]
    assert caught.value.partial_text == "Hel"
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == 400


async def test_truncated_stream_is_incomplete(server: FakeServer, make_chat: MakeChat) -> None:
    server.queue(Reply(body=f'data: {chunk("Hel")}\n\ndata: {{"cho'.encode()))
    llm = make_chat()
    with pytest.raises(IncompleteStreamError, match=r"\[DONE\].*partial event") as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.partial_text == "Hel"


async def test_malformed_chunk_raises_with_the_raw_data(
    server: FakeServer, make_chat: MakeChat
) -> None:
    server.queue(Reply(body=b'data: {"choices": 7}\n\n'))
    llm = make_chat()
    with pytest.raises(StreamDecodeError, match="chat completion chunk") as caught:
        async for _ in llm.astream(PROMPT):
            pass
    assert caught.value.raw == b'{"choices": 7}'


async def test_tool_call_deltas_are_a_typed_error(server: FakeServer, make_chat: MakeChat) -> None:
    # Issue 13: a tool call used to come back as '' (dropped in silence).
    body = (
        b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null,'
        b'"tool_calls":[{"index":0,"id":"call_1","type":"function",'
        b'"function":{"name":"f","arguments":""}}]}}]}\n\n'
        b'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,'
        b'"function":{"arguments":"{\\"a\\":1}"}}]}}]}\n\n'
        b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n'
        b"data: [DONE]\n\n"
    )
    server.queue(Reply(body=body))
    llm = make_chat(streaming=True)
    with pytest.raises(UnexpectedToolCallError, match=r"tool call \(f\)") as caught:
        await llm.agenerate([PROMPT])
    assert caught.value.tool_name == "f"


def test_unknown_constructor_argument_is_an_error() -> None:
    with pytest.raises(TypeError, match="OpenAIChat got an unknown argument 'best_of'"):
        OpenAIChat(best_of=2)  # type: ignore[call-arg]  # completions only


def test_settings_come_from_the_openai_environment(
    monkeypatch: pytest.MonkeyPatch, server: FakeServer
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    llm = OpenAIChat()
    assert llm.settings.base_url == server.base_url
    assert llm.settings.api_key is not None
    assert llm.settings.api_key.get_secret_value() == "sk-from-env"
    assert "sk-from-env" not in repr(llm) + repr(llm.settings)


def test_missing_key_for_openai_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIChat()


async def test_a_tool_call_is_a_typed_error_not_an_empty_string(
    server: FakeServer, make_chat: MakeChat
) -> None:
    # Someone binds tools onto the string LLM; the model answers with a tool call.
    # (``tools`` is not a call option of the string LLM: it goes through extra_body.)
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    llm = make_chat().bind(extra_body={"tools": tools})
    script = Reply(
        tokens=["Let me check. "], tool_calls=[ToolCallReply("get_weather", {"city": "Paris"})]
    )
    server.queue(script)
    with pytest.raises(
        UnexpectedToolCallError, match=r"\(get_weather\).*ChatOpenAI\(\.\.\.\)\.bind_tools"
    ) as info:
        async for _ in llm.astream("weather?"):
            pass
    assert info.value.tool_name == "get_weather"
    assert info.value.partial_text == "Let me check. "
    assert server.requests[-1].json()["tools"] == [  # type: ignore[index]  # a JSON object
        {"type": "function", "function": {"name": "get_weather"}}
    ]
    server.queue(script)
    with pytest.raises(UnexpectedToolCallError, match="get_weather"):
        await llm.ainvoke("weather?")
    server.queue(
        Reply(tokens=(), tool_calls=[ToolCallReply("get_weather")]),
        Reply(tokens=(), tool_calls=[ToolCallReply("get_weather")]),
    )
    with pytest.raises(UnexpectedToolCallError, match="get_weather"):
        await make_chat(streaming=False).ainvoke("weather?")
