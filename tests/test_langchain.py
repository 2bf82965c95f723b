"""rillet.langchain (issue 15): rillet models inside LangChain chains (streaming token by token,
callbacks, close on break) and LangChain runnables inside rillet chains, over the fake server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from uuid import UUID

import anyio
import pytest
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    BaseCallbackHandler,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel as LCBaseChatModel
from langchain_core.messages import (
    AIMessage as LCAIMessage,
    AIMessageChunk as LCAIMessageChunk,
    BaseMessage,
)
from langchain_core.output_parsers import StrOutputParser as LCStrOutputParser
from langchain_core.outputs import ChatGenerationChunk, ChatResult, GenerationChunk
from langchain_core.prompts import ChatPromptTemplate as LCChatPromptTemplate
from langchain_core.runnables import RunnableLambda as LCRunnableLambda
from pydantic import Field

from rillet import (
    AIMessageChunk,
    ChatOpenAI,
    ChatPromptTemplate,
    InvalidInputError,
    OpenAI,
    RateLimitError,
    StrOutputParser,
)
from rillet.langchain import RilletChatModel, RilletLLM, from_langchain, to_langchain
from rillet.testing import FakeServer, Reply

TOKENS = ["The", " sky", " is", " blue", "."]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _reset(server: FakeServer) -> None:
    server.reset()


@pytest.fixture
def chat(server: FakeServer) -> Iterator[ChatOpenAI]:
    model = ChatOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    yield model
    model.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # LangChain's async runnables run on asyncio


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        assert isinstance(token, str)
        self.tokens.append(token)


def _lc_chain(model: ChatOpenAI) -> Any:
    prompt = LCChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{q}")])
    return prompt | to_langchain(model) | LCStrOutputParser()


def test_a_langchain_chain_streams_token_by_token(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=TOKENS))
    handler = Tokens()
    pieces = list(_lc_chain(chat).stream({"q": "Why?"}, {"callbacks": [handler]}))
    assert [p for p in pieces if p] == TOKENS
    assert [t for t in handler.tokens if t] == TOKENS  # each token once, as it came
    body = server.requests[0].json()
    assert isinstance(body, dict)
    assert body["stream"] is True
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Why?"},
    ]


def test_break_closes_the_response(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=TOKENS * 20, delay=0.02))
    for chunk in to_langchain(chat).stream("Why?"):
        if chunk.content:
            break
    assert server.wait_for_disconnect(timeout=10)
    assert server.completed == 0


@pytest.mark.anyio
async def test_astream_token_by_token_and_break(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=TOKENS))
    assert [p async for p in _lc_chain(chat).astream({"q": "Why?"}) if p] == TOKENS
    server.queue(Reply(tokens=TOKENS * 20, delay=0.02))
    stream = to_langchain(chat).astream("Why?")
    async for chunk in stream:
        if chunk.content:
            break
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert await anyio.to_thread.run_sync(server.wait_for_disconnect)
    assert server.completed == 1  # the first reply only
    await chat.aclose()


class Counting(LCBaseChatModel):
    """A pure-LangChain chat model that streams 100 tokens and records how many were read."""

    read: list[int] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "counting"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise NotImplementedError

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for i in range(100):
            self.read.append(i)
            yield ChatGenerationChunk(message=LCAIMessageChunk(content=f"t{i} "))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for i in range(100):
            self.read.append(i)
            yield ChatGenerationChunk(message=LCAIMessageChunk(content=f"t{i} "))


def _until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


def _first_token(stream: Iterator[str]) -> str:
    for token in stream:
        if token:
            return token  # leaves the for loop: the generator is closed right here (refcount)
    raise AssertionError("no token")


def test_langchain_drains_any_model_when_a_sync_chain_after_it_is_closed() -> None:
    """LangChain's own behaviour, no rillet involved: breaking out of ``chain.stream()`` where a
    step follows the model (a parser) reads the model's stream to its end, because
    langchain-core's ``_transform_stream_with_config`` catches the GeneratorExit and then reads
    the rest of its input for its trace. A chain that ends with the model stops at once."""
    prompt = LCChatPromptTemplate.from_messages([("human", "{q}")])
    model = Counting()
    assert _first_token((prompt | model | LCStrOutputParser()).stream({"q": "hi"})) == "t0 "
    assert len(model.read) == 100  # drained
    model.read.clear()
    first = next(c for c in (prompt | model).stream({"q": "hi"}) if c.content)
    assert first.content == "t0 "
    assert len(model.read) < 5  # closed at once


def test_a_sync_chain_through_the_adapter_behaves_as_langchain(
    server: FakeServer, chat: ChatOpenAI
) -> None:
    """The adapter does what any LangChain model does: closing a sync chain after the model
    (a parser) lets LangChain drain the response; a chain that ends with the model closes it."""
    server.queue(Reply(tokens=TOKENS * 20))
    assert _first_token(_lc_chain(chat).stream({"q": "Why?"})) == "The"
    _until(lambda: server.tokens_sent != [])  # the server notes the end just after sending it
    assert server.completed == 1  # LangChain read the rest (see the test above)
    assert server.tokens_sent == [len(TOKENS) * 20]
    server.reset()
    server.queue(Reply(tokens=TOKENS * 20, delay=0.02))
    prompt = LCChatPromptTemplate.from_messages([("human", "{q}")])
    first = next(c for c in (prompt | to_langchain(chat)).stream({"q": "Why?"}) if c.content)
    assert first.content == "The"
    assert server.wait_for_disconnect(timeout=10)
    assert server.completed == 0


@pytest.mark.anyio
async def test_an_async_chain_closes_the_response_on_break(
    server: FakeServer, chat: ChatOpenAI
) -> None:
    """``ChatPromptTemplate | to_langchain(ChatOpenAI) | StrOutputParser`` streams token by
    token, and closing its ``astream()`` closes the HTTP response: langchain-core's async
    transform lets the GeneratorExit through and closes the steps inside it."""
    server.queue(Reply(tokens=TOKENS * 20, delay=0.02))
    stream = _lc_chain(chat).astream({"q": "Why?"})
    async for token in stream:
        if token:
            break
    await stream.aclose()
    assert token == "The"
    assert await anyio.to_thread.run_sync(server.wait_for_disconnect)
    assert server.completed == 0
    assert server.tokens_sent[0] < len(TOKENS) * 20
    model = Counting()
    lc_stream = (LCChatPromptTemplate.from_messages([("human", "{q}")]) | model).astream(
        {"q": "hi"}
    )
    async for _ in lc_stream:
        break
    await lc_stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert len(model.read) < 5  # the same with a pure-LangChain model
    await chat.aclose()


def test_invoke_has_usage_and_metadata(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=TOKENS))
    model = to_langchain(chat)
    assert isinstance(model, RilletChatModel)
    message = model.invoke("hi")
    assert isinstance(message, LCAIMessage)
    assert message.content == "The sky is blue."
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == len(TOKENS)
    assert message.response_metadata["model_name"] == "gpt-4o-mini"
    assert message.response_metadata["finish_reason"] == "stop"
    params = model._get_ls_params()
    assert (params.get("ls_provider"), params.get("ls_model_name")) == ("openai", "gpt-4o-mini")


def test_reasoning_and_last_chunk(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(reasoning=["Hm", "m."], tokens=["Hi"]))
    chunks = list(to_langchain(chat).stream("hi"))
    assert all(isinstance(c, LCAIMessageChunk) for c in chunks)
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    assert isinstance(total, LCAIMessageChunk)
    assert total.content == "Hi"
    assert total.additional_kwargs["reasoning_content"] == "Hmm."
    assert chunks[-1].chunk_position == "last"


def test_rillet_errors_pass_through(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(status=429))
    with pytest.raises(RateLimitError):
        to_langchain(chat).invoke("hi")


def test_a_string_llm(server: FakeServer) -> None:
    llm = OpenAI(base_url=server.base_url, api_key="sk-test")
    server.queue(Reply(tokens=TOKENS), Reply(tokens=TOKENS))
    adapted = to_langchain(llm)
    assert isinstance(adapted, RilletLLM)
    assert [t for t in adapted.stream("hi") if t] == TOKENS
    assert adapted.invoke("hi") == "The sky is blue."
    llm.close()


def test_from_langchain_composes_with_rillet(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=TOKENS))
    lc_model = from_langchain(to_langchain(chat))
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | lc_model | StrOutputParser()
    assert [p for p in chain.stream({"q": "Why?"}) if p] == TOKENS
    shout = from_langchain(LCRunnableLambda(lambda s: s.upper()))
    server.queue(Reply(tokens=TOKENS))
    assert (chain | shout).invoke({"q": "Why?"}) == "THE SKY IS BLUE."


def test_from_langchain_chunks_are_rillet_chunks(server: FakeServer, chat: ChatOpenAI) -> None:
    server.queue(Reply(tokens=TOKENS))
    chunks = list(from_langchain(to_langchain(chat)).stream("hi"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(c.text for c in chunks if isinstance(c, AIMessageChunk)) == "The sky is blue."


def test_to_langchain_refuses_other_runnables() -> None:
    with pytest.raises(InvalidInputError, match="to_langchain takes a rillet chat model or LLM"):
        to_langchain(StrOutputParser())  # type: ignore[call-overload]  # wrong on purpose
