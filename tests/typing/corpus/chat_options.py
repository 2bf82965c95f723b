"""Chat models' call-time options as users pass them: one wrong and one correct line per option
family per chat model, on every method, through bind/bind_tools, and the issue's four silent
cases in their chat-model form (tests/_async/test_chat_call_options.py runs them)."""

from __future__ import annotations

import msgspec
from typing_extensions import assert_type

from rillet import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    AsyncStream,
    BaseChatModel,
    BoundChatModel,
    ChatAnthropic,
    ChatAnthropicCallOptions,
    ChatOllama,
    ChatOllamaCallOptions,
    ChatOpenAI,
    ChatOpenAICallOptions,
    ChatResult,
    FakeListChatModel,
    GenericFakeChatModel,
    Stream,
    StrOutputParser,
)


class GetWeather(msgspec.Struct):
    city: str


def the_four_silent_cases(chat: ChatOpenAI) -> None:
    chat.invoke("hi", stpo=["\n"])  # wrong: misspelled option
    chat.invoke("hi", temperature="hot")  # wrong: not a number
    chat.bind(max_tokns=5)  # wrong: misspelled option
    chat.batch("abc")  # wrong: one request per character


def openai_options(chat: ChatOpenAI) -> None:
    chat.invoke("hi", stop=["\n"])  # ok
    chat.invoke("hi", stop="\n")  # ok: one stop string
    chat.invoke("hi", stop=("a", "b"))  # ok: any sequence of str
    chat.invoke("hi", stop=[1])  # wrong: stop strings
    chat.invoke("hi", temperature=0, top_p=0.9, seed=1, presence_penalty=0.5)  # ok: sampling
    chat.invoke("hi", top_k=5)  # wrong: not an OpenAI option (extra_body)
    chat.invoke("hi", max_tokens=5, max_completion_tokens=9)  # ok: lengths
    chat.invoke("hi", max_tokens="5")  # wrong: an int
    chat.invoke("hi", logit_bias={"50256": -100})  # ok
    chat.invoke("hi", logit_bias={"50256": "x"})  # wrong
    chat.invoke("hi", reasoning_effort="low")  # ok
    chat.invoke("hi", reasoning_effort=1)  # wrong
    chat.invoke("hi", response_format={"type": "json_object"})  # ok
    chat.invoke("hi", response_format="json")  # wrong: the request's object
    chat.invoke("hi", tools=[{"type": "function", "function": {"name": "f"}}])  # ok
    chat.invoke("hi", tools=[GetWeather])  # wrong: bind_tools builds the request's tools
    chat.invoke("hi", tool_choice="required", parallel_tool_calls=False)  # ok
    chat.invoke("hi", tool_choice="GetWeather")  # wrong: a name is bind_tools' shorthand
    chat.invoke("hi", parallel_tool_calls="no")  # wrong
    chat.invoke("hi", user="u1", metadata={"k": "v"}, store=True, service_tier="flex")  # ok
    chat.invoke("hi", metadata={"k": 1})  # wrong: str values
    chat.invoke("hi", extra_body={"top_k": 20})  # ok: parameters rillet does not know
    chat.invoke("hi", extra_body=["top_k"])  # wrong: a mapping
    chat.invoke("hi", n=2)  # wrong: one reply per call


def openai_methods(chat: ChatOpenAI) -> None:
    assert_type(chat.stream("hi", temperature=0.2), Stream[AIMessageChunk])  # ok
    chat.stream("hi", max_tokns=5)  # wrong
    assert_type(chat.batch(["a", "b"], temperature=0), list[AIMessage])  # ok
    chat.batch(["a"], tempreature=0)  # wrong
    flag: bool = True
    assert_type(chat.batch(["a"], return_exceptions=flag, seed=1), list[AIMessage | Exception])  # ok
    assert_type(chat.generate([["a"]], max_tokens=5), ChatResult)  # ok
    chat.generate([["a"]], max_tokns=5)  # wrong
    chat.generate([["a"]], config={"tags": ["x"]})  # wrong: generate takes no config
    options: ChatOpenAICallOptions = {"temperature": 0, "tool_choice": "auto"}  # ok
    chat.invoke("hi", **options)  # ok
    _bad: ChatOpenAICallOptions = {"temprature": 0}  # wrong


async def openai_async(chat: ChatOpenAI) -> None:
    assert_type(await chat.ainvoke("hi", temperature=0), AIMessage)  # ok
    await chat.ainvoke("hi", temprature=0)  # wrong
    assert_type(chat.astream("hi", seed=3), AsyncStream[AIMessageChunk])  # ok
    chat.astream("hi", seeds=3)  # wrong
    assert_type(await chat.abatch(["a"], stop="END", top_p=0.5), list[AIMessage])  # ok
    await chat.abatch(["a"], top_q=0.5)  # wrong
    assert_type(await chat.agenerate([["a"]], user="u"), ChatResult)  # ok
    await chat.agenerate([["a"]], usr="u")  # wrong


def bound_models_take_their_models_options(chat: ChatOpenAI, claude: ChatAnthropic) -> None:
    bound = chat.bind(stop=["\n"], temperature=0)  # ok
    bound.invoke("hi", max_tokens=5)  # ok: ChatOpenAI's options
    bound.invoke("hi", max_tokns=5)  # wrong
    bound.bind(seed=1).invoke("hi", top_p=0.5)  # ok
    bound.bind(sed=1)  # wrong
    tooled = chat.bind_tools([GetWeather], tool_choice="GetWeather")  # ok
    tooled.invoke("hi", temperature=0)  # ok
    tooled.invoke("hi", temprature=0)  # wrong
    claude.bind_tools([GetWeather]).invoke("hi", thinking={"type": "enabled"})  # ok
    claude.bind_tools([GetWeather]).invoke("hi", seed=1)  # wrong: Anthropic has no seed
    as_bound: BoundChatModel = bound  # ok: the bound classes are BoundChatModels
    chain = chat.bind(temperature=0) | StrOutputParser()  # ok
    assert_type(chain.invoke("hi"), str)  # ok
    assert_type(as_bound.invoke("hi"), AIMessage)  # ok


def anthropic_options(claude: ChatAnthropic) -> None:
    claude.invoke("hi", temperature=0, top_p=0.9, top_k=5)  # ok: sampling
    claude.invoke("hi", top_k=0.5)  # wrong: an int
    claude.invoke("hi", seed=1)  # wrong: Anthropic has no seed
    claude.invoke("hi", max_tokens=4096)  # ok
    claude.invoke("hi", max_completion_tokens=5)  # wrong: OpenAI's name
    claude.invoke("hi", thinking={"type": "enabled", "budget_tokens": 2048})  # ok
    claude.invoke("hi", thinking=True)  # wrong: the request's object
    claude.invoke("hi", tools=[{"name": "f", "input_schema": {}}], tool_choice={"type": "any"})  # ok
    claude.invoke("hi", tool_choice="any")  # wrong: the request's object (bind_tools says "any")
    claude.invoke("hi", output_config={"format": {"type": "json_schema", "schema": {}}})  # ok
    claude.invoke("hi", output_config="json")  # wrong: the request's object
    claude.invoke("hi", metadata={"user_id": "u1"})  # ok
    claude.invoke("hi", metadata="u1")  # wrong
    claude.invoke("hi", extra_body={"service_tier": "auto"})  # ok
    claude.invoke("hi", system="Be brief.")  # wrong: system messages go in the input
    options: ChatAnthropicCallOptions = {"top_k": 1}  # ok
    claude.stream("hi", **options)  # ok


def ollama_options(local: ChatOllama) -> None:
    local.invoke("hi", options={"temperature": 0.1, "num_ctx": 4096})  # ok: sampling
    local.invoke("hi", temperature=0.1)  # wrong: Ollama's sampling goes in options
    local.invoke("hi", format="json")  # ok
    local.invoke("hi", format={"type": "object"})  # ok: a JSON schema
    local.invoke("hi", format="yaml")  # wrong
    local.invoke("hi", think=True)  # ok
    local.invoke("hi", think="high")  # ok: a level
    local.invoke("hi", think="max")  # wrong
    local.invoke("hi", keep_alive="5m")  # ok
    local.invoke("hi", keep_alive=[5])  # wrong
    local.invoke("hi", tools=[{"type": "function", "function": {"name": "f"}}])  # ok
    local.invoke("hi", tool_choice="auto")  # wrong: Ollama has no tool_choice
    local.invoke("hi", extra_body={"raw": True})  # ok
    options: ChatOllamaCallOptions = {"options": {"seed": 1}}  # ok
    local.generate([["hi"]], **options)  # ok


class Echo(BaseChatModel):
    def _generate(self, messages: list[AnyMessage], stop: list[str] | None = None) -> str:
        return messages[-1].text


def custom_and_fake_models_take_only_stop(
    fake: FakeListChatModel, generic: GenericFakeChatModel
) -> None:
    Echo().invoke("hi", stop=["x"])  # ok
    Echo().invoke("hi", temperature=0)  # wrong: a custom model takes no options
    fake.batch(["a"], stop="x")  # ok
    fake.batch(["a"], temperature=0)  # wrong
    generic.bind(stop=["x"])  # ok
    generic.bind(max_tokens=5)  # wrong
