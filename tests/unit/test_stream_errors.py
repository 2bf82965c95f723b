"""The pure pieces behind reliable streams: the error tree, what a reader accepts and reports at
EOF, and how credentials are taken out of what a server sends back."""

from __future__ import annotations

import pytest

from rillet import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    EmptyStreamError,
    IncompleteStreamError,
    StreamError,
    StreamFormatError,
    StreamInterruptedError,
    StreamTimeoutError,
    UnexpectedContentTypeError,
)
from rillet._providers.ollama.read import OllamaReader
from rillet._providers.openai.read import CompletionsStreamReader
from rillet._values.errors import status_error
from rillet._values.outputs import GenerationBuilder, GenerationChunk
from rillet._values.secret import REDACTED, Redactor, credentials
from rillet._wire.reader import media_type


def test_the_tree_says_what_each_error_also_is() -> None:
    assert issubclass(StreamInterruptedError, StreamError)
    assert issubclass(StreamInterruptedError, APIConnectionError)
    assert issubclass(StreamTimeoutError, StreamInterruptedError)
    assert issubclass(StreamTimeoutError, APITimeoutError)
    assert issubclass(EmptyStreamError, IncompleteStreamError)
    assert issubclass(UnexpectedContentTypeError, StreamFormatError)
    error = StreamTimeoutError("m", partial_text="Hel", request_id="r", status_code=200)
    assert (error.partial_text, error.request_id, error.status_code, error.raw) == (
        "Hel",
        "r",
        200,
        b"",
    )


def test_a_redirect_error_names_its_target() -> None:
    error = status_error(
        307,
        body="",
        request_id=None,
        headers={"location": "https://elsewhere.example/v1"},
        method="POST",
        url="https://api.example/v1/completions",
    )
    assert type(error) is APIStatusError
    assert "https://elsewhere.example/v1" in str(error)
    assert "follows no redirect" in str(error)


@pytest.mark.parametrize(
    ("content_type", "sse", "ndjson"),
    [
        ("text/event-stream", True, True),
        ("text/event-stream; charset=utf-8", True, True),
        ("application/x-ndjson", True, True),
        (None, True, True),
        ("text/plain", True, True),
        ("application/octet-stream", True, True),
        ("application/json", False, True),
        ("application/problem+json", False, True),
        ("Application/JSON; charset=utf-8", False, True),
        ("text/html", False, False),
        ("text/html; charset=utf-8", False, False),
        ("application/xhtml+xml", False, False),
        ("application/xml", False, False),
    ],
)
def test_which_content_types_are_read_as_a_stream(
    content_type: str | None, sse: bool, ndjson: bool
) -> None:
    assert CompletionsStreamReader(GenerationBuilder(), url="u").accepts(content_type) is sse
    assert OllamaReader(GenerationBuilder(), url="u").accepts(content_type) is ndjson


def test_media_type() -> None:
    assert media_type(" Text/HTML ; charset=utf-8") == "text/html"
    assert media_type(None) == ""


def reader_after(body: bytes) -> CompletionsStreamReader:
    reader = CompletionsStreamReader(GenerationBuilder(), url="http://x/v1/completions")
    reader.status_code, reader.request_id = 200, "req_1"
    for frame in reader.frames.feed(body):
        reader.feed(frame)
    reader.frames.flush()
    return reader


def test_eof_mid_event_reports_the_partial_event() -> None:
    tail = b'data: {"choices":[{"text":"lo","index":0}]}\n\ndata: {"choi'
    reader = reader_after(b'data: {"choices":[{"text":"Hel","index":0}]}\n\n' + tail)
    with pytest.raises(IncompleteStreamError) as caught:
        reader.finish(head=None, tail=tail)
    error = caught.value
    assert error.partial_text == "Hello"
    assert error.raw == b'data: {"choi'
    assert (error.status_code, error.request_id) == (200, "req_1")


def test_eof_on_an_event_boundary_has_no_partial_event() -> None:
    body = b'data: {"choices":[{"text":"Hel","index":0}]}\n\n'
    with pytest.raises(IncompleteStreamError) as caught:
        reader_after(body).finish(head=None, tail=body)
    assert caught.value.raw == b""


def test_eof_without_any_frame() -> None:
    reader = reader_after(b"")
    with pytest.raises(EmptyStreamError):
        reader.finish(head=b"", tail=b"")
    with pytest.raises(StreamFormatError) as caught:
        reader.finish(head=b'{"error":{"message":"prompt too long"}}', tail=b"")
    assert caught.value.body == {"message": "prompt too long"}
    assert "prompt too long" in str(caught.value)
    assert type(caught.value) is StreamFormatError


def test_a_reader_that_saw_text_produced_something() -> None:
    reader = reader_after(b"")
    assert reader.produced_nothing()
    reader.builder.add_chunk(0, GenerationChunk("x"))
    assert not reader.produced_nothing()


# -- credentials -------------------------------------------------------------------------------


def test_credentials_are_found_in_the_request_headers() -> None:
    headers = [
        ("content-type", "application/json"),
        ("authorization", "Bearer sk-abcdefghijkl"),
        ("x-api-key", "sk-ant-0123456789"),
        ("api-key", "short"),  # too short to be a key worth hiding
        ("x-custom-token", "tok_0123456789"),
        ("user-agent", "rillet/0.1 something-long-enough"),
    ]
    assert set(credentials(headers)) == {
        "Bearer sk-abcdefghijkl",
        "sk-abcdefghijkl",
        "sk-ant-0123456789",
        "tok_0123456789",
    }


def test_redactor_replaces_secrets_everywhere() -> None:
    redactor = Redactor(["sk-abcdefghijkl"])
    assert redactor.text("key sk-abcdefghijkl!") == f"key {REDACTED}!"
    assert redactor.bytes(b"key sk-abcdefghijkl") == f"key {REDACTED}".encode()
    assert redactor.value({"error": {"message": ["sk-abcdefghijkl"]}, "n": 1}) == {
        "error": {"message": [REDACTED]},
        "n": 1,
    }
    assert not Redactor([])
    assert Redactor([]).value("sk-abcdefghijkl") == "sk-abcdefghijkl"
