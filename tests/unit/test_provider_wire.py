"""The pure halves of the providers: request bodies and settings, and the stream readers fed
without any I/O (every recording one byte at a time, the 285 KB one included)."""

from __future__ import annotations

from typing import TypeVar

import msgspec
import pytest

from rillet import Anthropic, GenerationChunk, OpenAIChat, TokenUsage, UnexpectedToolCallError
from rillet._providers.anthropic.api import MessagesApi
from rillet._providers.anthropic.read import AnthropicReader
from rillet._providers.anthropic.wire import AnthropicUsage
from rillet._providers.ollama.api import ollama_host
from rillet._providers.ollama.read import OllamaReader
from rillet._providers.openai.api import ChatApi
from rillet._providers.openai.read import ChatStreamReader
from rillet._providers.openai.wire import chat_chunk_decoder
from rillet._values.inputs import chat_messages
from rillet._values.outputs import GenerationBuilder
from rillet._wire.reader import StreamReader
from tests._helpers.recordings import recording, recordings

Frame = TypeVar("Frame")


def chat_api() -> ChatApi:
    # The facade only resolves settings here: no client is made before a request.
    llm = OpenAIChat(model="m", base_url="http://127.0.0.1:1/v1", default_headers={"x-extra": "1"})
    return ChatApi(llm.settings)


def test_chat_messages_keep_roles() -> None:
    assert chat_messages("hi") == [{"role": "user", "content": "hi"}]
    assert chat_messages(
        [("system", "Be brief."), ("human", "Hi"), {"role": "ai", "content": "Yo"}]
    ) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Yo"},
    ]


def test_chat_body_sends_messages_not_a_flattened_prompt() -> None:
    api = chat_api()
    body = msgspec.json.decode(api.body([("system", "S"), ("user", "U")], None, {}, stream=False))
    assert body == {
        "model": "m",
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}],
    }
    assert api.url == "http://127.0.0.1:1/v1/chat/completions"
    assert api.headers(stream=True)["x-extra"] == "1"


def test_anthropic_system_messages_go_to_the_system_field() -> None:
    settings = Anthropic(
        model="c",
        max_tokens=10,
        system="Base.",
        api_key="k",
        extra_body={"metadata": {"user_id": "u"}},
    ).settings
    api = MessagesApi(settings)
    assert api.url == "https://api.anthropic.com/v1/messages"
    body = msgspec.json.decode(
        api.body([("system", "Be brief."), ("human", "Hi")], ["Z"], {}, stream=True)
    )
    assert body == {
        "model": "c",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "system": "Base.\n\nBe brief.",
        "stop_sequences": ["Z"],
        "metadata": {"user_id": "u"},
    }


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("0.0.0.0", "http://0.0.0.0:11434"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://ollama.local", "http://ollama.local:11434"),
        ("https://ollama.example.com/", "https://ollama.example.com"),
        ("https://example.com:8443/ollama", "https://example.com:8443/ollama"),
    ],
)
def test_ollama_host_is_read_as_the_cli_reads_it(value: str, url: str) -> None:
    assert ollama_host(value) == url


def test_anthropic_usage_fields_are_replaced_one_by_one() -> None:
    start = AnthropicUsage(input_tokens=10, output_tokens=1, cache_read_input_tokens=5)
    end = start.updated(AnthropicUsage(output_tokens=30))
    assert end == AnthropicUsage(input_tokens=10, output_tokens=30, cache_read_input_tokens=5)
    assert end.token_usage() == TokenUsage(prompt_tokens=15, completion_tokens=30, total_tokens=45)


def test_groq_usage_is_read_from_x_groq() -> None:
    chunk = chat_chunk_decoder().decode(
        b'{"choices":[],"x_groq":{"id":"r","usage":{"prompt_tokens":1,"completion_tokens":2,'
        b'"total_tokens":3,"queue_time":0.1}}}'
    )
    assert chunk.reported_usage == TokenUsage(1, 2, 3)


def feed_bytewise(
    reader: StreamReader[Frame, GenerationChunk], body: bytes
) -> list[GenerationChunk]:
    chunks: list[GenerationChunk] = []
    for index in range(len(body)):
        for frame in reader.frames.feed(body[index : index + 1]):
            piece = reader.feed(frame)
            if piece is not None:
                chunks.append(piece)
    for frame in reader.frames.flush():
        piece = reader.feed(frame)
        if piece is not None:
            chunks.append(piece)
    reader.finish()
    return chunks


@pytest.mark.parametrize(
    "name",
    [n for p in ("openai-chat-", "groq-", "novita-", "together-") for n in recordings(p)]
    + recordings("anthropic-")
    + recordings("ollama-generate-"),
)
def test_readers_fed_one_byte_at_a_time(name: str) -> None:
    rec = recording(name)
    builder = GenerationBuilder()

    def read() -> list[GenerationChunk]:
        if name.startswith("anthropic-"):
            return feed_bytewise(AnthropicReader(builder, url="u"), rec.body)
        if name.startswith("ollama-"):
            return feed_bytewise(OllamaReader(builder, url="u"), rec.body)
        return feed_bytewise(ChatStreamReader(builder, url="u"), rec.body)

    if "tool" in name:  # the string LLMs' readers refuse a tool call (issue 13)
        with pytest.raises(UnexpectedToolCallError) as refused:
            read()
        assert rec.text.startswith(refused.value.partial_text)
        return
    chunks = read()
    assert "".join(c.text for c in chunks) == rec.text
    assert all(c.text for c in chunks)
    assert builder.text(0) == rec.text
