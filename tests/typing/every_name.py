"""A program that uses every public name of rillet, checked with ``--disallow-any-expr`` by
``tests/typing/test_any.py``: no expression in users' code gets the type ``Any`` from rillet.
(Type-checked, not run.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import msgspec

from rillet import (
    LLM,
    AddableDict,
    AIMessage,
    AIMessageChunk,
    Anthropic,
    AnthropicCallOptions,
    AnyMessage,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncOnlyLambda,
    AsyncStream,
    AuthenticationError,
    BadRequestError,
    BaseChatModel,
    BaseEvent,
    BaseLLM,
    BoundChatModel,
    BoundLLM,
    ChainEndEvent,
    ChainStartEvent,
    ChainStreamEvent,
    ChatAnthropic,
    ChatAnthropicCallOptions,
    ChatGeneration,
    ChatModelEndData,
    ChatModelEndEvent,
    ChatModelInput,
    ChatModelStartData,
    ChatModelStartEvent,
    ChatModelStreamData,
    ChatModelStreamEvent,
    ChatOllama,
    ChatOllamaCallOptions,
    ChatOpenAI,
    ChatOpenAICallOptions,
    ChatPromptTemplate,
    ChatPromptValue,
    ChatResult,
    Citation,
    ConfigError,
    ConflictError,
    ContentBlock,
    CustomEvent,
    EmptyStreamError,
    EndData,
    Event,
    ExponentialJitterParams,
    FakeListChatModel,
    FakeListChatModelError,
    FakeListLLM,
    FakeListLLMError,
    FakeStreamingListLLM,
    Generation,
    GenerationChunk,
    GenerationInfo,
    GenericFakeChatModel,
    HumanMessage,
    ImageBlock,
    IncompleteStreamError,
    InputTokenDetails,
    InternalServerError,
    InvalidInputError,
    InvalidOptionError,
    InvalidToolCall,
    JsonOutputParser,
    LanguageModelInput,
    LLMEndData,
    LLMEndEvent,
    LLMInput,
    LLMOutput,
    LLMResult,
    LLMStartData,
    LLMStartEvent,
    LLMStreamData,
    LLMStreamEvent,
    Logprobs,
    MessageLike,
    MessagesPlaceholder,
    NoRunError,
    NotAChatModelError,
    NotFoundError,
    Ollama,
    OllamaCallOptions,
    OpenAI,
    OpenAICallOptions,
    OpenAIChat,
    OpenAIChatCallOptions,
    OutputParserError,
    OutputTokenDetails,
    ParserEndEvent,
    ParserStartEvent,
    ParserStreamEvent,
    PermissionDeniedError,
    PromptEndEvent,
    PromptStartEvent,
    PromptStreamEvent,
    PromptTemplate,
    PromptValue,
    RateLimiter,
    RateLimitError,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
    ResponseMetadata,
    ResponseTooLargeError,
    RilletError,
    RunInfo,
    Runnable,
    RunnableAssign,
    RunnableBinding,
    RunnableBranch,
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
    Secret,
    SizeLimits,
    StartData,
    Stream,
    StreamClosedError,
    StreamData,
    StreamDecodeError,
    StreamError,
    StreamEvent,
    StreamFormatError,
    StreamInterruptedError,
    StreamProviderError,
    StreamTimeoutError,
    StringPromptValue,
    StrOutputParser,
    StructuredOutput,
    StructuredOutputError,
    SystemMessage,
    TextBlock,
    TokenUsage,
    Tool,
    ToolCall,
    ToolCallChunk,
    ToolCallParseError,
    ToolDefinitionError,
    ToolEndEvent,
    ToolMessage,
    ToolsOutputParser,
    ToolSpec,
    ToolStartEvent,
    ToolStreamEvent,
    UnexpectedContentTypeError,
    UnexpectedToolCallError,
    UnknownEventWarning,
    UnprocessableEntityError,
    UnsupportedOutputError,
    UsageMetadata,
    adispatch_custom_event,
    chain,
    dispatch_custom_event,
    tool,
)

ERRORS: tuple[type[Exception], ...] = (
    ResponseTooLargeError,
    FakeListChatModelError,
    StructuredOutputError,
    ToolDefinitionError,
    UnexpectedToolCallError,
    UnsupportedOutputError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ConflictError,
    EmptyStreamError,
    FakeListLLMError,
    IncompleteStreamError,
    InternalServerError,
    InvalidInputError,
    InvalidOptionError,
    NoRunError,
    NotAChatModelError,
    NotFoundError,
    OutputParserError,
    PermissionDeniedError,
    RateLimitError,
    RilletError,
    StreamClosedError,
    StreamDecodeError,
    StreamError,
    StreamFormatError,
    StreamInterruptedError,
    StreamProviderError,
    StreamTimeoutError,
    ToolCallParseError,
    UnexpectedContentTypeError,
    UnprocessableEntityError,
)
EVENTS: tuple[type[BaseEvent], ...] = (
    ChatModelEndEvent,
    ChatModelStartEvent,
    ChatModelStreamEvent,
    ToolEndEvent,
    ToolStartEvent,
    ToolStreamEvent,
    ChainEndEvent,
    ChainStartEvent,
    ChainStreamEvent,
    CustomEvent,
    LLMEndEvent,
    LLMStartEvent,
    LLMStreamEvent,
    ParserEndEvent,
    ParserStartEvent,
    ParserStreamEvent,
    PromptEndEvent,
    PromptStartEvent,
    PromptStreamEvent,
)
DATA: tuple[type[msgspec.Struct], ...] = (
    ChatModelEndData,
    ChatModelInput,
    ChatModelStartData,
    ChatModelStreamData,
    EndData,
    LLMEndData,
    LLMInput,
    LLMStartData,
    LLMStreamData,
    StartData,
    StreamData,
    RunInfo,
)


def length(text: str) -> int:
    return len(text)


def shout(chunks: Iterator[str]) -> Iterator[str]:
    dispatch_custom_event("progress", {"n": 1})
    for chunk in chunks:
        yield chunk.upper()


async def ashout(text: str) -> str:
    await adispatch_custom_event("progress", {"n": 1})
    return text.upper()


class Echo(LLM):
    def _call(self, prompt: str, stop: list[str] | None = None) -> str:
        return prompt


def models(server_url: str) -> list[BaseLLM]:
    openai_options: OpenAICallOptions = {"temperature": 0}
    chat_options: OpenAIChatCallOptions = {"max_completion_tokens": 5}
    claude_options: AnthropicCallOptions = {"top_k": 3}
    ollama_options: OllamaCallOptions = {"options": {"num_ctx": 2048}}
    client = httpx.Client(timeout=httpx.Timeout(10.0))
    llm = OpenAI(base_url=server_url, api_key=Secret("k"), http_client=client, timeout=5.0)
    chat = OpenAIChat(base_url=server_url)
    claude = Anthropic(model="c", base_url=server_url)
    local = Ollama(model="m", base_url=server_url)
    text: str = llm.invoke("hi", **openai_options) + chat.invoke("hi", **chat_options)
    stream: Stream[str] = claude.stream(text, **claude_options)
    for chunk in stream:
        print(chunk)
    result: LLMResult = local.generate(["a"], **ollama_options)
    for generations in result.generations:
        for generation in generations:
            info: GenerationInfo | None = generation.generation_info
            if info is not None and info.logprobs is not None:
                logprobs: Logprobs = info.logprobs
                print(logprobs.tokens)
    output: LLMOutput | None = result.llm_output
    if output is not None and output.token_usage is not None:
        usage: TokenUsage = output.token_usage
        print(usage.total_tokens)
    try:
        llm.invoke("hi")
    except APIStatusError as exc:
        print(exc.status_code, exc.body, exc.request_id, exc.partial_text, exc.url)
    except StreamError as exc:
        print(exc.status_code, exc.raw, exc.partial_text)
    bound: BoundLLM = llm.bind(stop=["\n"])
    fakes: list[BaseLLM] = [FakeListLLM(responses=["a"]), FakeStreamingListLLM(responses=["b"])]
    return [llm, chat, claude, local, bound, Echo(), *fakes]


async def chains(llm: OpenAI) -> None:
    prompt = PromptTemplate.from_template("Tell me about {topic}")
    value: StringPromptValue = prompt.invoke({"topic": "x"})
    as_prompt: PromptValue = value
    chain: RunnableSequence[str, str] = RunnableSequence(prompt, llm, StrOutputParser())
    config: RunnableConfig = {"tags": ["a"], "metadata": {"k": "v"}}
    named: RunnableBinding[str, str] = chain.with_config(config, run_name="named")
    print(await named.ainvoke("goldfish"), as_prompt.to_string())
    counted: Runnable[str, int] = RunnableLambda(length)
    loud: RunnableLambda[str, str] = RunnableLambda(shout)
    aloud: AsyncOnlyLambda[str, str] = RunnableLambda(ashout)
    both: RunnableParallel[str, int] = RunnableParallel(a=counted, b=counted)
    print(both.invoke("x")["a"], loud.invoke("x"), await aloud.ainvoke("x"))
    parsed: object = (llm | JsonOutputParser()).invoke("{}")
    print(parsed)
    events: AsyncStream[StreamEvent] = llm.astream_events("hi", version="v1")
    async for event in events:
        if isinstance(event, LLMStreamEvent):
            chunk: GenerationChunk = event.data.chunk
            print(chunk.text)
        elif isinstance(event, EVENTS):
            print(event.name, event.run_id, event.tags, event.parent_ids)
        wire: bytes = msgspec.json.encode(event)
        print(wire, event.metadata)
    chat_prompt = ChatPromptTemplate.from_messages(
        [("system", "Be {style}."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    chat_value: ChatPromptValue = chat_prompt.invoke({"style": "brief", "history": []})
    print(llm.invoke(chat_value), chat_value.to_messages())
    prompt_input: LanguageModelInput = [("human", "hi")]
    print(llm.invoke(prompt_input), Generation("x").text)


def messages(warning: UnknownEventWarning) -> None:
    human = HumanMessage("hi")
    system = SystemMessage("be brief")
    block: ContentBlock = TextBlock("x")
    image = ImageBlock(url="https://example.com/a.png")
    thinking = ReasoningBlock("hmm")
    cited = TextBlock("x", [Citation("char_location", "quote", {"document_index": 0})])
    hidden: ContentBlock = RedactedThinkingBlock("data")
    refused: ContentBlock = RefusalBlock("no")
    print(cited.citations[0].cited_text, hidden, refused)
    chunk = AIMessageChunk("a") + AIMessageChunk("b")
    final: AIMessage = chunk.to_message()
    tool = ToolMessage("42", tool_call_id="call_1")
    anything: AnyMessage = final
    like: MessageLike = ("human", "hi")
    calls: list[ToolCall | InvalidToolCall] = [*chunk.tool_calls, *chunk.invalid_tool_calls]
    pieces: list[ToolCallChunk] = list(chunk.tool_call_chunks)
    usage: UsageMetadata | None = chunk.usage_metadata
    if usage is not None:
        details: InputTokenDetails | None = usage.input_token_details
        out: OutputTokenDetails | None = usage.output_token_details
        total: int = usage["total_tokens"]
        read: int | None = details["cache_read"] if details is not None else None
        reasoning: int | None = out.get("reasoning") if out is not None else None
        print(details, out, total, read, reasoning, usage.get("input_token_details"))
    meta: ResponseMetadata = chunk.response_metadata
    print(human.text, system.text, block, image, thinking, tool.text, anything, like, calls, pieces)
    print(meta.finish_reason, warning.event_type, ERRORS, DATA)
    reason: str | None = meta["finish_reason"]
    print(reason, meta.get("finish_reason", "unknown").upper())


class Joke(msgspec.Struct):
    setup: str
    punchline: str


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def chat(model: BaseChatModel, raw: StructuredOutput[Joke], call: ToolCall) -> None:
    fakes: list[BaseChatModel] = [
        FakeListChatModel(responses=["a"]),
        GenericFakeChatModel(messages=[AIMessage("b")]),
    ]
    bound: BoundChatModel = model.bind(stop=["x"])
    reply: AIMessage = await bound.ainvoke("hi")
    result: ChatResult = model.generate([[("human", "a")]])
    first: ChatGeneration = result.generations[0][0]
    for chunk in model.stream("hi"):
        print(chunk.text)
    async for event in model.astream_events("hi"):
        if isinstance(event, ChatModelStreamEvent):
            streamed: AIMessageChunk = event["data"]["chunk"]
            print(streamed)
        typed: Event[ChatModelStreamData] | BaseEvent = event
        print(typed.name)
    adder: Tool[int] = add
    total: int = adder.invoke({"a": 1, "b": 2})
    spec: ToolSpec = adder.tool_spec
    parsed: Joke | None = raw.parsed
    answer: ToolMessage = add.invoke(call)
    reply_to = ToolMessage("5", tool_call_id=reply.tool_calls[0].id)  # every call has a str id
    print(fakes, reply.text, first.message, total, spec.name, parsed, answer.text, reply_to)


def plus_one(x: int) -> int:
    return x + 1


def positive(x: int) -> bool:
    return x > 0


def label(x: int) -> str:
    return str(x)


@chain
def doubled(x: int) -> int:
    return x * 2


def lcel(llm: OpenAI, other: OpenAI) -> None:
    passed: RunnablePassthrough[int] = RunnablePassthrough()
    count: int = passed.invoke(1)
    both: RunnableParallel[int, int] = RunnableParallel(same=passed, more=plus_one)
    total: AddableDict[int] | None = None
    for piece in both.stream(1):
        total = piece if total is None else total
    source: RunnablePassthrough[dict[str, str]] = RunnablePassthrough()
    assigned: RunnableAssign = source.assign(n=len)
    picker: RunnablePick = RunnablePick("n")
    picked: object = picker.invoke({"n": 1})
    fallbacks: RunnableWithFallbacks[LanguageModelInput, str] = llm.with_fallbacks([other])
    params: ExponentialJitterParams = {"initial": 0.1, "max": 2.0}
    retried: RunnableRetry[LanguageModelInput, str] = llm.with_retry(
        stop_after_attempt=2, wait_exponential_jitter=True, exponential_jitter_params=params
    )
    branch: RunnableBranch[int, str] = RunnableBranch((positive, label), label)
    print(count, total, assigned, picked, fallbacks.invoke("x"), retried, branch.invoke(1))
    print(doubled.invoke(2), llm.pick("a"))


class GetWeather(msgspec.Struct):
    """Get the weather in a city."""

    city: str


def chat_providers(server_url: str) -> None:
    openai = ChatOpenAI(base_url=server_url, api_key="k")
    claude = ChatAnthropic(model="c", base_url=server_url)
    local = ChatOllama(model="m", base_url=server_url)
    models: list[BaseChatModel] = [openai, claude, local]
    bound = openai.bind_tools([GetWeather])
    calls: list[GetWeather] = (bound | ToolsOutputParser([GetWeather])).invoke("weather?")
    joke: Joke = claude.with_structured_output(Joke).invoke("a joke")
    print(models, calls, joke, local.invoke("hi").text)
    openai_options: ChatOpenAICallOptions = {"temperature": 0, "tool_choice": "auto"}
    claude_options: ChatAnthropicCallOptions = {"thinking": {"type": "enabled"}}
    ollama_options: ChatOllamaCallOptions = {"options": {"num_ctx": 2048}, "think": True}
    message: AIMessage = bound.invoke("hi", **openai_options)
    chunks: Stream[AIMessageChunk] = claude.bind(stop="END").stream("hi", **claude_options)
    result: ChatResult = local.generate([["hi"]], **ollama_options)
    print(message, list(chunks), result)


def limits(server_url: str) -> OpenAI:
    sizes = SizeLimits(max_event_bytes=1 << 20, max_response_bytes=1 << 24)
    limiter = RateLimiter(requests_per_second=5, max_bucket_size=2)
    return OpenAI(base_url=server_url, limits=sizes, rate_limiter=limiter)
