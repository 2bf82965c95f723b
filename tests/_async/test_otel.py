"""OpenTelemetry spans from the run lifecycle (issue 15): the span tree and GenAI attributes of a
``prompt | model | parser`` chain, a failed run, a stream closed early, content capture."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import rillet.otel
from rillet import ChatOpenAI, ChatPromptTemplate, OpenAI, RateLimitError, StrOutputParser
from rillet.testing import FakeServer, Reply

pytestmark = pytest.mark.anyio

TOKENS = ["The", " sky", " is", " blue", "."]


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    rillet.otel.instrument(provider)
    try:
        yield exporter
    finally:
        rillet.otel.uninstrument()
        provider.shutdown()


@pytest.fixture
async def models() -> AsyncIterator[list[ChatOpenAI]]:
    made: list[ChatOpenAI] = []
    yield made
    for model in made:
        await model.aclose()


def _chain(server: FakeServer, models: list[ChatOpenAI]) -> Any:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{question}")])
    model = ChatOpenAI(
        base_url=server.base_url,
        api_key="sk-test",
        model="gpt-4o-mini",
        temperature=0.5,
        max_tokens=64,
        max_retries=0,
    )
    models.append(model)
    return prompt | model | StrOutputParser()


def _body(server: FakeServer, n: int) -> dict[str, object]:
    body = server.requests[n].json()
    assert isinstance(body, dict)
    return body


def _by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in spans}


def _parent(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def _id(span: ReadableSpan) -> int:
    assert span.context is not None
    span_id: int = span.context.span_id
    return span_id


async def test_chain_span_tree_and_genai_attributes(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(tokens=TOKENS))
    chain = _chain(server, models)
    chunks = [chunk async for chunk in chain.astream({"question": "Why is the sky blue?"})]
    assert "".join(chunks) == "The sky is blue."
    spans = _by_name(exporter.get_finished_spans())
    assert set(spans) == {
        "RunnableSequence",
        "ChatPromptTemplate",
        "chat gpt-4o-mini",
        "StrOutputParser",
    }
    root = spans["RunnableSequence"]
    assert _parent(root) is None
    for child in ("ChatPromptTemplate", "chat gpt-4o-mini", "StrOutputParser"):
        assert _parent(spans[child]) == _id(root)
    model = spans["chat gpt-4o-mini"]
    assert model.kind is SpanKind.CLIENT
    assert root.kind is SpanKind.INTERNAL
    attributes = dict(model.attributes or {})
    ttfc = attributes.pop("gen_ai.response.time_to_first_chunk")
    assert isinstance(ttfc, float)
    assert ttfc > 0
    attributes.pop("rillet.run_id")
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.stream": True,
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.response.id": "chatcmpl-fake1",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 7,  # the fake server counts words
        "gen_ai.usage.output_tokens": len(TOKENS),
    }
    # message content only on opt-in
    assert not [k for s in spans.values() for k in (s.attributes or {}) if "messages" in k]
    assert all(s.status.status_code is StatusCode.UNSET for s in spans.values())
    assert spans["ChatPromptTemplate"].attributes == {
        "rillet.run_id": spans["ChatPromptTemplate"].attributes["rillet.run_id"],  # type: ignore[index]  # attributes are set
        "rillet.run.type": "prompt",
    }


async def test_a_failed_run_records_its_error_type(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(status=429))
    chain = _chain(server, models)
    with pytest.raises(RateLimitError):
        async for _ in chain.astream({"question": "hi"}):
            pass
    spans = _by_name(exporter.get_finished_spans())
    assert set(spans) == {"RunnableSequence", "ChatPromptTemplate", "chat gpt-4o-mini"}
    for name in ("RunnableSequence", "chat gpt-4o-mini"):
        span = spans[name]
        assert span.status.status_code is StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "RateLimitError"
        assert [e.name for e in span.events] == ["exception"]
    assert spans["ChatPromptTemplate"].status.status_code is StatusCode.UNSET
    assert _parent(spans["chat gpt-4o-mini"]) == _id(spans["RunnableSequence"])


async def test_a_stream_closed_early_ends_its_spans_without_error(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(tokens=TOKENS, delay=0.05))
    chain = _chain(server, models)
    async with chain.astream({"question": "hi"}) as stream:
        async for _ in stream:
            break
    spans = _by_name(exporter.get_finished_spans())
    assert {"RunnableSequence", "chat gpt-4o-mini"} <= set(spans)
    for name in ("RunnableSequence", "chat gpt-4o-mini"):
        span = spans[name]
        assert span.status.status_code is StatusCode.UNSET
        assert (span.attributes or {})["rillet.stream.closed_early"] is True


async def test_message_content_on_opt_in(server: FakeServer, models: list[ChatOpenAI]) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    rillet.otel.instrument(provider, capture_message_content=True)
    try:
        server.queue(Reply(tokens=TOKENS))
        events = [e async for e in _chain(server, models).astream_events({"question": "Why?"})]
    finally:
        rillet.otel.uninstrument()
        provider.shutdown()
    assert events[-1].event == "on_chain_end"  # the caller still gets every event
    model = _by_name(exporter.get_finished_spans())["chat gpt-4o-mini"]
    attributes = model.attributes or {}
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Why?"}]},
    ]
    assert json.loads(str(attributes["gen_ai.output.messages"])) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "The sky is blue."}],
            "finish_reason": "stop",
        }
    ]


async def test_off_after_uninstrument(server: FakeServer, models: list[ChatOpenAI]) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    rillet.otel.instrument(provider)
    rillet.otel.uninstrument()
    server.queue(Reply(tokens=TOKENS))
    assert [c async for c in _chain(server, models).astream({"question": "hi"})] != []
    assert exporter.get_finished_spans() == ()
    provider.shutdown()


async def test_a_model_streamed_on_its_own_is_one_span(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(tokens=TOKENS))
    model = ChatOpenAI(base_url=server.base_url, api_key="sk-test", model="gpt-4o-mini")
    models.append(model)
    chunks = [chunk async for chunk in model.astream("hi", stop=["\n"])]
    assert "".join(chunk.text for chunk in chunks) == "The sky is blue."
    assert chunks[-1].chunk_position == "last"
    [span] = exporter.get_finished_spans()
    assert span.name == "chat gpt-4o-mini"
    assert span.parent is None
    attributes = span.attributes or {}
    assert attributes["gen_ai.usage.output_tokens"] == len(TOKENS)
    assert attributes["gen_ai.request.stop_sequences"] == ("\n",)
    assert server.requests[0].json()["stop"] == ["\n"]  # type: ignore[index]  # a JSON object


async def test_an_invoked_chain_is_traced_as_its_stream_is(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(tokens=TOKENS))
    chain = _chain(server, models)
    assert await chain.ainvoke({"question": "Why is the sky blue?"}) == "The sky is blue."
    assert "stream" not in _body(server, 0)  # invoke's own request, not a stream
    spans = _by_name(exporter.get_finished_spans())
    assert set(spans) == {
        "RunnableSequence",
        "ChatPromptTemplate",
        "chat gpt-4o-mini",
        "StrOutputParser",
    }
    root = spans["RunnableSequence"]
    assert _parent(root) is None
    for child in ("ChatPromptTemplate", "chat gpt-4o-mini", "StrOutputParser"):
        assert _parent(spans[child]) == _id(root)
    attributes = dict(spans["chat gpt-4o-mini"].attributes or {})
    attributes.pop("rillet.run_id")
    assert attributes == {  # no time to first chunk: nothing streamed
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.stream": False,
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.response.id": "chatcmpl-fake1",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 7,
        "gen_ai.usage.output_tokens": len(TOKENS),
    }
    assert all(s.status.status_code is StatusCode.UNSET for s in spans.values())


async def test_a_failed_invoke_records_its_error_type(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(status=429))
    with pytest.raises(RateLimitError):
        await _chain(server, models).ainvoke({"question": "hi"})
    spans = _by_name(exporter.get_finished_spans())
    assert set(spans) == {"RunnableSequence", "ChatPromptTemplate", "chat gpt-4o-mini"}
    for name in ("RunnableSequence", "chat gpt-4o-mini"):
        span = spans[name]
        assert span.status.status_code is StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "RateLimitError"
    assert spans["ChatPromptTemplate"].status.status_code is StatusCode.UNSET
    assert _parent(spans["chat gpt-4o-mini"]) == _id(spans["RunnableSequence"])


async def test_each_batch_input_is_its_own_trace(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    server.queue(Reply(tokens=TOKENS), Reply(status=429))
    chain = _chain(server, models)
    results = await chain.abatch(
        [{"question": "a"}, {"question": "b"}], {"max_concurrency": 1}, return_exceptions=True
    )
    assert results[0] == "The sky is blue."
    assert isinstance(results[1], RateLimitError)
    spans = exporter.get_finished_spans()
    roots = [s for s in spans if s.name == "RunnableSequence"]
    assert len(roots) == 2
    assert all(_parent(root) is None for root in roots)
    assert len({root.context.trace_id for root in roots if root.context}) == 2
    statuses = sorted(root.status.status_code.name for root in roots)
    assert statuses == ["ERROR", "UNSET"]
    model_spans = [s for s in spans if s.name == "chat gpt-4o-mini"]
    assert sorted(_parent(s) or 0 for s in model_spans) == sorted(_id(r) for r in roots)


async def test_a_model_invoked_batched_and_generated_on_its_own(
    server: FakeServer, exporter: InMemorySpanExporter, models: list[ChatOpenAI]
) -> None:
    model = ChatOpenAI(base_url=server.base_url, api_key="sk-test", model="gpt-4o-mini")
    models.append(model)
    server.queue(*[Reply(tokens=TOKENS)] * 5)
    message = await model.ainvoke("hi", temperature=0.25)
    assert message.text == "The sky is blue."
    assert message.usage_metadata is not None
    [span] = exporter.get_finished_spans()
    assert span.parent is None
    attributes = span.attributes or {}
    assert attributes["gen_ai.request.stream"] is False
    assert attributes["gen_ai.request.temperature"] == 0.25
    assert attributes["gen_ai.usage.output_tokens"] == len(TOKENS)
    exporter.clear()
    assert len(await model.abatch(["a", "b"])) == 2
    result = await model.agenerate([["a"], ["b"]])
    assert [g[0].message.text for g in result.generations] == ["The sky is blue."] * 2
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["chat gpt-4o-mini"] * 4
    assert all(s.parent is None and (s.attributes or {})["gen_ai.response.id"] for s in spans)
    assert all("stream" not in _body(server, n) for n in range(5))


async def test_a_string_llm_invoked_and_generated(
    server: FakeServer, exporter: InMemorySpanExporter
) -> None:
    llm = OpenAI(base_url=server.base_url, api_key="sk-test", model="gpt-3.5-turbo-instruct")
    server.queue(Reply(tokens=TOKENS), Reply(tokens=TOKENS))
    try:
        assert await llm.ainvoke("hi") == "The sky is blue."
        result = await llm.agenerate(["a", "b"])
    finally:
        await llm.aclose()
    assert [g[0].text for g in result.generations] == ["The sky is blue."] * 2
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["text_completion gpt-3.5-turbo-instruct"] * 2
    invoked, generated = (dict(s.attributes or {}) for s in spans)
    assert invoked["gen_ai.request.stream"] is False
    assert invoked["gen_ai.usage.output_tokens"] == len(TOKENS)
    assert generated["gen_ai.usage.output_tokens"] == 2 * len(TOKENS)  # one request, both prompts
    assert len(server.requests) == 2
