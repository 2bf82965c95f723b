"""The pure half of the chat providers (``_providers/<p>/chat.py``): request bodies built from
messages, and stream readers fed every recorded stream byte by byte (the HTTP end-to-end runs are
in tests/_async/test_chat_recordings.py), plus the wire cases no recording has."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
import pytest

from rillet import StreamProviderError
from rillet._providers.anthropic.chat import (
    ChatMessagesReader,
    anthropic_messages,
    messages_message,
)
from rillet._providers.anthropic.wire import message_decoder as anthropic_decoder
from rillet._providers.chat_base import UsageDeltas, usage_minus
from rillet._providers.ollama.chat import (
    ChatReader,
    chat_line_decoder,
    line_message,
    ollama_messages,
)
from rillet._providers.openai.chat import (
    ChatCompletionsReader,
    chat_payload_decoder,
    completion_message,
    openai_messages,
)
from rillet._values.errors import InvalidInputError
from rillet._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    HumanMessage,
    ImageBlock,
    InputTokenDetails,
    OutputTokenDetails,
    ReasoningBlock,
    SystemMessage,
    TextBlock,
    ToolCall,
    ToolMessage,
    UsageMetadata,
    default_call_id,
)
from rillet._wire.reader import StreamReader
from tests._helpers.recordings import recording, recordings

CHAT = [
    name
    for prefix in ("openai-chat-", "groq-", "novita-", "together-", "openrouter-", "anthropic-")
    for name in recordings(prefix)
] + ["ollama-chat-qwen3-thinking-handwritten.ndjson"]


def reader_for(name: str) -> StreamReader[object, AIMessageChunk]:
    reader: StreamReader[object, AIMessageChunk]
    if name.startswith("anthropic-"):
        reader = ChatMessagesReader(url="http://test")  # type: ignore[assignment]  # frames are opaque here
    elif name.startswith("ollama-"):
        reader = ChatReader(url="http://test")  # type: ignore[assignment]  # frames are opaque here
    else:
        reader = ChatCompletionsReader(url="http://test")  # type: ignore[assignment]  # frames are opaque here
    return reader


def feed(reader: StreamReader[object, AIMessageChunk], body: bytes) -> list[AIMessageChunk]:
    """The chunks of ``body`` fed one byte at a time."""
    out: list[AIMessageChunk] = []
    for i in range(len(body)):
        for frame in reader.frames.feed(body[i : i + 1]):
            chunk = reader.feed(frame)
            if chunk is not None:
                out.append(chunk)
    for frame in reader.frames.flush():
        chunk = reader.feed(frame)
        if chunk is not None:
            out.append(chunk)
    return out


def total(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


@pytest.mark.parametrize("name", CHAT)
def test_recorded_stream_reads_to_the_facts_of_sources(name: str) -> None:
    rec = recording(name)
    reader = reader_for(name)
    if rec.error is not None:
        chunks: list[AIMessageChunk] = []
        with pytest.raises(StreamProviderError) as caught:
            for i in range(len(rec.body)):
                for frame in reader.frames.feed(rec.body[i : i + 1]):
                    chunk = reader.feed(frame)
                    if chunk is not None:
                        chunks.append(chunk)
        assert caught.value.message.endswith(rec.error)
    else:
        chunks = feed(reader, rec.body)
        assert reader.done
    full = total(chunks)
    assert full.text == rec.text
    assert full.reasoning == rec.reasoning
    assert all(chunk.text == "" or isinstance(chunk.content, str) for chunk in chunks)
    assert full.response_metadata.finish_reason == rec.finish_reason
    if rec.error is None:  # OpenRouter reports its usage on the error chunk
        assert full.usage_metadata is not None
        assert rec.usage is not None
        usage = full.usage_metadata
        assert (usage.input_tokens, usage.output_tokens) == rec.usage
        assert usage.total_tokens == rec.usage[0] + rec.usage[1]


def test_openai_tool_call_fragments_add_up_to_the_recorded_call() -> None:
    rec = recording("openai-chat-gpt-4o-mini-2026-tool-call.sse")
    full = total(feed(reader_for(rec.name), rec.body))
    [expected] = rec.facts["tool_calls"]
    [chunk] = full.tool_call_chunks
    assert (chunk.name, chunk.id, chunk.args, chunk.index) == (
        expected["name"],
        expected["id"],
        expected["arguments"],
        0,
    )
    message = full.to_message()
    assert message.tool_calls == [
        ToolCall(expected["name"], msgspec.json.decode(expected["arguments"]), expected["id"])
    ]


def test_anthropic_tool_use_blocks_become_tool_calls_by_block_index() -> None:
    rec = recording("anthropic-messages-claude-3-5-sonnet-tool-use.sse")
    full = total(feed(reader_for(rec.name), rec.body))
    expected = [block for block in rec.facts["blocks"] if block["type"] == "tool_use"]
    message = full.to_message()
    assert [(call.name, call.args) for call in message.tool_calls] == [
        (block["name"], block["input"]) for block in expected
    ]
    assert [chunk.index for chunk in full.tool_call_chunks] == [1, 2]
    assert all(call.id and call.id.startswith("toolu_") for call in message.tool_calls)


def _anthropic_events(*events: Mapping[str, object]) -> bytes:
    return b"".join(
        b"event: " + str(e["type"]).encode() + b"\ndata: " + msgspec.json.encode(e) + b"\n\n"
        for e in events
    )


START: Mapping[str, object] = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "model": "claude-x",
        "content": [],
        "usage": {
            "input_tokens": 10,
            "cache_read_input_tokens": 5,
            "cache_creation_input_tokens": 2,
            "output_tokens": 1,
        },
    },
}


def test_anthropic_tool_without_arguments_is_a_call_with_empty_args() -> None:
    # Only "" fragments (the SDK's own tool_use_response fixture shows them): they never join
    # into JSON.
    body = _anthropic_events(
        START,
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 7},
        },
        {"type": "message_stop"},
    )
    full = total(feed(ChatMessagesReader(url="http://test"), body))  # type: ignore[arg-type]  # frames are opaque
    assert full.to_message().tool_calls == [ToolCall("now", {}, "toolu_1")]
    # Running totals became deltas: cached tokens count as input, as LangChain counts them.
    assert full.usage_metadata == UsageMetadata(
        17, 7, 24, input_token_details=InputTokenDetails(cache_creation=2, cache_read=5)
    )
    assert full.response_metadata.model_name == "claude-x"
    assert full.response_metadata.id == "msg_1"
    assert full.response_metadata.model_provider == "anthropic"


def test_anthropic_signature_is_not_reasoning_text() -> None:
    rec = recording("anthropic-messages-claude-3-7-sonnet-thinking.sse")
    full = total(feed(reader_for(rec.name), rec.body))
    assert isinstance(full.content, list)
    first = full.content[0]
    assert isinstance(first, ReasoningBlock)
    assert first.reasoning == rec.reasoning
    assert first.signature is not None
    assert len(first.signature) == 248
    assert full.text == rec.text


def _sse(*payloads: object) -> bytes:
    return b"".join(b"data: " + msgspec.json.encode(p) + b"\n\n" for p in payloads) + (
        b"data: [DONE]\n\n"
    )


def test_reasoning_content_deltas_are_reasoning_never_text() -> None:
    # DeepSeek's API (and older vLLM, llama.cpp): `reasoning_content`; OpenRouter: `reasoning`.
    body = _sse(
        {"id": "c1", "model": "deepseek-reasoner", "choices": [{"delta": {"role": "assistant"}}]},
        {"choices": [{"delta": {"reasoning_content": "Think"}}]},
        {"choices": [{"delta": {"reasoning": "ing."}}]},
        {"choices": [{"delta": {"reasoning_content": "", "content": "Hi"}}]},
        {"choices": [{"delta": {"reasoning_content": "!", "content": " there"}}]},
        {"choices": [{"delta": {}, "finish_reason": "stop"}]},
    )
    chunks = feed(ChatCompletionsReader(url="http://test"), body)  # type: ignore[arg-type]  # frames are opaque
    full = total(chunks)
    assert (full.text, full.reasoning) == ("Hi there", "Thinking.!")
    assert [c.reasoning for c in chunks if c.reasoning] == ["Think", "ing.", "!"]


def test_running_total_usage_becomes_deltas() -> None:
    # vLLM's continuous usage stats: a running total on every chunk.
    body = _sse(
        {
            "choices": [{"delta": {"content": "a"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1},
        },
        {
            "choices": [{"delta": {"content": "b"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2},
        },
        {
            "choices": [{"delta": {}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        },
    )
    chunks = feed(ChatCompletionsReader(url="http://test"), body)  # type: ignore[arg-type]  # frames are opaque
    assert [c.usage_metadata for c in chunks] == [
        UsageMetadata(5, 1, 6),
        UsageMetadata(0, 1, 1),
        None,
    ]
    assert total(chunks).usage_metadata == UsageMetadata(5, 2, 7)


def test_usage_minus_subtracts_nested_details() -> None:
    new = UsageMetadata(9, 4, 13, InputTokenDetails(cache_read=3), OutputTokenDetails(reasoning=2))
    old = UsageMetadata(9, 1, 10, InputTokenDetails(cache_read=3), None)
    assert usage_minus(new, old) == UsageMetadata(
        0, 3, 3, InputTokenDetails(cache_read=0), OutputTokenDetails(reasoning=2)
    )
    deltas = UsageDeltas()
    assert deltas.delta(old) == old
    assert deltas.delta(old) is None
    assert deltas.delta(new) == usage_minus(new, old)


def test_ollama_tool_calls_arrive_whole() -> None:
    # docs/api.md "Chat request (Streaming with tools)"; two calls, no index on the wire.
    call = {"function": {"name": "get_weather", "arguments": {"city": "Tokyo"}}}
    lines = [
        {
            "model": "llama3.2",
            "message": {"role": "assistant", "content": "", "tool_calls": [call, call]},
            "done": False,
        },
        {
            "model": "llama3.2",
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
        },
    ]
    body = b"".join(msgspec.json.encode(line) + b"\n" for line in lines)
    full = total(feed(ChatReader(url="http://test"), body))  # type: ignore[arg-type]  # frames are opaque
    assert [(c.name, c.args, c.index) for c in full.tool_call_chunks] == [
        ("get_weather", '{"city":"Tokyo"}', 0),
        ("get_weather", '{"city":"Tokyo"}', 1),
    ]
    # Ollama sends no call ids: each gets one derived from the message id and its index.
    assert full.to_message().tool_calls == [
        ToolCall("get_weather", {"city": "Tokyo"}, default_call_id(None, 0)),
        ToolCall("get_weather", {"city": "Tokyo"}, default_call_id(None, 1)),
    ]
    run = total([full, AIMessageChunk(id="lc_run--1")])
    assert [c.id for c in run.tool_calls] == [
        default_call_id("lc_run--1", 0),
        default_call_id("lc_run--1", 1),
    ]


def test_error_line_and_error_chunk_raise_with_the_partial_text() -> None:
    body = b'{"model":"m","message":{"role":"assistant","content":"par"},"done":false}\n{"error":"boom"}\n'
    reader = ChatReader(url="http://test")
    with pytest.raises(StreamProviderError) as caught:
        feed(reader, body)  # type: ignore[arg-type]  # frames are opaque
    assert caught.value.partial_text == "par"


# -- whole responses ---------------------------------------------------------------------------


def test_whole_openai_response_is_an_ai_message() -> None:
    payload = chat_payload_decoder().decode(
        msgspec.json.encode(
            {
                "id": "chatcmpl-1",
                "model": "gpt-4o-mini",
                "system_fingerprint": "fp_1",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "Hello!",
                            "reasoning_content": "greet",
                            "tool_calls": [
                                {
                                    "id": "call_1",
                                    "type": "function",
                                    "function": {"name": "f", "arguments": '{"a": 1}'},
                                },
                                {
                                    "id": "call_2",
                                    "type": "function",
                                    "function": {"name": "g", "arguments": "{oops"},
                                },
                            ],
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 5,
                    "completion_tokens": 2,
                    "total_tokens": 7,
                    "prompt_tokens_details": {"cached_tokens": 1, "audio_tokens": 0},
                    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
                },
            }
        )
    )
    message = completion_message(payload)
    assert (message.text, message.reasoning) == ("Hello!", "greet")
    assert message.tool_calls == [ToolCall("f", {"a": 1}, "call_1")]
    [invalid] = message.invalid_tool_calls
    assert (invalid.name, invalid.args, invalid.id) == ("g", "{oops", "call_2")
    assert message.usage_metadata == UsageMetadata(
        5, 2, 7, InputTokenDetails(audio=0, cache_read=1), OutputTokenDetails(audio=0, reasoning=0)
    )
    metadata = message.response_metadata
    assert (
        metadata.finish_reason,
        metadata.model_name,
        metadata.id,
        metadata.system_fingerprint,
    ) == (
        "stop",
        "gpt-4o-mini",
        "chatcmpl-1",
        "fp_1",
    )


def test_whole_anthropic_and_ollama_responses() -> None:
    message = messages_message(
        anthropic_decoder.decode(
            msgspec.json.encode(
                {
                    "id": "msg_1",
                    "model": "claude-x",
                    "content": [
                        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                        {"type": "text", "text": "Hi"},
                        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
                    ],
                    "stop_reason": "tool_use",
                    "usage": {"input_tokens": 3, "output_tokens": 4},
                }
            )
        )
    )
    assert message.content == [ReasoningBlock("hmm", "sig"), TextBlock("Hi")]
    assert message.tool_calls == [ToolCall("f", {"a": 1}, "toolu_1")]
    assert message.usage_metadata == UsageMetadata(3, 4, 7)
    assert message.response_metadata.finish_reason == "tool_use"
    line = line_message(
        chat_line_decoder.decode(
            b'{"model":"qwen3","message":{"role":"assistant","content":"Yes","thinking":"ok"},'
            b'"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2}'
        )
    )
    assert (line.text, line.reasoning, line.usage_metadata) == ("Yes", "ok", UsageMetadata(3, 2, 5))


# -- requests ------------------------------------------------------------------------------------

IMAGE_URL = ImageBlock(url="https://example.com/cat.png")
IMAGE_DATA = ImageBlock(base64="iVBORw0KGgo=", mime_type="image/png")
CONVERSATION: list[AnyMessage] = [
    SystemMessage("Be terse."),
    HumanMessage([TextBlock("What is this?"), IMAGE_DATA]),
    AIMessage(
        [ReasoningBlock("a cat, clearly", "sig"), TextBlock("A cat.")],
        tool_calls=[ToolCall("lookup", {"q": "cat"}, "call_1")],
    ),
    ToolMessage("a small feline", "call_1"),
]


def test_openai_messages() -> None:
    assert openai_messages(CONVERSATION) == [
        {"role": "system", "content": "Be terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        },
        {
            "role": "assistant",
            "content": "A cat.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"q":"cat"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "a small feline"},
    ]
    assert openai_messages([HumanMessage([IMAGE_URL])]) == [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": IMAGE_URL.url}}]}
    ]


def test_anthropic_messages_take_system_out_and_send_thinking_back_signed() -> None:
    system, turns = anthropic_messages(CONVERSATION)
    assert system == ["Be terse."]
    assert turns == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "a cat, clearly", "signature": "sig"},
                {"type": "text", "text": "A cat."},
                {"type": "tool_use", "id": "call_1", "name": "lookup", "input": {"q": "cat"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "a small feline"}
            ],
        },
    ]
    _, [url_turn] = anthropic_messages([HumanMessage([IMAGE_URL])])
    assert url_turn["content"] == [
        {"type": "image", "source": {"type": "url", "url": IMAGE_URL.url}}
    ]


def test_ollama_messages_images_apart_and_no_urls() -> None:
    assert ollama_messages(CONVERSATION) == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "What is this?", "images": ["iVBORw0KGgo="]},
        {
            "role": "assistant",
            "content": "A cat.",
            "thinking": "a cat, clearly",
            "tool_calls": [{"function": {"name": "lookup", "arguments": {"q": "cat"}}}],
        },
        {"role": "tool", "content": "a small feline", "tool_call_id": "call_1"},
    ]
    with pytest.raises(InvalidInputError, match="base64"):
        ollama_messages([HumanMessage([IMAGE_URL])])


def test_metadata_comes_from_the_first_chunk_that_has_it() -> None:
    # Azure OpenAI opens with a `choices: []` chunk of prompt filter results, without a model.
    body = _sse(
        {"id": "", "model": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0}]},
        {
            "id": "c1",
            "model": "gpt-4o",
            "choices": [{"delta": {"role": "assistant", "content": ""}}],
        },
        {"id": "c1", "model": "gpt-4o", "choices": [{"delta": {"content": "Hi"}}]},
        {"id": "c1", "model": "gpt-4o", "choices": [{"delta": {}, "finish_reason": "stop"}]},
    )
    full = total(feed(ChatCompletionsReader(url="http://test"), body))  # type: ignore[arg-type]  # frames are opaque
    assert (full.text, full.response_metadata.model_name, full.response_metadata.id) == (
        "Hi",
        "gpt-4o",
        "c1",
    )
    assert full.response_metadata.finish_reason == "stop"
