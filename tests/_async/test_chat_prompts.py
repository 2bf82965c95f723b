"""Chat prompts as runnables: async/sync invoke, events, and into a string LLM."""

from __future__ import annotations

import pytest

from rillet import (
    AIMessage,
    AnyMessage,
    ChatPromptTemplate,
    ChatPromptValue,
    FakeListLLM,
    HumanMessage,
    ImageBlock,
    InvalidInputError,
    LLMStartEvent,
    MessagesPlaceholder,
    PromptEndEvent,
    StrOutputParser,
    SystemMessage,
    TextBlock,
)

pytestmark = pytest.mark.anyio

PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "You are a helpful AI bot. Your name is {name}."),
        ("human", "Hello, how are you doing?"),
        ("ai", "I'm doing well, thanks!"),
        ("human", "{user_input}"),
    ]
)
INPUT = {"name": "Bob", "user_input": "What is your name?"}


async def test_chat_prompt_invokes_and_batches() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Be {style}."), MessagesPlaceholder("history"), ("human", "{q}")]
    )
    value = await prompt.ainvoke({"style": "terse", "history": [("human", "a")], "q": "b"})
    assert value == ChatPromptValue(
        [SystemMessage("Be terse."), HumanMessage("a"), HumanMessage("b")]
    )
    values = await prompt.abatch(
        [{"style": "x", "history": [], "q": "1"}, {"style": "y", "history": [], "q": "2"}]
    )
    assert [v.to_string() for v in values] == [
        "System: Be x.\nHuman: 1",
        "System: Be y.\nHuman: 2",
    ]


async def test_chat_prompt_into_a_string_llm_flattens_as_langchain() -> None:
    # LangChain: (ChatPromptTemplate | FakeListLLM).invoke(...) hands the LLM this one prompt.
    flattened = (
        "System: You are a helpful AI bot. Your name is Bob.\nHuman: Hello, how are you doing?\n"
        "AI: I'm doing well, thanks!\nHuman: What is your name?"
    )
    chain = PROMPT | FakeListLLM(responses=["I am Bob."]) | StrOutputParser()
    assert await chain.ainvoke(INPUT) == "I am Bob."
    starts = [e async for e in chain.astream_events(INPUT) if isinstance(e, LLMStartEvent)]
    assert [s.data.input.prompts for s in starts] == [[flattened]]


async def test_chat_prompt_events_carry_the_prompt_value() -> None:
    events = [e async for e in PROMPT.astream_events(INPUT)]
    # LangChain 1.8.3 on a root prompt: v2 start, end; v1 start, stream, end.
    assert [(e.event, e.name) for e in events] == [
        ("on_prompt_start", "ChatPromptTemplate"),
        ("on_prompt_end", "ChatPromptTemplate"),
    ]
    v1 = [e.event async for e in PROMPT.astream_events(INPUT, version="v1")]
    assert v1 == ["on_prompt_start", "on_prompt_stream", "on_prompt_end"]
    end = events[-1]
    assert isinstance(end, PromptEndEvent)
    assert end.data.output == await PROMPT.ainvoke(INPUT)


async def test_message_structs_into_a_string_llm_flatten_as_langchain() -> None:
    # LangChain: FakeListLLM().invoke([SystemMessage("s"), HumanMessage("h"), AIMessage("a")])
    # hands the LLM the prompt "System: s\nHuman: h\nAI: a".
    llm = FakeListLLM(responses=["ok"])
    messages: list[AnyMessage] = [SystemMessage("s"), HumanMessage("h"), AIMessage("a")]
    starts = [e async for e in llm.astream_events(messages) if isinstance(e, LLMStartEvent)]
    assert [s.data.input.prompts for s in starts] == [["System: s\nHuman: h\nAI: a"]]


async def test_an_image_never_goes_silently_to_a_text_only_llm() -> None:
    llm = FakeListLLM(responses=["ok"])
    looking = HumanMessage([TextBlock("what is this?"), ImageBlock(url="https://x/y.png")])
    with pytest.raises(InvalidInputError, match="text-only LLM"):
        await llm.ainvoke([looking])
