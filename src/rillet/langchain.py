"""LangChain interop (``rillet[langchain]``): rillet models inside LangChain, LangChain runnables
inside rillet.

::

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from rillet import ChatOpenAI
    from rillet.langchain import from_langchain, to_langchain

    chain = ChatPromptTemplate.from_template("Tell me about {topic}") | to_langchain(
        ChatOpenAI(model="gpt-4o-mini")
    ) | StrOutputParser()
    for token in chain.stream({"topic": "goldfish"}):   # rillet's transport underneath
        print(token, end="", flush=True)

- `to_langchain(model)` gives a langchain-core ``BaseChatModel`` for a rillet chat model and a
  ``BaseLLM`` for a rillet string LLM. Every call streams through rillet (its transport, typed
  errors, retries, and its close-on-break: stopping LangChain's stream closes the HTTP response);
  callbacks and LangSmith tracing see each token as for any LangChain model.
- `from_langchain(runnable)` gives a rillet ``RunnableLambda`` that streams when the LangChain
  runnable streams, so it composes with ``|``. LangChain messages it yields become rillet's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal, TypeVar, overload

import msgspec
from langchain_core import messages as lc
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import (
    BaseChatModel as LCBaseChatModel,
    BaseLLM as LCBaseLLM,
    LangSmithParams,
    LanguageModelInput,
)
from langchain_core.language_models.chat_models import agenerate_from_stream, generate_from_stream
from langchain_core.output_parsers import (
    BaseOutputParser,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.outputs import (
    ChatGenerationChunk,
    ChatResult,
    Generation,
    GenerationChunk,
    LLMResult as LCLLMResult,
)
from langchain_core.prompt_values import PromptValue as LCPromptValue
from langchain_core.runnables import Runnable as LCRunnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import ConfigDict, model_validator

from ._facade.chat_model import BaseChatModel, BoundChatModel
from ._facade.composition import RunnableLambda
from ._facade.llm import BaseLLM
from ._values.errors import ConfigError, InvalidInputError
from ._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    Citation,
    ContentBlock,
    HumanMessage,
    ImageBlock,
    InputTokenDetails,
    InvalidToolCall,
    OutputTokenDetails,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
    ResponseMetadata,
    SystemMessage,
    TextBlock,
    ToolCall,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
    default_call_id,
)
from ._values.tools import DEFAULT_METHOD, StructuredMethod, structured_overrides, tool_spec

__all__ = ["RilletChatModel", "RilletLLM", "from_langchain", "to_langchain"]

T = TypeVar("T")


class RilletChatModel(LCBaseChatModel):
    """A rillet chat model as a LangChain ``BaseChatModel`` (made by `to_langchain`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    rillet_model: BaseChatModel
    """The rillet chat model every call streams through."""

    @model_validator(mode="before")
    @classmethod
    def _build(cls, values: Any) -> Any:
        """``RilletChatModel(provider="openai", model=..., temperature=..., ...)`` builds the
        rillet model itself (LangChain's constructor conventions, as the standard tests use)."""
        if not isinstance(values, dict) or "rillet_model" in values:
            return values
        fields = cls.model_fields
        own = {k: v for k, v in values.items() if k in fields}
        rillet_args = {k: v for k, v in values.items() if k not in fields}
        return {**own, "rillet_model": _chat_model(rillet_args)}

    @property
    def _llm_type(self) -> str:
        return f"rillet-{self.rillet_model.get_name()}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"rillet_model": repr(self.rillet_model)}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(ls_model_type="chat")
        ls = self.rillet_model._sync_twin()._ls_params()
        if isinstance(provider := ls.get("ls_provider"), str):
            params["ls_provider"] = provider
        if isinstance(name := ls.get("ls_model_name"), str):
            params["ls_model_name"] = name
        if isinstance(temperature := ls.get("ls_temperature"), int | float):
            params["ls_temperature"] = float(temperature)
        if isinstance(max_tokens := ls.get("ls_max_tokens"), int):
            params["ls_max_tokens"] = max_tokens
        if isinstance(kwargs.get("model"), str):
            params["ls_model_name"] = kwargs["model"]
        if stop:
            params["ls_stop"] = stop
        return params

    # -- tools and structured output: LangChain's shapes in, rillet's bind_tools underneath ------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> LCRunnable[LanguageModelInput, lc.AIMessage]:
        """The model offering ``tools`` (LangChain tools, pydantic classes, TypedDicts, typed
        functions or JSON-schema dicts: LangChain's ``convert_to_openai_tool`` reads each one)
        through rillet's ``bind_tools``, which sends them in the provider's shape.
        ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True``, a tool's
        name or a provider's own dict. A LangChain ``RunnableBinding``, as for any model."""
        bound: dict[str, Any] = {"tools": [convert_to_openai_tool(t) for t in tools]}
        for name, value in (
            ("tool_choice", tool_choice),
            ("parallel_tool_calls", parallel_tool_calls),
            ("strict", strict),
        ):
            if value is not None:
                bound[name] = value
        for tool in bound["tools"]:
            tool_spec(tool)  # a tool rillet cannot send fails here; the whole set at the call
        return self.bind(**bound, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: Literal["function_calling", "json_schema", "json_mode"] | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> LCRunnable[LanguageModelInput, Any]:
        """A runnable that returns ``schema`` (a pydantic class gives instances; a TypedDict or
        a JSON-schema dict gives dicts), asked for the way rillet asks the provider:
        ``method`` ``"json_schema"`` (OpenAI's and Ollama's default), ``"function_calling"``
        (Anthropic's default) or ``"json_mode"``. Parsed by LangChain's own parsers, so
        streaming yields what LangChain's models yield. ``include_raw=True``: a dict with
        ``raw``, ``parsed`` and ``parsing_error``."""
        if kwargs:
            raise ConfigError(
                f"with_structured_output got unsupported argument(s) {sorted(kwargs)}; it takes "
                "method=, include_raw= and strict="
            )
        fmt = self.rillet_model._tool_format()
        if fmt is None:
            raise ConfigError(
                f"{self.rillet_model.get_name()} has no structured output: it is not a provider "
                "chat model (ChatOpenAI, ChatAnthropic, ChatOllama)"
            )
        chosen: StructuredMethod = method if method is not None else DEFAULT_METHOD[fmt]
        tool = convert_to_openai_tool(schema)
        request = {"schema": tool, "method": chosen, "strict": strict}
        _call_model(self.rillet_model, {"structured_output": request})  # refused now, if at all
        llm = self.bind(
            structured_output=request,
            ls_structured_output_format={
                "kwargs": {"method": chosen, "strict": strict},
                "schema": schema,
            },
        )
        pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        parser: BaseOutputParser[Any]
        if chosen == "function_calling":
            parser = (
                PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]  # a pydantic class, checked above
                if pydantic
                else JsonOutputKeyToolsParser(
                    key_name=tool["function"]["name"], first_tool_only=True
                )
            )
        else:
            parser = (
                PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]  # a pydantic class, checked just above
                if pydantic
                else JsonOutputParser()
            )
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        )
        unparsed = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parsed.with_fallbacks(
            [unparsed], exception_key="parsing_error"
        )

    def _generate(
        self,
        messages: list[lc.BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    async def _agenerate(
        self,
        messages: list[lc.BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[lc.BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        inputs = [from_langchain_message(m) for m in messages]
        model = _call_model(self.rillet_model, kwargs)
        with model.stream(inputs, stop=stop, **kwargs) as stream:
            for chunk in stream:
                generation = ChatGenerationChunk(message=to_langchain_chunk(chunk))
                if run_manager is not None:
                    run_manager.on_llm_new_token(generation.text, chunk=generation)
                yield generation

    async def _astream(
        self,
        messages: list[lc.BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        inputs = [from_langchain_message(m) for m in messages]
        model = _call_model(self.rillet_model, kwargs)
        async with model.astream(inputs, stop=stop, **kwargs) as stream:
            async for chunk in stream:
                generation = ChatGenerationChunk(message=to_langchain_chunk(chunk))
                if run_manager is not None:
                    await run_manager.on_llm_new_token(generation.text, chunk=generation)
                yield generation


class RilletLLM(LCBaseLLM):
    """A rillet string LLM as a LangChain ``BaseLLM`` (made by `to_langchain`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    rillet_model: BaseLLM
    """The rillet LLM every call streams through."""

    @property
    def _llm_type(self) -> str:
        return f"rillet-{self.rillet_model.get_name()}"

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LCLLMResult:
        generations: list[list[Generation]] = []
        for prompt in prompts:
            text = "".join(c.text for c in self._stream(prompt, stop, run_manager, **kwargs))
            generations.append([Generation(text=text)])
        return LCLLMResult(generations=generations)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LCLLMResult:
        generations: list[list[Generation]] = []
        for prompt in prompts:
            pieces = [c.text async for c in self._astream(prompt, stop, run_manager, **kwargs)]
            generations.append([Generation(text="".join(pieces))])
        return LCLLMResult(generations=generations)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        with self.rillet_model.stream(prompt, stop=stop, **kwargs) as stream:
            for text in stream:
                chunk = GenerationChunk(text=text)
                if run_manager is not None:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        async with self.rillet_model.astream(prompt, stop=stop, **kwargs) as stream:
            async for text in stream:
                chunk = GenerationChunk(text=text)
                if run_manager is not None:
                    await run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


def _call_model(model: BaseChatModel, kwargs: dict[str, Any]) -> BaseChatModel:
    """The rillet model for one call: takes LangChain's bound ``tools`` (with ``tool_choice``,
    ``parallel_tool_calls``, ``strict``), the adapter's ``structured_output`` and a per-call
    ``model`` out of ``kwargs`` and binds them; what is left are rillet call options."""
    tools = kwargs.pop("tools", None)
    choice = kwargs.pop("tool_choice", None)
    parallel = kwargs.pop("parallel_tool_calls", None)
    strict = kwargs.pop("strict", None)
    if tools is not None:
        model = model.bind_tools(
            tools, tool_choice=choice, parallel_tool_calls=parallel, strict=strict
        )
    elif choice is not None or parallel is not None or strict is not None:
        raise ConfigError(
            "tool_choice=, parallel_tool_calls= and strict= go with tools: use bind_tools(...)"
        )
    structured = kwargs.pop("structured_output", None)
    if structured is not None:
        fmt = model._tool_format()
        if fmt is None:
            raise ConfigError(f"{model.get_name()} has no structured output")
        overrides, _ = structured_overrides(
            fmt, tool_spec(structured["schema"]), structured["method"], strict=structured["strict"]
        )
        model = BoundChatModel(model, stop=None, overrides=overrides)
    name = kwargs.pop("model", None)
    if name is not None:
        if not isinstance(name, str):
            raise ConfigError(f"model= must be a model name (a str), got {name!r}")
        model = BoundChatModel(model, stop=None, overrides={"extra_body": {"model": name}})
    return model


_CHAT_ARGS = frozenset(
    ("model", "temperature", "max_tokens", "timeout", "stop", "max_retries", "api_key", "base_url")
)


def _chat_model(values: Mapping[str, Any]) -> BaseChatModel:
    """A rillet chat model from LangChain-style constructor arguments."""
    args = dict(values)
    provider = args.pop("provider", "openai")
    streaming = args.pop("streaming", None)
    if streaming is not None and not isinstance(streaming, bool):
        raise InvalidInputError(f"streaming must be a bool, got {streaming!r}")
    if "model_name" in args:
        args["model"] = args.pop("model_name")
    unknown = set(args) - _CHAT_ARGS
    if unknown:
        raise InvalidInputError(
            f"RilletChatModel got unknown argument(s) {sorted(unknown)}; it takes provider= and "
            f"{sorted(_CHAT_ARGS)} (or rillet_model= a rillet chat model)"
        )
    if args.get("stop") == []:
        args["stop"] = None
    if provider == "openai":
        from ._providers.openai.chat_model import ChatOpenAI

        return ChatOpenAI(**args)
    if provider == "anthropic":
        from ._providers.anthropic.models import ChatAnthropic

        return ChatAnthropic(**args)
    if provider == "ollama":
        from ._providers.ollama.models import ChatOllama

        if "api_key" in args:
            raise InvalidInputError("RilletChatModel(provider='ollama') takes no api_key")
        if "max_tokens" in args:
            args["num_predict"] = args.pop("max_tokens")  # Ollama's name for it
        return ChatOllama(**args)
    raise InvalidInputError(
        f"RilletChatModel(provider={provider!r}): build it with provider='openai', "
        "'anthropic' or 'ollama', or pass rillet_model= any rillet chat model"
    )


@overload
def to_langchain(model: BaseChatModel) -> RilletChatModel: ...
@overload
def to_langchain(model: BaseLLM) -> RilletLLM: ...
def to_langchain(model: BaseChatModel | BaseLLM) -> RilletChatModel | RilletLLM:
    """A LangChain model that streams through ``model`` (a chat model or a string LLM)."""
    if isinstance(model, BaseChatModel):
        return RilletChatModel(rillet_model=model)
    if isinstance(model, BaseLLM):
        return RilletLLM(rillet_model=model)
    raise InvalidInputError(
        f"to_langchain takes a rillet chat model or LLM, got {type(model).__name__}; "
        "for any other runnable use RunnableLambda around its stream"
    )


def from_langchain(
    runnable: LCRunnable[Any, Any], *, name: str | None = None
) -> RunnableLambda[Any, Any]:
    """A rillet runnable that runs (and streams, when it streams) a LangChain runnable."""

    def stream(inputs: Iterator[object]) -> Iterator[object]:
        items = iter(runnable.stream(_to_langchain_input(_whole(list(inputs)))))
        try:
            for item in items:
                yield _from_langchain_output(item)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    async def astream(inputs: AsyncIterator[object]) -> AsyncIterator[object]:
        values = [value async for value in inputs]
        items = runnable.astream(_to_langchain_input(_whole(values)))
        try:
            async for item in items:
                yield _from_langchain_output(item)
        finally:
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                await aclose()

    return RunnableLambda(stream, astream, name=name or runnable.get_name())


# -- conversions ---------------------------------------------------------------------------------


def _whole(values: Sequence[object]) -> object:
    if len(values) == 1:
        return values[0]
    if not values:
        raise InvalidInputError("from_langchain got no input")
    total = values[0]
    for value in values[1:]:
        total = total + value  # type: ignore[operator]  # streamed input chunks add up
    return total


def _to_langchain_input(value: object) -> object:
    from ._prompts import ChatPromptValue, StringPromptValue

    if isinstance(value, ChatPromptValue | StringPromptValue):
        messages = value.to_messages()
        return [to_langchain_message(m) for m in messages]
    if isinstance(value, SystemMessage | HumanMessage | AIMessage | AIMessageChunk | ToolMessage):
        return to_langchain_message(value)
    if isinstance(value, list) and all(
        isinstance(v, SystemMessage | HumanMessage | AIMessage | AIMessageChunk | ToolMessage)
        for v in value
    ):
        return [to_langchain_message(v) for v in value]
    return value


def _from_langchain_output(value: object) -> object:
    if isinstance(value, lc.AIMessageChunk):
        return from_langchain_chunk(value)
    if isinstance(value, lc.BaseMessage):
        return from_langchain_message(value)
    if isinstance(value, LCPromptValue):
        return [from_langchain_message(m) for m in value.to_messages()]
    return value


_TOOL_BLOCKS = frozenset(("tool_use", "tool_call", "tool_call_chunk", "invalid_tool_call"))
"""Content blocks of an AI message that repeat its tool calls (Anthropic's ``tool_use``,
LangChain's v1 ``tool_call``): the message's ``tool_calls`` carry them to rillet."""


def _blocks_from_langchain(
    content: str | list[str | dict[Any, Any]], *, ai: bool = False
) -> str | list[ContentBlock]:
    if isinstance(content, str):
        return content
    blocks: list[ContentBlock] = []
    for part in content:
        if isinstance(part, str):
            blocks.append(TextBlock(part))
            continue
        kind = part.get("type")
        if ai and kind in _TOOL_BLOCKS:
            continue
        if kind == "text":
            cites = part.get("citations")
            blocks.append(
                TextBlock(
                    str(part.get("text", "")),
                    citations=[_citation_from_langchain(c) for c in cites]
                    if isinstance(cites, list)
                    else [],
                )
            )
        elif kind == "redacted_thinking" and isinstance(part.get("data"), str):
            blocks.append(RedactedThinkingBlock(part["data"]))
        elif kind == "refusal" and isinstance(part.get("refusal"), str):
            blocks.append(RefusalBlock(part["refusal"]))
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else image
            blocks.append(ImageBlock(url=str(url)))
        elif kind == "image" and "url" in part:
            blocks.append(ImageBlock(url=str(part["url"])))
        elif kind == "image" and "base64" in part:
            blocks.append(ImageBlock(base64=str(part["base64"]), mime_type=part.get("mime_type")))
        elif kind in ("reasoning", "thinking"):
            text = part.get("reasoning", part.get("thinking", ""))
            blocks.append(ReasoningBlock(str(text), signature=part.get("signature")))
        else:
            raise InvalidInputError(
                f"a LangChain content block of type {kind!r} has no rillet equivalent; "
                "rillet takes text, image (url or base64), reasoning, redacted_thinking and "
                "refusal blocks"
            )
    return blocks


def _tool_calls_from_langchain(message: lc.AIMessage) -> list[ToolCall]:
    """The message's ``tool_calls``, and any ``tool_use`` content block (Anthropic's shape)
    that is not among them."""
    calls = [  # LangChain allows a call without an id; rillet's always has one
        ToolCall(c["name"], dict(c["args"]), c.get("id") or default_call_id(message.id, i))
        for i, c in enumerate(message.tool_calls)
    ]
    if isinstance(message.content, list):
        known = {c.id for c in calls}
        for part in message.content:
            if (
                isinstance(part, dict)
                and part.get("type") == "tool_use"
                and part.get("id") not in known
                and isinstance(part.get("input"), dict)
            ):
                call_id = part.get("id") or default_call_id(message.id, len(calls))
                calls.append(ToolCall(str(part.get("name")), part["input"], str(call_id)))
    return calls


def from_langchain_message(message: lc.BaseMessage) -> AnyMessage:
    """A LangChain message as rillet's."""
    if isinstance(message, lc.AIMessage):
        return _ai_from_langchain(message)
    content = _blocks_from_langchain(message.content)
    if isinstance(message, lc.SystemMessage):
        return SystemMessage(content, name=message.name, id=message.id)
    if isinstance(message, lc.HumanMessage):
        return HumanMessage(content, name=message.name, id=message.id)
    if isinstance(message, lc.ToolMessage):
        return ToolMessage(
            content,
            message.tool_call_id,
            status="error" if message.status == "error" else "success",
            name=message.name,
            id=message.id,
        )
    raise InvalidInputError(
        f"a LangChain {type(message).__name__} has no rillet equivalent; rillet takes system, "
        "human, ai and tool messages"
    )


def _ai_from_langchain(message: lc.AIMessage) -> AIMessage | AIMessageChunk:
    if isinstance(message, lc.AIMessageChunk):
        return from_langchain_chunk(message)
    return AIMessage(
        _ai_content(message),
        tool_calls=_tool_calls_from_langchain(message),
        invalid_tool_calls=[
            InvalidToolCall(c.get("name"), c.get("args"), c.get("id"), c.get("error"))
            for c in message.invalid_tool_calls
        ],
        name=message.name,
        id=message.id,
    )


def _ai_content(message: lc.AIMessage) -> str | list[ContentBlock]:
    """An AI message's content with what the adapter put in ``additional_kwargs`` (see
    `_extras_to_langchain`) back in its blocks: reasoning and redacted thinking first, the text
    with its citations, then a refusal."""
    content = _blocks_from_langchain(message.content, ai=True)
    extras = message.additional_kwargs
    reasoning = extras.get("reasoning_content")
    redacted = extras.get("redacted_thinking")
    refusal = extras.get("refusal")
    citations = extras.get("citations")
    if not (reasoning or redacted or refusal or citations):
        return content
    blocks: list[ContentBlock] = (
        ([TextBlock(content)] if content else []) if isinstance(content, str) else list(content)
    )
    front: list[ContentBlock] = []
    has_reasoning = any(isinstance(b, ReasoningBlock) for b in blocks)
    if isinstance(reasoning, str) and reasoning and not has_reasoning:
        signature = extras.get("reasoning_signature")
        front.append(
            ReasoningBlock(reasoning, signature=signature if isinstance(signature, str) else None)
        )
    if isinstance(redacted, list):
        front.extend(RedactedThinkingBlock(str(data)) for data in redacted)
    if isinstance(citations, list) and citations:
        cited = [_citation_from_langchain(c) for c in citations]
        texts = [i for i, b in enumerate(blocks) if isinstance(b, TextBlock)]
        if texts and not any(isinstance(b, TextBlock) and b.citations for b in blocks):
            last = blocks[texts[-1]]
            assert isinstance(last, TextBlock)
            blocks[texts[-1]] = TextBlock(last.text, citations=[*last.citations, *cited])
    if isinstance(refusal, str) and refusal:
        blocks.append(RefusalBlock(refusal))
    return [*front, *blocks]


def _usage_from_langchain(usage: lc.UsageMetadata) -> UsageMetadata:
    into = usage.get("input_token_details")
    out = usage.get("output_token_details")
    return UsageMetadata(
        usage["input_tokens"],
        usage["output_tokens"],
        usage["total_tokens"],
        input_token_details=None
        if not into
        else InputTokenDetails(
            audio=into.get("audio"),
            cache_creation=into.get("cache_creation"),
            cache_read=into.get("cache_read"),
        ),
        output_token_details=None
        if not out
        else OutputTokenDetails(audio=out.get("audio"), reasoning=out.get("reasoning")),
    )


def from_langchain_chunk(chunk: lc.AIMessageChunk) -> AIMessageChunk:
    """A LangChain ``AIMessageChunk`` as rillet's."""
    usage = chunk.usage_metadata
    return AIMessageChunk(
        _ai_content(chunk),
        tool_call_chunks=[
            ToolCallChunk(c.get("name"), c.get("args"), c.get("id"), c.get("index"))
            for c in chunk.tool_call_chunks
        ],
        usage_metadata=None if usage is None else _usage_from_langchain(usage),
        id=chunk.id,
        chunk_position="last" if chunk.chunk_position == "last" else None,
    )


def _content_to_langchain(content: str | list[ContentBlock]) -> str | list[str | dict[Any, Any]]:
    if isinstance(content, str):
        return content
    parts: list[str | dict[Any, Any]] = []
    for block in content:
        if isinstance(block, TextBlock):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            url = block.url or f"data:{block.mime_type};base64,{block.base64}"
            parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts


def to_langchain_message(message: AnyMessage) -> lc.BaseMessage:
    """A rillet message as LangChain's."""
    if isinstance(message, AIMessageChunk):
        return to_langchain_chunk(message)
    content = _content_to_langchain(message.content)
    if isinstance(message, SystemMessage):
        return lc.SystemMessage(content, name=message.name, id=message.id)
    if isinstance(message, HumanMessage):
        return lc.HumanMessage(content, name=message.name, id=message.id)
    if isinstance(message, ToolMessage):
        return lc.ToolMessage(
            content, tool_call_id=message.tool_call_id, status=message.status, name=message.name
        )
    return lc.AIMessage(
        message.text if isinstance(message.content, list) else message.content,
        additional_kwargs=_extras_to_langchain(message.content),
        response_metadata=_metadata_to_langchain(message.response_metadata),
        usage_metadata=_usage_to_langchain(message.usage_metadata),
        tool_calls=[
            lc.ToolCall(name=c.name, args=dict(c.args), id=c.id) for c in message.tool_calls
        ],
        name=message.name,
        id=message.id,
    )


def _extras_to_langchain(content: str | list[ContentBlock]) -> dict[str, Any]:
    """What an AI message's content holds besides its text, in ``additional_kwargs`` (string
    values concatenate and lists extend when LangChain adds chunks): ``reasoning_content`` (as
    langchain-openai reports DeepSeek's), ``reasoning_signature`` (Anthropic's thinking
    signature, which must go back with the thinking), ``redacted_thinking`` (the ``data`` of
    Anthropic's encrypted thinking blocks), ``refusal`` (as langchain-openai reports OpenAI's)
    and ``citations`` (the text's sources: ``type``, ``cited_text`` and the provider's fields)."""
    extras: dict[str, Any] = {}
    if isinstance(content, str):
        return extras
    reasoning: list[str] = []
    signatures: list[str] = []
    redacted: list[str] = []
    refusal: list[str] = []
    citations: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, ReasoningBlock):
            reasoning.append(block.reasoning)
            if block.signature:
                signatures.append(block.signature)
        elif isinstance(block, RedactedThinkingBlock):
            redacted.append(block.data)
        elif isinstance(block, RefusalBlock):
            refusal.append(block.refusal)
        elif isinstance(block, TextBlock) and block.citations:
            citations.extend(_citation_to_langchain(c) for c in block.citations)
    if reasoning:
        extras["reasoning_content"] = "".join(reasoning)
    if signatures:
        extras["reasoning_signature"] = "".join(signatures)
    if redacted:
        extras["redacted_thinking"] = redacted
    if refusal:
        extras["refusal"] = "".join(refusal)
    if citations:
        extras["citations"] = citations
    return extras


def _citation_to_langchain(citation: Citation) -> dict[str, Any]:
    out: dict[str, Any] = {**citation.details, "type": citation.type}
    if citation.cited_text is not None:
        out["cited_text"] = citation.cited_text
    return out


def _citation_from_langchain(value: object) -> Citation:
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise InvalidInputError(
            f"a citation must be a dict with a 'type' (as the adapter reports them), got {value!r}"
        )
    cited = value.get("cited_text")
    details = {k: v for k, v in value.items() if k not in ("type", "cited_text")}
    return Citation(
        str(value["type"]), cited_text=cited if isinstance(cited, str) else None, details=details
    )


def _metadata_to_langchain(metadata: ResponseMetadata) -> dict[str, Any]:
    return {
        name: value
        for name in metadata.__struct_fields__
        if name != "model_provider" and (value := getattr(metadata, name)) is not None
    }


def _usage_to_langchain(usage: UsageMetadata | None) -> lc.UsageMetadata | None:
    """rillet's usage as LangChain's dict, token details included (the same names)."""
    if usage is None:
        return None
    out = lc.UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
    )
    if usage.input_token_details is not None:
        details = msgspec.structs.asdict(usage.input_token_details)
        out["input_token_details"] = {k: v for k, v in details.items() if v is not None}  # type: ignore[typeddict-item]  # the same keys as LangChain's InputTokenDetails
    if usage.output_token_details is not None:
        details = msgspec.structs.asdict(usage.output_token_details)
        out["output_token_details"] = {k: v for k, v in details.items() if v is not None}  # type: ignore[typeddict-item]  # the same keys as LangChain's OutputTokenDetails
    return out


def to_langchain_chunk(chunk: AIMessageChunk) -> lc.AIMessageChunk:
    """A rillet ``AIMessageChunk`` as LangChain's: text in ``content``, reasoning in
    ``additional_kwargs`` (see `_extras_to_langchain`), usage (with its token details) and
    response metadata as their dicts, tool-call fragments as ``tool_call_chunks``.

    This is LangChain's provider-neutral shape whatever the provider, so ``model_provider`` is
    left out of ``response_metadata``: LangChain then reads ``content_blocks`` generically
    (reasoning, text, tool calls) instead of expecting that provider's own content blocks
    (``tool_use`` for Anthropic). The provider is in the run's ``ls_provider``."""
    return lc.AIMessageChunk(
        content=chunk.text,
        additional_kwargs=_extras_to_langchain(chunk.content),
        response_metadata=_metadata_to_langchain(chunk.response_metadata),
        usage_metadata=_usage_to_langchain(chunk.usage_metadata),
        tool_call_chunks=[
            lc.ToolCallChunk(
                name=c.name,
                args=c.args,
                # a call's first fragment (it has the name) gets the id rillet derives for an
                # id-less call (Ollama sends none), so LangChain's merged call has rillet's id
                id=c.id
                if c.id is not None or c.name is None
                else default_call_id(chunk.id, c.index if c.index is not None else position),
                index=c.index,
            )
            for position, c in enumerate(chunk.tool_call_chunks)
        ],
        id=chunk.id,
        chunk_position=chunk.chunk_position,
    )
