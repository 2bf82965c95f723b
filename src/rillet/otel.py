"""OpenTelemetry tracing for rillet runs, by the GenAI semantic conventions (``rillet[otel]``).

::

    from opentelemetry.sdk.trace import TracerProvider
    import rillet.otel

    rillet.otel.instrument(TracerProvider(...))   # or instrument() for the global provider

Every root call (``invoke``/``ainvoke``, each input of ``batch``/``abatch``, ``generate``,
``stream``/``astream``, ``stream_events``/``astream_events`` v2) then makes one span per run of
its run tree, nested as the runs are: a chain or a step is an
INTERNAL span named after the run; a chat model run is a CLIENT span ``chat {model}`` and a string
LLM run ``text_completion {model}``, with ``gen_ai.operation.name``, ``gen_ai.provider.name``,
``gen_ai.request.model``/``temperature``/``max_tokens``/``stream``, ``gen_ai.response.model``/
``id``/``finish_reasons``, ``gen_ai.usage.input_tokens``/``output_tokens`` and
``gen_ai.response.time_to_first_chunk`` (seconds); a tool run is ``execute_tool {name}``. A run
that fails has status ERROR and ``error.type`` (the exception's class name); runs still open when
the caller closes the stream early end with ``rillet.stream.closed_early`` set, not as errors.

Message content (``gen_ai.input.messages``, ``gen_ai.output.messages``, JSON strings in the
conventions' parts format) is recorded only when ``capture_message_content=True`` or the
environment variable ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` is ``true`` /
``SPAN_ONLY`` / ``SPAN_AND_EVENT``.

The spans are made from the run's own events (the lifecycle ``astream_events`` reports), so
tracing keeps no bookkeeping of its own; with tracing off a stream pays one global read per call.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer, TracerProvider
from opentelemetry.util.types import AttributeValue

from . import _tracing
from ._values.events import (
    BaseEvent,
    ChatModelEndEvent,
    ChatModelStartEvent,
    ChatModelStreamEvent,
    LLMEndEvent,
    LLMStartEvent,
    LLMStreamEvent,
    ToolStartEvent,
)
from ._values.messages import AIMessage, AnyMessage

__all__ = ["instrument", "uninstrument"]

_SCOPE = "rillet"
_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_ROLES: Mapping[str, str] = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def instrument(
    tracer_provider: TracerProvider | None = None, *, capture_message_content: bool | None = None
) -> None:
    """Trace every rillet run from now on, through ``tracer_provider`` (default: the global one).

    ``capture_message_content`` (default: from ``$OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``)
    adds the prompt and reply messages to the model spans.
    """
    tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
    if capture_message_content is None:
        setting = os.environ.get(_CONTENT_ENV, "").strip().lower()
        capture_message_content = setting in ("true", "1", "span_only", "span_and_event")
    capture = capture_message_content

    def factory(streaming: bool) -> _tracing.RunRecorder:
        return _SpanRecorder(tracer, capture, streaming)

    _tracing.install(factory)


def uninstrument() -> None:
    """Stop tracing (streams started before keep their recorder until they end)."""
    _tracing.install(None)


class _Open:
    __slots__ = ("first_chunk", "span", "started")

    def __init__(self, span: Span, started: float) -> None:
        self.span = span
        self.started = started
        self.first_chunk = False


class _SpanRecorder:
    """One root stream's spans, opened and ended by its events."""

    def __init__(self, tracer: Tracer, capture: bool, streaming: bool) -> None:
        self._tracer = tracer
        self._capture = capture
        self._streaming = streaming
        self._open: dict[str, _Open] = {}

    def on_event(self, event: BaseEvent) -> None:
        kind = event.event
        if kind.endswith("_start"):
            self._start(event)
        elif kind.endswith("_end"):
            self._end(event)
        elif isinstance(event, ChatModelStreamEvent | LLMStreamEvent):
            run = self._open.get(event.run_id)
            if run is not None and not run.first_chunk:
                run.first_chunk = True
                run.span.set_attribute(
                    "gen_ai.response.time_to_first_chunk", time.monotonic() - run.started
                )
                # a model a function streams inside a traced invoke (with the function's config)
                run.span.set_attribute("gen_ai.request.stream", True)

    def _start(self, event: BaseEvent) -> None:
        parent = self._open.get(event.parent_ids[-1]) if event.parent_ids else None
        context = trace.set_span_in_context(parent.span) if parent is not None else None
        attributes: dict[str, AttributeValue] = {"rillet.run_id": event.run_id}
        span_kind = SpanKind.INTERNAL
        if isinstance(event, ChatModelStartEvent | LLMStartEvent):
            operation = "chat" if isinstance(event, ChatModelStartEvent) else "text_completion"
            span_kind = SpanKind.CLIENT
            attributes.update(_request_attributes(operation, event.metadata, self._streaming))
            model = attributes.get("gen_ai.request.model")
            name = f"{operation} {model}" if model else operation
            if self._capture:
                if isinstance(event, ChatModelStartEvent):
                    messages = event.data.input.messages[0] if event.data.input.messages else []
                    parts = [_message_json(m) for m in messages]
                else:
                    parts = [
                        {"role": "user", "parts": [{"type": "text", "content": prompt}]}
                        for prompt in event.data.input.prompts
                    ]
                attributes["gen_ai.input.messages"] = json.dumps(parts)
        elif isinstance(event, ToolStartEvent):
            name = f"execute_tool {event.name}"
            attributes["gen_ai.operation.name"] = "execute_tool"
            attributes["gen_ai.tool.name"] = event.name
        else:
            name = event.name
            attributes["rillet.run.type"] = event.event[3:-6]  # on_<type>_start
        span = self._tracer.start_span(name, context, span_kind, attributes)
        self._open[event.run_id] = _Open(span, time.monotonic())

    def _end(self, event: BaseEvent) -> None:
        run = self._open.pop(event.run_id, None)
        if run is None:
            return
        span = run.span
        if isinstance(event, ChatModelEndEvent) and event.data.output is not None:
            _reply_attributes(span, event.data.output, self._capture)
        elif isinstance(event, LLMEndEvent) and event.data.output is not None:
            result = event.data.output
            output = result.llm_output
            if output is not None:
                if output.model_name:
                    span.set_attribute("gen_ai.response.model", output.model_name)
                if output.token_usage is not None:
                    span.set_attribute(
                        "gen_ai.usage.input_tokens", output.token_usage.prompt_tokens
                    )
                    span.set_attribute(
                        "gen_ai.usage.output_tokens", output.token_usage.completion_tokens
                    )
            reasons = [
                g.generation_info.finish_reason
                for gens in result.generations
                for g in gens
                if g.generation_info is not None and g.generation_info.finish_reason
            ]
            if reasons:
                span.set_attribute("gen_ai.response.finish_reasons", reasons)
            if self._capture:
                parts = [
                    {"role": "assistant", "parts": [{"type": "text", "content": g.text}]}
                    for gens in result.generations
                    for g in gens
                ]
                span.set_attribute("gen_ai.output.messages", json.dumps(parts))
        span.end()

    def finish(self, error: BaseException | None, *, closed_early: bool) -> None:
        for run in reversed(list(self._open.values())):
            span = run.span
            if error is not None:
                span.set_attribute("error.type", type(error).__qualname__)
                span.set_status(StatusCode.ERROR, str(error) or type(error).__qualname__)
                span.record_exception(error)
            elif closed_early:
                span.set_attribute("rillet.stream.closed_early", True)
            span.end()
        self._open.clear()


def _request_attributes(
    operation: str, metadata: Mapping[str, object], streaming: bool
) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": operation,
        "gen_ai.request.stream": streaming,
    }
    provider = metadata.get("ls_provider")
    if isinstance(provider, str):
        attributes["gen_ai.provider.name"] = provider
    model = metadata.get("ls_model_name")
    if isinstance(model, str):
        attributes["gen_ai.request.model"] = model
    temperature = metadata.get("ls_temperature")
    if isinstance(temperature, int | float) and not isinstance(temperature, bool):
        attributes["gen_ai.request.temperature"] = float(temperature)
    max_tokens = metadata.get("ls_max_tokens")
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool):
        attributes["gen_ai.request.max_tokens"] = max_tokens
    stop = metadata.get("ls_stop")
    if isinstance(stop, str):
        attributes["gen_ai.request.stop_sequences"] = [stop]
    elif isinstance(stop, Sequence) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = [str(s) for s in stop]
    return attributes


def _reply_attributes(span: Span, message: AIMessage, capture: bool) -> None:
    metadata = message.response_metadata
    if metadata.model_name:
        span.set_attribute("gen_ai.response.model", metadata.model_name)
    if metadata.id:
        span.set_attribute("gen_ai.response.id", metadata.id)
    if metadata.finish_reason:
        span.set_attribute("gen_ai.response.finish_reasons", [metadata.finish_reason])
    usage = message.usage_metadata
    if usage is not None:
        span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
    if capture:
        output = _message_json(message)
        if metadata.finish_reason:
            output["finish_reason"] = metadata.finish_reason
        span.set_attribute("gen_ai.output.messages", json.dumps([output]))


def _message_json(message: AnyMessage) -> dict[str, object]:
    parts: list[dict[str, object]] = []
    if message.text:
        parts.append({"type": "text", "content": message.text})
    if isinstance(message, AIMessage):
        parts.extend(
            {"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.args}
            for call in message.tool_calls
        )
    return {"role": _ROLES.get(message.type, message.type), "parts": parts}
