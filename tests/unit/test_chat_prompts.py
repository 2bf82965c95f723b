"""Chat prompt templates (pure). Expected values were produced by running LangChain's documented
examples with langchain-core 1.8.3 (``ChatPromptTemplate`` docstring and how-to guides)."""

from __future__ import annotations

import msgspec
import pytest

from rillet import (
    AIMessage,
    ChatPromptTemplate,
    ChatPromptValue,
    ConfigError,
    HumanMessage,
    ImageBlock,
    InvalidInputError,
    MessagesPlaceholder,
    SystemMessage,
    TextBlock,
)

BOB = ChatPromptTemplate.from_messages(
    [
        ("system", "You are a helpful AI bot. Your name is {name}."),
        ("human", "Hello, how are you doing?"),
        ("ai", "I'm doing well, thanks!"),
        ("human", "{user_input}"),
    ]
)


def test_langchain_docstring_example() -> None:
    value = BOB.invoke({"name": "Bob", "user_input": "What is your name?"})
    assert value == ChatPromptValue(
        [
            SystemMessage("You are a helpful AI bot. Your name is Bob."),
            HumanMessage("Hello, how are you doing?"),
            AIMessage("I'm doing well, thanks!"),
            HumanMessage("What is your name?"),
        ]
    )
    # LangChain: ChatPromptValue.to_string()
    assert value.to_string() == (
        "System: You are a helpful AI bot. Your name is Bob.\nHuman: Hello, how are you doing?\n"
        "AI: I'm doing well, thanks!\nHuman: What is your name?"
    )
    assert BOB.input_variables == ["name", "user_input"]
    assert BOB.format(name="Bob", user_input="x").startswith("System: You are a helpful AI bot.")


def test_placeholders_optional_and_required() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a helpful AI bot."),
            MessagesPlaceholder("history", optional=True),
            ("human", "{question}"),
        ]
    )
    assert (prompt.input_variables, prompt.optional_variables) == (["question"], ["history"])
    assert prompt.invoke({"question": "q?"}).to_string() == (
        "System: You are a helpful AI bot.\nHuman: q?"
    )
    history = [("human", "hi"), ("ai", "hello")]
    assert prompt.invoke({"question": "q?", "history": history}).to_string() == (
        "System: You are a helpful AI bot.\nHuman: hi\nAI: hello\nHuman: q?"
    )
    required = ChatPromptTemplate.from_messages([MessagesPlaceholder("history"), ("human", "{q}")])
    assert required.input_variables == ["history", "q"]
    with pytest.raises(InvalidInputError, match=r"missing \['history'\]"):
        required.invoke({"q": "x"})
    with pytest.raises(InvalidInputError, match="takes a list of messages"):
        required.invoke({"q": "x", "history": "notalist"})
    last = ChatPromptTemplate.from_messages([MessagesPlaceholder("h", n_messages=1)])
    assert last.invoke({"h": [("human", "a"), ("ai", "b")]}).to_messages() == [AIMessage("b")]


def test_from_messages_accepts_every_langchain_form() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "S {a}"),
            ("placeholder", "{h}"),
            "user says {q}",
            {"role": "assistant", "content": "ok {q}"},
            HumanMessage("lit {x}"),
            ("user", [TextBlock("look"), ImageBlock(url="https://x/y.png")]),
        ]
    )
    assert (prompt.input_variables, prompt.optional_variables) == (["a", "q"], ["h"])
    value = prompt.invoke({"a": 1, "q": "?"})
    # LangChain (same messages minus the image one): 'System: S 1\nHuman: user says ?\nAI: ok ?\n
    # Human: lit {x}' -- a message struct is used verbatim, not templated.
    assert value.to_messages() == [
        SystemMessage("S 1"),
        HumanMessage("user says ?"),
        AIMessage("ok ?"),
        HumanMessage("lit {x}"),
        HumanMessage([TextBlock("look"), ImageBlock(url="https://x/y.png")]),
    ]
    assert value.to_string().splitlines()[-1] == "Human: look"


def test_from_template_and_partial() -> None:
    joke = ChatPromptTemplate.from_template("Tell me a joke about {topic}")
    assert joke.invoke({"topic": "bears"}) == ChatPromptValue(
        [HumanMessage("Tell me a joke about bears")]
    )
    assert joke.invoke("bears") == joke.invoke({"topic": "bears"})  # type: ignore[arg-type]  # LangChain allows a bare value for one variable
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are {persona}."), ("human", "{question}")]
    )
    fixed = prompt.partial(question="fixed")
    assert fixed.input_variables == ["persona"]
    assert fixed.format_messages(persona="a poet") == [
        SystemMessage("You are a poet."),
        HumanMessage("fixed"),
    ]
    assert prompt.input_variables == ["persona", "question"]  # partial returns a new prompt


def test_prompt_value_encodes_as_json() -> None:
    value = ChatPromptTemplate.from_template("{x}").invoke({"x": "hi"})
    assert msgspec.json.encode(value) == (
        b'{"messages":[{"type":"human","content":"hi","name":null,"id":null}]}'
    )


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ([("robot", "x")], "invalid role 'robot'"),
        ([("placeholder", "history")], "takes '{variable}'"),
        ([3], "invalid chat prompt message 3"),
        ([("human", "{bad-name}")], "unsupported template field"),
        ("just a str", "takes a list of messages"),
    ],
)
def test_bad_templates_are_config_errors(messages: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ChatPromptTemplate.from_messages(messages)  # type: ignore[arg-type]  # run-time checks


def test_missing_and_non_dict_input_are_typed_errors() -> None:
    with pytest.raises(InvalidInputError, match=r"missing \['user_input'\]"):
        BOB.invoke({"name": "Bob"})
    with pytest.raises(InvalidInputError, match="takes a dict"):
        BOB.invoke("x")  # type: ignore[arg-type]  # run-time check
