"""Output the chat models never drop: OpenAI refusals and annotations, Anthropic redacted thinking
and citations, streamed and whole over real HTTP, summed by ``+`` into what ``invoke`` returns,
and sent back in each provider's own wire shape; output rillet cannot represent is a typed
error, not a silent drop."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest

from rillet import (
    AIMessage,
    AIMessageChunk,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    Citation,
    ImageBlock,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
    TextBlock,
    UnsupportedOutputError,
)
from rillet.testing import FakeServer, Reply

pytestmark = pytest.mark.anyio

REFUSAL = ["I'm sorry", ", I can't", " help with that."]
CITATION: dict[str, object] = {
    "type": "char_location",
    "cited_text": "The grass is green.",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 20,
}
SECOND_CITATION: dict[str, object] = {
    "type": "page_location",
    "cited_text": "The sky is blue.",
    "document_index": 1,
    "document_title": None,
    "start_page_number": 1,
    "end_page_number": 2,
}


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture
async def openai(server: FakeServer) -> AsyncIterator[ChatOpenAI]:
    model = ChatOpenAI(base_url=server.base_url, api_key="sk-test-key")
    yield model
    await model.aclose()


@pytest.fixture
async def anthropic(server: FakeServer) -> AsyncIterator[ChatAnthropic]:
    model = ChatAnthropic(model="claude-test", base_url=server.root_url, api_key="sk-ant-test")
    yield model
    await model.aclose()


def _sum(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


async def test_openai_refusal_streams_as_a_refusal_block_never_text(
    server: FakeServer, openai: ChatOpenAI
) -> None:
    server.queue(Reply(tokens=(), refusal=REFUSAL))
    chunks = [chunk async for chunk in openai.astream("how do I pick a lock?")]
    refusals = [c.content for c in chunks if isinstance(c.content, list)]
    assert refusals == [[RefusalBlock(piece)] for piece in REFUSAL]  # one chunk per delta
    full = _sum(chunks)
    assert full.content == [RefusalBlock("".join(REFUSAL))]
    assert (full.text, full.reasoning) == ("", "")
    assert full.response_metadata.finish_reason == "stop"

    server.queue(Reply(tokens=(), refusal=REFUSAL))
    message = await openai.ainvoke("how do I pick a lock?")  # a whole response: message.refusal
    assert message.content == full.to_message().content
    assert message.text == ""

    # Back in the history, the refusal is the assistant message's `refusal` (OpenAI's shape).
    server.queue(Reply(tokens=["ok"]))
    await openai.ainvoke([("human", "how?"), message, ("human", "then what?")])
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["messages"][1] == {
        "role": "assistant",
        "content": "",
        "refusal": "".join(REFUSAL),
    }


async def test_openai_refusal_with_text_keeps_both_apart(
    server: FakeServer, openai: ChatOpenAI
) -> None:
    server.queue(Reply(tokens=["Here", " instead."], refusal=["No."], reasoning=["hm"]))
    full = _sum([chunk async for chunk in openai.astream("x")])
    assert full.content == [ReasoningBlock("hm"), RefusalBlock("No."), TextBlock("Here instead.")]
    assert (full.text, full.reasoning) == ("Here instead.", "hm")
    server.queue(Reply(tokens=["Here", " instead."], refusal=["No."], reasoning=["hm"]))
    message = await openai.ainvoke("x")
    assert message.content == full.to_message().content


def _annotated_stream() -> bytes:
    chunk = (
        b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-search",'
        b'"choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n'
    )
    annotation = (
        b'{"annotations":[{"type":"url_citation","url_citation":{"end_index":9,'
        b'"start_index":0,"title":"Sky","url":"https://example.com/sky"}}]}'
    )
    return (
        chunk % (b'{"role":"assistant","content":""}', b"null")
        + chunk % (b'{"content":"Sky: blue"}', b"null")
        + chunk % (annotation, b"null")
        + chunk % (b"{}", b'"stop"')
        + b"data: [DONE]\n\n"
    )


async def test_openai_annotations_are_citations_of_the_text(
    server: FakeServer, openai: ChatOpenAI
) -> None:
    server.queue(Reply(body=_annotated_stream()))
    full = _sum([chunk async for chunk in openai.astream("sky?")])
    details: dict[str, object] = {
        "end_index": 9,
        "start_index": 0,
        "title": "Sky",
        "url": "https://example.com/sky",
    }
    assert full.content == [TextBlock("Sky: blue", [Citation("url_citation", None, details)])]
    assert full.text == "Sky: blue"


@pytest.mark.parametrize(
    ("delta", "what"),
    [
        (b'{"audio":{"id":"a1","data":"UklGRg=="}}', "audio"),
        (b'{"function_call":{"name":"f","arguments":"{}"}}', "function_call"),
    ],
)
async def test_openai_output_rillet_cannot_represent_is_a_typed_error(
    server: FakeServer, openai: ChatOpenAI, delta: bytes, what: str
) -> None:
    head = b'data: {"id":"c1","model":"m","choices":[{"index":0,"delta":'
    body = (
        head + b'{"content":"Hi"},"finish_reason":null}]}\n\n'
        b"" + head + delta + b',"finish_reason":null}]}\n\n'
        b"data: [DONE]\n\n"
    )
    server.queue(Reply(body=body))
    with pytest.raises(UnsupportedOutputError, match=what) as caught:
        async for _ in openai.astream("x"):
            pass
    assert caught.value.partial_text == "Hi"
    assert what in caught.value.what


async def test_openai_logprobs_are_a_typed_error_not_dropped(
    server: FakeServer, openai: ChatOpenAI
) -> None:
    body = (
        b'data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},'
        b'"logprobs":{"content":[{"token":"Hi","logprob":-0.1}]},"finish_reason":null}]}\n\n'
        b"data: [DONE]\n\n"
    )
    server.queue(Reply(body=body))
    with pytest.raises(UnsupportedOutputError, match="logprobs"):
        async for _ in openai.astream("x"):
            pass
    whole = (
        b'{"id":"c1","model":"m","choices":[{"index":0,"message":{"role":"assistant",'
        b'"content":"Hi"},"logprobs":{"content":[]},"finish_reason":"stop"}]}'
    )
    server.queue(Reply(body=whole, content_type="application/json"))
    with pytest.raises(UnsupportedOutputError, match="logprobs"):
        await openai.ainvoke("x")


def _openrouter_chunk(delta: str, finish: str = "null") -> bytes:
    return (
        b'data: {"id":"gen-1","model":"anthropic/claude-sonnet-4.5","choices":[{"index":0,'
        b'"delta":' + delta.encode() + b',"finish_reason":' + finish.encode() + b"}]}\n\n"
    )


async def test_openrouter_reasoning_details_are_never_counted_twice_and_never_dropped(
    server: FakeServer, openai: ChatOpenAI
) -> None:
    # OpenRouter sends its reasoning twice: as `reasoning` (text) and as `reasoning_details`
    # (typed items, some with a signature or encrypted data that `reasoning` lacks).
    body = (
        _openrouter_chunk(
            '{"role":"assistant","content":"","reasoning":"Think","reasoning_details":'
            '[{"type":"reasoning.text","text":"Think","index":0,"format":"anthropic-claude-v1"}]}'
        )
        + _openrouter_chunk(
            '{"content":"","reasoning":" more.","reasoning_details":[{"type":"reasoning.text",'
            '"text":" more.","signature":"SIG1","index":0,"format":"anthropic-claude-v1"}]}'
        )
        + _openrouter_chunk(
            '{"content":"","reasoning_details":[{"type":"reasoning.summary",'
            '"summary":" Summed up.","index":1}]}'
        )
        + _openrouter_chunk(
            '{"content":"","reasoning":null,"reasoning_details":[{"type":"reasoning.encrypted",'
            '"data":"ENC1","index":2,"format":"openai-responses-v1"}]}'
        )
        + _openrouter_chunk('{"content":"","reasoning":null,"reasoning_details":[]}')
        + _openrouter_chunk('{"content":"Hi!"}', '"stop"')
        + b"data: [DONE]\n\n"
    )
    server.queue(Reply(body=body))
    chunks = [chunk async for chunk in openai.astream("x")]
    full = _sum(chunks)
    assert full.reasoning == "Think more. Summed up."  # the summary had no `reasoning` beside it
    assert full.text == "Hi!"
    assert full.content == [
        ReasoningBlock("Think more. Summed up.", signature="SIG1"),
        RedactedThinkingBlock("ENC1"),
        TextBlock("Hi!"),
    ]
    assert [chunk.content for chunk in chunks[:4]] == [
        [ReasoningBlock("Think")],
        [ReasoningBlock(" more.", signature="SIG1")],
        [ReasoningBlock(" Summed up.")],
        [RedactedThinkingBlock("ENC1")],
    ]

    whole = (
        b'{"id":"gen-1","model":"m","choices":[{"index":0,"finish_reason":"stop","message":'
        b'{"role":"assistant","content":"Hi!","reasoning":"Think more.","reasoning_details":['
        b'{"type":"reasoning.text","text":"Think more.","signature":"SIG1","index":0},'
        b'{"type":"reasoning.encrypted","data":"ENC1","index":1}]}}]}'
    )
    server.queue(Reply(body=whole, content_type="application/json"))
    message = await openai.ainvoke("x")
    assert message.content == [
        ReasoningBlock("Think more.", signature="SIG1"),
        RedactedThinkingBlock("ENC1"),
        TextBlock("Hi!"),
    ]

    unknown = _openrouter_chunk(
        '{"content":"","reasoning_details":[{"type":"reasoning.sparkle","x":1}]}'
    )
    server.queue(Reply(body=_openrouter_chunk('{"content":"Hi"}') + unknown))
    with pytest.raises(UnsupportedOutputError, match=r"reasoning\.sparkle") as caught:
        async for _ in openai.astream("x"):
            pass
    assert caught.value.partial_text == "Hi"


async def test_think_tags_in_content_are_text_unless_extract_reasoning(
    server: FakeServer,
) -> None:
    def chunk(content: str, finish: str = "null") -> bytes:
        return (
            b'data: {"id":"c1","model":"deepseek-r1","choices":[{"index":0,"delta":{"content":'
            + json.dumps(content).encode()
            + b'},"finish_reason":'
            + finish.encode()
            + b"}]}\n\n"
        )

    pieces = ["<thi", "nk>\nHmm, 2+2", ".\n</th", "ink>\n\n4", "."]
    body = b"".join(chunk(p) for p in pieces) + chunk("", '"stop"') + b"data: [DONE]\n\n"
    whole = (
        b'{"id":"c1","model":"deepseek-r1","choices":[{"index":0,"finish_reason":"stop",'
        b'"message":{"role":"assistant","content":"<think>\\nHmm, 2+2.\\n</think>\\n\\n4."}}]}'
    )
    plain = ChatOpenAI(base_url=server.base_url, api_key="sk-test-key")
    split = ChatOpenAI(base_url=server.base_url, api_key="sk-test-key", extract_reasoning=True)
    try:
        server.queue(Reply(body=body))
        full = _sum([c async for c in plain.astream("x")])
        assert (full.text, full.reasoning) == ("<think>\nHmm, 2+2.\n</think>\n\n4.", "")

        server.queue(Reply(body=body))
        chunks = [c async for c in split.astream("x")]
        assert [c.content for c in chunks if c.content] == [
            [ReasoningBlock("\nHmm, 2+2")],
            [ReasoningBlock(".\n")],
            "\n\n4",
            ".",
        ]
        full = _sum(chunks)
        assert (full.reasoning, full.text) == ("\nHmm, 2+2.\n", "\n\n4.")
        assert full.response_metadata.finish_reason == "stop"

        server.queue(Reply(body=whole, content_type="application/json"))
        message = await split.ainvoke("x")
        assert message.content == [ReasoningBlock("\nHmm, 2+2.\n"), TextBlock("\n\n4.")]
        server.queue(Reply(body=whole, content_type="application/json"))
        assert (await plain.ainvoke("x")).content == "<think>\nHmm, 2+2.\n</think>\n\n4."

        # Cut before the close tag: what was held back comes out, as reasoning, at the finish.
        cut = chunk("<think>Hmm</thi") + chunk("", '"length"') + b"data: [DONE]\n\n"
        server.queue(Reply(body=cut))
        full = _sum([c async for c in split.astream("x")])
        assert (full.reasoning, full.text) == ("Hmm</thi", "")
        # A reply that does not start with the tag is text, whatever it says later.
        later = chunk("Use <think>") + chunk(" tags", '"stop"') + b"data: [DONE]\n\n"
        server.queue(Reply(body=later))
        full = _sum([c async for c in split.astream("x")])
        assert (full.reasoning, full.text) == ("", "Use <think> tags")
    finally:
        await plain.aclose()
        await split.aclose()


async def test_anthropic_redacted_thinking_and_citations_stream_and_round_trip(
    server: FakeServer, anthropic: ChatAnthropic
) -> None:
    reply = Reply(
        tokens=["The grass", " is green."],
        reasoning=["Look", " it up."],
        redacted_thinking=["EncryptedOne", "EncryptedTwo"],
        citations=[CITATION, SECOND_CITATION],
    )
    server.queue(reply)
    chunks = [chunk async for chunk in anthropic.astream("what color is grass?")]
    full = _sum(chunks)
    assert isinstance(full.content, list)
    redacted, second, thinking, text = full.content
    assert (redacted, second) == (
        RedactedThinkingBlock("EncryptedOne"),
        RedactedThinkingBlock("EncryptedTwo"),
    )
    assert isinstance(thinking, ReasoningBlock)
    assert thinking.reasoning == "Look it up."
    assert thinking.signature is not None
    expected_citations = [
        Citation(
            "char_location",
            "The grass is green.",
            {
                "document_index": 0,
                "document_title": "Facts",
                "start_char_index": 0,
                "end_char_index": 20,
            },
        ),
        Citation(  # a null field is left out
            "page_location",
            "The sky is blue.",
            {"document_index": 1, "start_page_number": 1, "end_page_number": 2},
        ),
    ]
    assert text == TextBlock("The grass is green.", expected_citations)
    assert (full.text, full.reasoning) == ("The grass is green.", "Look it up.")

    server.queue(reply)
    message = await anthropic.ainvoke("what color is grass?")  # whole: the same blocks
    assert isinstance(message, AIMessage)
    assert isinstance(message.content, list)
    whole_thinking = message.content[2]
    assert isinstance(whole_thinking, ReasoningBlock)
    assert whole_thinking.signature is not None  # each request gets its own signature
    assert message.content == [
        redacted,
        second,
        ReasoningBlock("Look it up.", whole_thinking.signature),
        text,
    ]

    # Back in the history: redacted thinking verbatim, thinking with its signature, the text with
    # its citations, all in the Messages API's own shape.
    server.queue(Reply(tokens=["ok"]))
    await anthropic.ainvoke([("human", "grass?"), full.to_message(), ("human", "and?")])
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "redacted_thinking", "data": "EncryptedOne"},
            {"type": "redacted_thinking", "data": "EncryptedTwo"},
            {"type": "thinking", "thinking": "Look it up.", "signature": thinking.signature},
            {
                "type": "text",
                "text": "The grass is green.",
                "citations": [
                    CITATION,
                    {k: v for k, v in SECOND_CITATION.items() if v is not None},
                ],
            },
        ],
    }


async def test_anthropic_block_or_delta_rillet_does_not_know_is_a_typed_error(
    server: FakeServer, anthropic: ChatAnthropic
) -> None:
    def event(name: str, data: str) -> bytes:
        return f"event: {name}\ndata: {data}\n\n".encode()

    start = event(
        "message_start",
        '{"type":"message_start","message":{"id":"m1","model":"c","content":[],'
        '"usage":{"input_tokens":1,"output_tokens":1}}}',
    )
    text = event(
        "content_block_start",
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
    ) + event(
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}',
    )
    unknown_delta = event(
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"sparkle_delta","x":1}}',
    )
    unknown_block = event(
        "content_block_start",
        '{"type":"content_block_start","index":1,"content_block":'
        '{"type":"web_search_tool_result","tool_use_id":"s1","content":[]}}',
    )
    for tail, what in ((unknown_delta, "sparkle_delta"), (unknown_block, "web_search_tool_result")):
        server.queue(
            Reply(body=start + text + tail + event("message_stop", '{"type":"message_stop"}'))
        )
        with pytest.raises(UnsupportedOutputError, match=what) as caught:
            async for _ in anthropic.astream("x"):
                pass
        assert caught.value.partial_text == "Hi"


async def test_anthropic_server_tool_use_is_a_typed_error_never_a_tool_call(
    server: FakeServer, anthropic: ChatAnthropic
) -> None:
    # Anthropic's server runs its own tools (web search...): the stream announces the call in a
    # `server_tool_use` block (args as `input_json_delta`s, like a client tool) and then its
    # result block. Read as a tool call, the caller would run a tool the server already ran.
    def event(name: str, data: str) -> bytes:
        return f"event: {name}\ndata: {data}\n\n".encode()

    body = (
        event(
            "message_start",
            '{"type":"message_start","message":{"id":"m1","model":"c","content":[],'
            '"usage":{"input_tokens":1,"output_tokens":1}}}',
        )
        + event(
            "content_block_start",
            '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        )
        + event(
            "content_block_delta",
            '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta",'
            '"text":"Let me search."}}',
        )
        + event("content_block_stop", '{"type":"content_block_stop","index":0}')
        + event(
            "content_block_start",
            '{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use",'
            '"id":"srvtoolu_1","name":"web_search","input":{}}}',
        )
        + event(
            "content_block_delta",
            '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",'
            '"partial_json":"{\\"query\\": \\"rillet\\"}"}}',
        )
        + event("content_block_stop", '{"type":"content_block_stop","index":1}')
        + event("message_stop", '{"type":"message_stop"}')
    )
    server.queue(Reply(body=body))
    chunks: list[AIMessageChunk] = []
    with pytest.raises(UnsupportedOutputError, match="server_tool_use") as caught:
        async for chunk in anthropic.astream("x"):
            chunks.append(chunk)
    assert caught.value.partial_text == "Let me search."
    assert "server_tool_use" in caught.value.what
    assert "remove the server tool" in str(caught.value)
    assert _sum(chunks).text == "Let me search."
    assert not any(chunk.tool_call_chunks for chunk in chunks)

    whole = (
        b'{"id":"m1","model":"c","stop_reason":"end_turn","usage":{"input_tokens":1,'
        b'"output_tokens":2},"content":[{"type":"server_tool_use","id":"srvtoolu_1",'
        b'"name":"web_search","input":{"query":"rillet"}},{"type":"text","text":"Found."}]}'
    )
    server.queue(Reply(body=whole, content_type="application/json"))
    with pytest.raises(UnsupportedOutputError, match="server_tool_use"):
        await anthropic.ainvoke("x")


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").decode()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF").decode()


async def test_ollama_output_images_are_image_blocks(server: FakeServer) -> None:
    # Ollama's /api/chat message has `images` (base64, no media type) both ways; a model that
    # outputs images sends them there.
    head = b'{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant",'
    lines = (
        head + b'"content":"Here:"},"done":false}\n'
        b"" + head + b'"content":"","images":["' + PNG.encode() + b'"]},"done":false}\n'
        b"" + head + b'"content":" and","images":["' + JPEG.encode() + b'"]},"done":false}\n'
        b"" + head + b'"content":""},"done":true,"done_reason":"stop",'
        b'"prompt_eval_count":3,"eval_count":4}\n'
    )
    expected: list[object] = [
        TextBlock("Here:"),
        ImageBlock(base64=PNG, mime_type="image/png"),
        TextBlock(" and"),
        ImageBlock(base64=JPEG, mime_type="image/jpeg"),
    ]
    model = ChatOllama(model="m", base_url=server.root_url)
    try:
        server.queue(Reply(body=lines))
        chunks = [chunk async for chunk in model.astream("draw")]
        assert [chunk.content for chunk in chunks[:4]] == [
            "Here:",
            [ImageBlock(base64=PNG, mime_type="image/png")],
            [TextBlock(" and"), ImageBlock(base64=JPEG, mime_type="image/jpeg")],
            "",
        ]
        full = _sum(chunks)
        assert full.content == expected
        assert full.text == "Here: and"

        whole = (
            b'{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant",'
            b'"content":"Here:","images":["' + PNG.encode() + b'"]},"done":true,'
            b'"done_reason":"stop","prompt_eval_count":3,"eval_count":4}'
        )
        server.queue(Reply(body=whole, content_type="application/json"))
        message = await model.ainvoke("draw")
        assert message.content == [
            TextBlock("Here:"),
            ImageBlock(base64=PNG, mime_type="image/png"),
        ]

        bitmap = base64.b64encode(b"BM\x00\x00\x00\x00").decode().encode()
        server.queue(
            Reply(body=head + b'"content":"Hi","images":["' + bitmap + b'"]},"done":false}\n')
        )
        with pytest.raises(UnsupportedOutputError, match="PNG, JPEG, GIF or WebP") as caught:
            async for _ in model.astream("draw"):
                pass
        assert caught.value.partial_text == ""  # the image came on the line of the first text
        assert "message.images" in caught.value.what
    finally:
        await model.aclose()


async def test_ollama_logprobs_are_a_typed_error_not_dropped(server: FakeServer) -> None:
    lines = (
        b'{"model":"qwen3","message":{"role":"assistant","content":"Hi"},"done":false}\n'
        b'{"model":"qwen3","message":{"role":"assistant","content":"!"},"done":false,'
        b'"logprobs":[{"token":"!","logprob":-0.2}]}\n'
    )
    model = ChatOllama(model="qwen3", base_url=server.root_url)
    try:
        server.queue(Reply(body=lines))
        with pytest.raises(UnsupportedOutputError, match="logprobs") as caught:
            async for _ in model.astream("x"):
                pass
        assert caught.value.partial_text == "Hi"
        whole = (
            b'{"model":"qwen3","message":{"role":"assistant","content":"Hi!"},"done":true,'
            b'"done_reason":"stop","logprobs":[]}'
        )
        server.queue(Reply(body=whole, content_type="application/json"))
        with pytest.raises(UnsupportedOutputError, match="logprobs"):
            await model.ainvoke("x")
    finally:
        await model.aclose()
