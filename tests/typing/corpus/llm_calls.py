"""Models as users call them: call-time options, stop, batch, generate, bind, with_config."""

from __future__ import annotations

from typing_extensions import assert_type

from rillet import (
    LLM,
    Anthropic,
    AnthropicCallOptions,
    AsyncStream,
    BaseLLM,
    BoundLLM,
    FakeListLLM,
    FakeStreamingListLLM,
    LanguageModelInput,
    LLMResult,
    Ollama,
    OllamaCallOptions,
    OpenAI,
    OpenAICallOptions,
    OpenAIChat,
    OpenAIChatCallOptions,
    RunnableBinding,
    RunnableConfig,
    Stream,
)


def openai_options(llm: OpenAI) -> None:
    llm.invoke("hi", stop=["\n"])  # ok
    llm.invoke("hi", stop=("\n",))  # ok: any sequence of str
    llm.invoke("hi", stop="\n")  # ok: one stop string
    llm.invoke("hi", temperature=0, max_tokens=5, seed=1)  # ok
    llm.invoke("hi", extra_body={"top_k": 20})  # ok: parameters rillet does not know
    llm.invoke("hi", logit_bias={"50256": -100})  # ok
    llm.invoke("hi", stpo=["\n"])  # wrong: misspelled option
    llm.invoke("hi", temperature="hot")  # wrong: not a number
    llm.invoke("hi", stop=[1])  # wrong: stop strings
    llm.invoke("hi", top_k=5)  # wrong: not an OpenAI option (extra_body)
    llm.stream("hi", temperature=0.2)  # ok
    llm.stream("hi", max_tokns=5)  # wrong
    llm.generate(["a"], temperature=0)  # ok
    llm.generate(["a"], config={"tags": ["x"]})  # wrong: generate takes no config
    llm.generate(["a"], max_tokns=5)  # wrong
    llm.batch(["a", "b"], temperature=0)  # ok
    llm.batch(["a"], tempreature=0)  # wrong
    llm.bind(stop=["\n"], max_tokens=5)  # ok
    llm.bind(max_tokns=5)  # wrong
    options: OpenAICallOptions = {"temperature": 0, "max_tokens": 10}  # ok
    llm.invoke("hi", **options)  # ok
    _bad: OpenAICallOptions = {"temprature": 0}  # wrong


def other_providers(chat: OpenAIChat, claude: Anthropic, local: Ollama, fake: FakeListLLM) -> None:
    chat.invoke("hi", max_completion_tokens=5, reasoning_effort="low")  # ok
    chat.invoke("hi", best_of=2)  # wrong: completions only
    chat.invoke("hi", response_format={"type": "json_object"})  # ok
    claude.invoke("hi", top_k=5, max_tokens=100)  # ok
    claude.invoke("hi", seed=1)  # wrong: Anthropic has no seed
    claude.invoke("hi", metadata={"user_id": "u1"})  # ok
    local.invoke("hi", options={"temperature": 0.1}, keep_alive="5m")  # ok
    local.invoke("hi", temperature=0.1)  # wrong: Ollama's sampling goes in options
    local.invoke("hi", format="json")  # ok
    fake.invoke("hi", stop=["x"])  # ok
    claude.bind(top_k=5).invoke("hi", max_tokens=9)  # ok
    claude.bind(top_k=5).invoke("hi", seed=9)  # wrong: Anthropic has no seed
    local.bind(keep_alive="1m").generate(["hi"], options={"seed": 1})  # ok
    local.bind(keep_alive="1m").generate(["hi"], temperature=0)  # wrong: in options
    chat.bind(stop="x").invoke("hi", reasoning_effort="low")  # ok
    chat.bind(stop="x").invoke("hi", best_of=2)  # wrong: completions only
    fake.bind(stop="x").invoke("hi", temperature=0)  # wrong: fakes take no options
    fake.invoke("hi", temperature=0)  # wrong: fakes take no options
    chat_options: OpenAIChatCallOptions = {"max_completion_tokens": 5}  # ok
    chat.invoke("hi", **chat_options)  # ok
    claude_options: AnthropicCallOptions = {"top_k": 1}  # ok
    claude.stream("hi", **claude_options)  # ok
    ollama_options: OllamaCallOptions = {"options": {"num_ctx": 4096}}  # ok
    local.generate(["hi"], **ollama_options)  # ok


def inputs_and_outputs(llm: OpenAI) -> None:
    assert_type(llm.invoke("hi"), str)  # ok
    assert_type(llm.invoke([("system", "Be brief."), ("human", "hi")]), str)  # ok
    assert_type(llm.invoke([{"role": "user", "content": "hi"}]), str)  # ok
    llm.invoke(42)  # wrong: text, prompt values or messages
    llm.invoke(b"hi")  # wrong
    llm.invoke(["hi"])  # ok: a str in a message list is a human message (LangChain)
    llm.invoke([1])  # wrong: not a message
    assert_type(llm.stream("hi"), Stream[str])  # ok
    assert_type(llm.generate(["a"]), LLMResult)  # ok
    llm.generate("abc")  # wrong: one request per character
    llm.generate([1])  # wrong
    llm.batch("abc")  # wrong: one request per character
    llm.batch_as_completed("abc")  # wrong: one request per character
    llm.batch_as_completed(["a", "b"])  # ok
    assert_type(llm.batch(["a", "b"]), list[str])  # ok
    assert_type(llm.batch(("a", "b")), list[str])  # ok: any sequence
    assert_type(llm.batch(["a"], return_exceptions=True), list[str | Exception])  # ok
    flag: bool = bool(len("x"))  # ok
    assert_type(llm.batch(["a"], return_exceptions=flag), list[str | Exception])  # ok
    llm.batch(["a"], return_exceptions="yes")  # wrong
    llm.batch(["a"], {"max_concurrency": 4})  # ok
    llm.batch(["a"], [{"tags": ["a"]}])  # ok: one config per input
    llm.batch(["a"], {"max_concurency": 4})  # wrong: misspelled config key
    bound: BoundLLM = llm.bind(stop=["\n"])  # ok: the bound classes are BoundLLMs
    llm.bind(stop=["\n"]).invoke("hi")  # ok
    llm.bind(temperature=0).invoke("hi", max_tokens=5)  # ok: a bound model takes its model's options
    llm.bind(temperature=0).invoke("hi", max_tokns=5)  # wrong
    llm.bind(temperature=0).bind(best_of=2).stream("hi", seed=1)  # ok
    llm.bind(stop="x").batch(["a"], top_k=5)  # wrong: not an OpenAI option
    assert_type(bound.invoke("hi"), str)  # ok


async def async_calls(llm: OpenAI, claude: Anthropic) -> None:
    assert_type(await llm.ainvoke("hi", temperature=0), str)  # ok
    await llm.ainvoke("hi", tempreature=0)  # wrong
    assert_type(llm.astream("hi", stop=["\n"]), AsyncStream[str])  # ok
    llm.astream("hi", stpo=["\n"])  # wrong
    assert_type(await llm.abatch(["a"], max_tokens=3), list[str])  # ok
    await llm.abatch("abc")  # wrong
    assert_type(await claude.agenerate(["a"], top_k=2), LLMResult)  # ok
    await claude.agenerate(["a"], top_kk=2)  # wrong


def config_values(llm: OpenAI) -> None:
    meta: dict[str, str] = {"user": "u1"}  # ok
    llm.invoke("hi", {"metadata": meta})  # ok: any mapping of str
    llm.invoke("hi", {"tags": ("a", "b")})  # ok: any sequence of str
    llm.invoke("hi", {"tags": "ab"})  # wrong: a str is not a list of tags
    llm.invoke("hi", {"configurable": meta, "run_name": "x"})  # ok
    llm.invoke("hi", {"run_nme": "x"})  # wrong
    llm.invoke("hi", {"max_concurrency": "4"})  # wrong
    config: RunnableConfig = {"tags": ["a"], "metadata": {"k": 1}}  # ok
    llm.invoke("hi", config)  # ok
    bound = llm.with_config(run_name="x", tags=["a"])  # ok
    assert_type(bound, RunnableBinding[LanguageModelInput, str])  # ok
    llm.with_config(run_nme="x")  # wrong: not a config key
    llm.with_config(tags="a")  # wrong
    llm.with_config({"metadata": meta}, max_concurrency=2)  # ok
    llm.with_config(config)  # ok


class Echo(LLM):
    def _call(self, prompt: str, stop: list[str] | None = None) -> str:
        return prompt


def custom_and_lists(chat: OpenAIChat, claude: Anthropic, local: Ollama) -> None:
    assert_type(Echo().invoke("hi"), str)  # ok
    Echo().invoke("hi", temperature=0)  # wrong: a custom LLM takes only stop
    for each in [OpenAI(), OpenAIChat(), claude, local]:  # ok: joins to a model, not object
        assert_type(each.invoke("hi"), str)  # ok
        each.close()  # ok
        each.invoke("hi", temperature=0)  # wrong: not every provider takes it
    joined: list[BaseLLM] = [
        chat,
        claude,
        local,
        Echo(),
        FakeStreamingListLLM(responses=["a"]),
    ]  # ok
    for model in joined:
        model.invoke("hi", stop=["\n"])  # ok
        model.invoke("hi", temperature=0)  # wrong: not every model takes it
