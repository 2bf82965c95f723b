"""Errors, results and events as users handle them."""

from __future__ import annotations

from typing_extensions import assert_type

from rillet import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BaseEvent,
    ChainEndEvent,
    ChainStartEvent,
    ConfigError,
    ConflictError,
    EmptyStreamError,
    EndData,
    FakeListLLMError,
    Generation,
    GenerationChunk,
    GenerationInfo,
    IncompleteStreamError,
    InternalServerError,
    InvalidInputError,
    InvalidOptionError,
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
    NoRunError,
    NotFoundError,
    OpenAI,
    OutputParserError,
    ParserEndEvent,
    ParserStartEvent,
    ParserStreamEvent,
    PermissionDeniedError,
    PromptEndEvent,
    PromptStartEvent,
    PromptStreamEvent,
    PromptValue,
    RateLimitError,
    RilletError,
    RunInfo,
    Secret,
    StartData,
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
    TokenUsage,
    UnexpectedContentTypeError,
    UnprocessableEntityError,
)


def errors(llm: OpenAI) -> None:
    try:
        llm.invoke("hi")  # ok
    except (AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError):  # ok
        raise
    except (BadRequestError, UnprocessableEntityError, RateLimitError) as exc:  # ok
        assert_type(exc.status_code, int)  # ok
        assert_type(exc.request_id, str | None)  # ok
        assert_type(exc.body, object)  # ok
        exc.status_code.upper()  # wrong: an int
    except InternalServerError as exc:  # ok
        assert_type(exc.partial_text, str)  # ok
    except APIStatusError:  # ok
        pass
    except (StreamTimeoutError, StreamInterruptedError, EmptyStreamError) as exc:  # ok
        assert_type(exc.partial_text, str)  # ok
    except (IncompleteStreamError, UnexpectedContentTypeError, StreamFormatError):  # ok
        pass
    except (StreamDecodeError, StreamProviderError, StreamClosedError) as exc:  # ok
        assert_type(exc.message, str)  # ok
    except StreamError as exc:  # ok
        assert_type(exc.status_code, int | None)  # ok
    except (APITimeoutError, APIConnectionError) as exc:  # ok
        assert_type(exc.url, str)  # ok
    except APIError as exc:  # ok
        assert_type(exc.method, str)  # ok
    except (InvalidOptionError, InvalidInputError, ConfigError) as exc:  # ok
        assert_type(exc.message, str)  # ok
    except (OutputParserError, FakeListLLMError, NoRunError) as exc:  # ok
        assert_type(exc.partial_text, str)  # ok
    except RilletError as exc:  # ok
        exc.partial_text.missing  # wrong: a str has no such attribute
    ConfigError("bad")  # ok
    OutputParserError("bad", text="{")  # ok
    OutputParserError("bad")  # wrong: text is required
    APIStatusError("x", status_code="500")  # wrong


def results(llm: OpenAI) -> None:
    result = llm.generate(["a"])  # ok
    assert_type(result.generations, list[list[Generation]])  # ok
    first = result.generations[0][0]  # ok
    assert_type(first.text, str)  # ok
    assert_type(first.generation_info, GenerationInfo | None)  # ok
    first.generation_info.finish_reason  # wrong: generation_info may be None
    if first.generation_info is not None:
        assert_type(first.generation_info.finish_reason, str | None)  # ok
        assert_type(first.generation_info.logprobs, Logprobs | None)  # ok
    assert_type(result.llm_output, LLMOutput | None)  # ok
    result.llm_output.token_usage  # wrong: llm_output may be None
    if result.llm_output is not None and result.llm_output.token_usage is not None:
        assert_type(result.llm_output.token_usage.total_tokens, int)  # ok
    assert_type(result.run, list[RunInfo] | None)  # ok
    Generation("x", generation_info=GenerationInfo(finish_reason="stop"))  # ok
    Generation(text=1)  # wrong
    _ = GenerationChunk("a") + GenerationChunk("b")  # ok
    TokenUsage(prompt_tokens=1, completion_tokens=2, total_tokens=3)  # ok
    TokenUsage(prompt_tokens="1")  # wrong
    LLMResult(generations=[[Generation("x")]], llm_output=LLMOutput(model_name="m"))  # ok
    Logprobs(tokens=["a"], token_logprobs=[-0.1])  # ok
    Secret("sk-key").get_secret_value()  # ok
    Secret(42)  # wrong
    value: PromptValue = StringPromptValue("hi")  # ok
    assert_type(value.to_string(), str)  # ok
    llm.invoke(value)  # ok


def events(llm: OpenAI) -> None:
    for event in llm.stream_events("hi", version="v1"):  # ok
        assert_type(event, StreamEvent)  # ok
        assert_type(event.run_id, str)  # ok
        if isinstance(event, LLMStartEvent):
            assert_type(event.data, LLMStartData)  # ok
            assert_type(event.data.input, LLMInput)  # ok
        elif isinstance(event, LLMStreamEvent):
            assert_type(event.data, LLMStreamData)  # ok
            assert_type(event.data.chunk.text, str)  # ok
        elif isinstance(event, LLMEndEvent):
            assert_type(event.data, LLMEndData)  # ok
            event.data.output.llm_output  # wrong: output is None when the run failed (v1)
        elif isinstance(event, ChainStartEvent | PromptStartEvent | ParserStartEvent):
            assert_type(event.data, StartData)  # ok
        elif isinstance(event, ParserStreamEvent | PromptStreamEvent):
            assert_type(event.data, StreamData)  # ok
        elif isinstance(event, ChainEndEvent | PromptEndEvent | ParserEndEvent):
            assert_type(event.data, EndData)  # ok
            assert_type(event.data.output, object)  # ok
        base: BaseEvent = event  # ok
        assert_type(base.tags, list[str])  # ok
    llm.stream_events("hi", include_names=["OpenAI"], exclude_tags=("x",))  # ok
    llm.stream_events("hi", include_names="OpenAI")  # wrong: one name matches by character
    llm.stream_events("hi", version="v3")  # wrong: only v1 and v2
