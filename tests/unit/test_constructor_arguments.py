"""A constructor argument a model does not take is an ``InvalidOptionError`` (a ``TypeError``)
that lists what the model takes and says what to write instead of LangChain's names; a chat
model's method asked of a string LLM is a ``NotAChatModelError`` naming the chat model."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from rillet import (
    Anthropic,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    ConfigError,
    FakeListLLM,
    InvalidOptionError,
    NotAChatModelError,
    Ollama,
    OpenAI,
    OpenAIChat,
)

Make = Callable[..., object]

MODELS: dict[str, Make] = {
    "ChatOpenAI": lambda *a, **kw: ChatOpenAI(*a, api_key="sk-test", **kw),
    "OpenAI": lambda *a, **kw: OpenAI(*a, api_key="sk-test", **kw),
    "OpenAIChat": lambda *a, **kw: OpenAIChat(*a, api_key="sk-test", **kw),
    "ChatAnthropic": lambda *a, **kw: ChatAnthropic(*a, model="m", api_key="sk-test", **kw),
    "Anthropic": lambda *a, **kw: Anthropic(*a, model="m", api_key="sk-test", **kw),
    "ChatOllama": lambda *a, **kw: ChatOllama(*a, model="m", **kw),
    "Ollama": lambda *a, **kw: Ollama(*a, model="m", **kw),
}


def error(make: Make, *args: object, **kwargs: object) -> InvalidOptionError:
    with pytest.raises(InvalidOptionError) as caught:
        make(*args, **kwargs)
    assert isinstance(caught.value, TypeError)  # what Python raises for a wrong keyword
    return caught.value


@pytest.mark.parametrize("name", sorted(MODELS))
def test_an_unknown_argument_lists_what_the_model_takes(name: str) -> None:
    message = str(error(MODELS[name], frobnicate=1))
    assert message.startswith(f"{name} got an unknown argument 'frobnicate' (a request parameter")
    assert "extra_body={'frobnicate': ...}" in message
    assert message.endswith(
        "max_retries, default_headers, extra_body, streaming, "
        + ("extract_reasoning, " if name == "ChatOpenAI" else "")
        + ("batch_size, " if name == "OpenAI" else "")
        + "http_client, http_async_client, name"
    )
    assert "It takes: model, " in message


@pytest.mark.parametrize(
    ("name", "argument", "instead"),
    [
        ("ChatOpenAI", "model_name", "model"),
        ("ChatOpenAI", "openai_api_key", "api_key"),
        ("ChatOpenAI", "openai_api_base", "base_url"),
        ("ChatOpenAI", "openai_organization", "organization"),
        ("ChatOpenAI", "request_timeout", "timeout"),
        ("ChatOpenAI", "model_kwargs", "extra_body"),
        ("ChatAnthropic", "anthropic_api_key", "api_key"),
        ("ChatAnthropic", "anthropic_api_url", "base_url"),
        ("ChatAnthropic", "default_request_timeout", "timeout"),
        ("ChatAnthropic", "max_tokens_to_sample", "max_tokens"),
        ("ChatAnthropic", "num_predict", "max_tokens"),
        ("Ollama", "max_tokens", "num_predict"),
        ("ChatOllama", "model_name", "model"),
    ],
)
def test_langchain_names_say_which_to_use(name: str, argument: str, instead: str) -> None:
    message = str(error(MODELS[name], **{argument: "x"}))
    assert f"{name} got an unknown argument {argument!r}: use {instead}= instead. " in message


def test_langchain_arguments_rillet_has_no_use_for() -> None:
    assert "usage is always on the stream" in str(error(MODELS["ChatOpenAI"], stream_usage=True))
    assert "rillet has no callbacks" in str(error(MODELS["OpenAIChat"], callbacks=[]))
    assert "rillet has no verbose mode" in str(error(MODELS["ChatOllama"], verbose=True))
    assert ": one reply per call (only OpenAI and OpenAIChat take n)" in str(
        error(MODELS["ChatOpenAI"], n=2)
    )


@pytest.mark.parametrize(
    ("name", "option", "value"),
    [
        ("ChatOpenAI", "reasoning_effort", "low"),
        ("ChatOpenAI", "max_completion_tokens", 5),
        ("OpenAIChat", "reasoning_effort", "low"),
        ("OpenAI", "suffix", "x"),
        ("ChatAnthropic", "metadata", {"user_id": "u"}),
        ("ChatOllama", "format", "json"),
        ("Ollama", "raw", True),
    ],
)
def test_a_call_option_in_the_constructor_says_how_to_pass_it(
    name: str, option: str, value: object
) -> None:
    message = str(error(MODELS[name], **{option: value}))
    assert f"got an unknown argument {option!r}: it is a call-time option; pass it per call " in (
        message
    )
    assert f"bind it once (model.bind({option}=...))" in message
    model = MODELS[name]()
    model.bind(**{option: value})  # type: ignore[attr-defined]  # the advice holds


def test_positional_arguments_say_keywords() -> None:
    message = str(error(ChatOpenAI, "gpt-4o-mini"))
    assert message.startswith(
        "ChatOpenAI takes its arguments by keyword only: ChatOpenAI(model='gpt-4o-mini'). "
    )
    assert "by keyword only: Anthropic(...)" in str(error(Anthropic, 3))


def test_right_arguments_and_introspection_are_unchanged() -> None:
    model = ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", temperature=0)
    model.bind(temperature=1)
    params = inspect.signature(ChatOpenAI).parameters
    assert list(params)[:2] == ["model", "temperature"]  # help() and IDEs see the keywords
    assert all(p.kind is p.KEYWORD_ONLY for p in params.values())
    with pytest.raises(InvalidOptionError, match=r"Expected `float`, got `str`"):
        ChatOpenAI(temperature="hot")  # type: ignore[arg-type]  # a value check, as before
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'model'"):
        Anthropic(api_key="sk-test")  # type: ignore[call-arg]  # Python's own message


@pytest.mark.parametrize(
    ("make", "chat"),
    [
        (lambda: OpenAI(api_key="sk-test"), "ChatOpenAI"),
        (lambda: OpenAIChat(api_key="sk-test"), "ChatOpenAI"),
        (lambda: Anthropic(model="m", api_key="sk-test"), "ChatAnthropic"),
        (lambda: Ollama(model="m"), "ChatOllama"),
    ],
)
@pytest.mark.parametrize("method", ["bind_tools", "with_structured_output"])
def test_a_string_llm_names_the_chat_model_to_use(
    make: Callable[[], object], chat: str, method: str
) -> None:
    llm = make()
    with pytest.raises(NotAChatModelError) as caught:
        getattr(llm, method)
    message = str(caught.value)
    assert message.startswith(f"{type(llm).__name__} is a string LLM (text in, str out) and has no")
    assert message.endswith(f"; use {chat}(...).{method}(...)")
    assert isinstance(caught.value, ConfigError)
    assert isinstance(caught.value, AttributeError)
    assert not hasattr(llm, method)


def test_other_missing_attributes_are_plain_attribute_errors() -> None:
    llm = FakeListLLM(responses=["a"])
    with pytest.raises(NotAChatModelError, match=r"a chat model \(ChatOpenAI, ChatAnthropic"):
        llm.bind_tools  # type: ignore[attr-defined]  # the mistake under test  # noqa: B018
    with pytest.raises(AttributeError) as caught:
        llm.invok  # type: ignore[attr-defined]  # a misspelling  # noqa: B018
    assert type(caught.value) is AttributeError
    assert str(caught.value) == "'FakeListLLM' object has no attribute 'invok'"
    assert (caught.value.name, caught.value.obj) == ("invok", llm)
