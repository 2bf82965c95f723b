"""The user code of issue 12, as written there, run against the fake server (the environment
points ChatOpenAI at it) with its types pinned (mypy --strict checks this file). The printed
loops were transcribed from langchain-openai 1.7.4 running the same code against the same server
(``stream_usage=True``): ``|The| sky| is| blue|.||||`` both times."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from typing_extensions import assert_type

from rillet import (
    AIMessage,
    AIMessageChunk,
    ChatOpenAI,
    ChatPromptTemplate,
    HumanMessage,
    MessagesPlaceholder,
    StrOutputParser,
    SystemMessage,
)
from rillet.testing import FakeServer, Reply

SKY = ["The", " sky", " is", " blue", "."]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    with FakeServer(default=Reply(tokens=SKY)) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        yield fake


def test_the_issues_user_code(server: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    model = ChatOpenAI(model="gpt-4o-mini", temperature=0)  # $OPENAI_API_KEY / $OPENAI_BASE_URL
    chunks: list[AIMessageChunk] = []
    for chunk in model.stream("what color is the sky?"):
        assert_type(chunk, AIMessageChunk)
        chunks.append(chunk)
        print(chunk.content, end="|", flush=True)  # LangChain's loop, unchanged
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c  # AIMessageChunk + AIMessageChunk
    assert_type(full, AIMessageChunk)
    print(full.text, full.usage_metadata, full.response_metadata.finish_reason)

    msg = model.invoke([SystemMessage("Be terse."), HumanMessage("hi")])  # -> AIMessage
    assert_type(msg, AIMessage)
    msg = model.invoke([("system", "Be terse."), ("human", "hi")])  # tuples and role dicts too

    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are {persona}."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    chain = prompt | model | StrOutputParser()

    async def events() -> None:
        async for event in chain.astream_events(
            {"persona": "a poet", "history": [], "question": "sky?"}
        ):
            if event["event"] == "on_chat_model_stream":  # LangChain's documented loop
                print(event["data"]["chunk"].content, end="|")  # type: ignore[index]  # not narrowed by a key: see tests/typing/messages.py
        await model.aclose()  # (not in the issue: this test leaves no connection behind)

    anyio.run(events)
    model.close()

    out = capsys.readouterr().out
    streamed, streamed_events = out.split("\n")
    # As LangChain's: empty chunks for the role, the finish, the usage and the "last" marker.
    assert streamed.startswith("|The| sky| is| blue|.||||The sky is blue. UsageMetadata(")
    assert "input_tokens=5, output_tokens=5, total_tokens=10" in streamed
    assert streamed.endswith(" stop")
    assert streamed_events == "|The| sky| is| blue|.||||"
    assert msg.text == "The sky is blue."
    bodies: list[Any] = [request.json() for request in server.requests]
    assert bodies[-2]["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "hi"},
    ]
    assert bodies[-1]["messages"] == [
        {"role": "system", "content": "You are a poet."},
        {"role": "user", "content": "sky?"},
    ]
