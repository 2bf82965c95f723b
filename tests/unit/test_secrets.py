"""A planted API key never shows: not in reprs, exceptions (even when the server echoes it),
log records (DEBUG, httpx and httpcore included) or event metadata; and it is never sent to
another origin, because rillet follows no redirect.

Both twins are exercised here (the sync API, and the async one through anyio), so this file is
not generated.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator

import httpx
import msgspec
import pytest

from rillet import (
    Anthropic,
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BaseLLM,
    IncompleteStreamError,
    OpenAI,
    OpenAIChat,
    RilletError,
    Secret,
    StreamProviderError,
    UnexpectedContentTypeError,
)
from rillet.testing import FakeServer, Reply

KEY = "sk-planted-4f1c9e2a7b3d8c6e1a0b"
PROMPT = "Tell me about goldfish."

MakeModel = Callable[..., BaseLLM]


@pytest.fixture
def server(reused_server: FakeServer) -> FakeServer:
    return reused_server


@pytest.fixture(params=["openai", "chat", "anthropic"])
def make_model(request: pytest.FixtureRequest, server: FakeServer) -> Iterator[MakeModel]:
    """Models holding the planted key: OpenAI's sends it as ``Authorization: Bearer``,
    Anthropic's as ``x-api-key``."""
    made: list[BaseLLM] = []

    def make(**kwargs: object) -> BaseLLM:
        model: BaseLLM
        if request.param == "openai":
            model = OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, **kwargs)  # type: ignore[arg-type]  # test kwargs
        elif request.param == "chat":
            model = OpenAIChat(base_url=server.base_url, api_key=KEY, max_retries=0, **kwargs)  # type: ignore[arg-type]  # test kwargs
        else:
            model = Anthropic(
                model="claude-test",
                base_url=server.root_url,
                api_key=KEY,
                max_retries=0,
                **kwargs,  # type: ignore[arg-type]  # test kwargs
            )
        made.append(model)
        return model

    yield make
    for model in made:
        model.close()


def everything_about(error: BaseException) -> str:
    """Every text an error can show: message, repr, attributes, and the whole traceback with
    its causes (what a log handler's ``exc_info`` would print)."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for name in ("body", "raw", "headers", "partial_text", "url", "request_id"):
        parts.append(repr(getattr(error, name, None)))
    return "\n".join(parts)


# The faults a server may answer with, each echoing the key it received somewhere.
ECHOES = {
    "401 body": Reply(
        status=401,
        error_body=b'{"error":{"message":"Incorrect API key provided: '
        + KEY.encode()
        + b'","type":"invalid_request_error","code":"invalid_api_key"}}',
    ),
    "401 header": Reply(status=401, headers={"x-echo": KEY}),
    "500 text": Reply(status=500, error_body=b"upstream said: Bearer " + KEY.encode()),
    "error event": Reply(error_after=2, error_message=f"key {KEY} was revoked"),
    "html page": Reply(
        body=b"<html>denied for " + KEY.encode() + b"</html>", content_type="text/html"
    ),
    "truncated": Reply(
        body=b'data: {"choices":[{"text":"Hi","index":0}]}\n\ndata: {"error": "' + KEY.encode()
    ),
}
EXPECTED: dict[str, type[RilletError]] = {
    "401 body": AuthenticationError,
    "401 header": AuthenticationError,
    "500 text": APIStatusError,
    "error event": StreamProviderError,
    "html page": UnexpectedContentTypeError,
    "truncated": IncompleteStreamError,
}


def test_key_is_absent_from_reprs(make_model: MakeModel) -> None:
    model = make_model()
    settings = model.settings  # type: ignore[attr-defined]  # every provider model has them
    for text in (repr(model), str(model), repr(settings), str(settings), repr(settings.api_key)):
        assert KEY not in text
    assert settings.api_key.get_secret_value() == KEY
    with pytest.raises(TypeError):
        msgspec.json.encode(settings)  # a Secret does not serialize, even by accident


def test_secret_hides_itself() -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret) + str(secret) + f"{secret}" + f"{secret!r}"
    assert secret == Secret(KEY)
    with pytest.raises(TypeError, match="pickled"):
        secret.__reduce__()


@pytest.mark.parametrize("echo", list(ECHOES))
def test_key_is_absent_from_errors_and_logs(
    server: FakeServer, make_model: MakeModel, caplog: pytest.LogCaptureFixture, echo: str
) -> None:
    model = make_model()
    server.queue(ECHOES[echo])
    caplog.set_level(logging.DEBUG)  # every logger, httpx's and httpcore's included
    with pytest.raises(RilletError) as caught:
        for _ in model.stream(PROMPT):
            pass
    if not (echo == "truncated" and isinstance(model, Anthropic)):  # not its event format
        assert isinstance(caught.value, EXPECTED[echo])
    # The key did go to the server it was meant for...
    sent = server.requests[0].headers
    assert KEY in sent.get("authorization", "") + sent.get("x-api-key", "")
    # ...and comes back nowhere.
    assert KEY not in everything_about(caught.value)
    assert caplog.records  # httpx/httpcore did log this request
    if echo == "401 header":
        # httpcore's DEBUG trace prints response headers as received: a server that echoes the
        # key in a header shows it there (request headers, the key's own, are never logged).
        return
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
    assert KEY not in caplog.text


def test_key_is_absent_from_a_connection_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        OpenAI(base_url="http://127.0.0.1:9/v1", api_key=KEY, max_retries=0) as llm,
        pytest.raises(APIConnectionError) as caught,
    ):
        llm.invoke(PROMPT)
    assert KEY not in everything_about(caught.value)
    assert KEY not in caplog.text


def test_key_is_absent_from_event_metadata(server: FakeServer, make_model: MakeModel) -> None:
    server.queue(Reply(tokens=["Gold", "fish"]))
    events = list(make_model().stream_events(PROMPT, {"metadata": {"user": "u1"}}))
    assert events
    for event in events:
        assert KEY not in msgspec.json.encode(event).decode()
        assert KEY not in repr(event)


@pytest.mark.anyio
async def test_async_errors_and_logs_hide_the_key(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.queue(ECHOES["401 body"], ECHOES["error event"])
    async with OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0) as llm:
        with pytest.raises(AuthenticationError) as status:
            await llm.ainvoke(PROMPT)
        with pytest.raises(StreamProviderError) as in_stream:
            async for _ in llm.astream(PROMPT):
                pass
        events = []
        server.queue(Reply(tokens=["Gold", "fish"]))
        async for event in llm.astream_events(PROMPT):
            events.append(msgspec.json.encode(event).decode())
    assert "Incorrect API key provided" in str(status.value)
    assert KEY not in everything_about(status.value)
    assert KEY not in everything_about(in_stream.value)
    assert KEY not in "".join(events)
    assert KEY not in caplog.text


# -- redirects: never followed, so the key never reaches another origin ------------------------------


@pytest.fixture
def elsewhere() -> Iterator[FakeServer]:
    with FakeServer() as other:
        yield other


@pytest.mark.parametrize("follow", [False, True])
def test_a_redirect_to_another_origin_is_not_followed(
    server: FakeServer, elsewhere: FakeServer, follow: bool
) -> None:
    target = f"{elsewhere.base_url}/completions"
    server.queue(Reply(status=307, headers={"location": target}))
    # Even a caller's client that follows redirects does not follow rillet's requests.
    with httpx.Client(follow_redirects=follow) as client:
        llm = OpenAI(base_url=server.base_url, api_key=KEY, http_client=client)
        with pytest.raises(APIStatusError) as caught:
            llm.invoke(PROMPT)
    assert caught.value.status_code == 307
    assert target in str(caught.value)
    assert "follows no redirect" in str(caught.value)
    assert len(server.requests) == 1  # a redirect is not retried either
    assert elsewhere.requests == []


@pytest.mark.anyio
async def test_a_redirect_is_not_followed_by_the_async_twin(
    server: FakeServer, elsewhere: FakeServer
) -> None:
    server.queue(Reply(status=308, headers={"location": f"{elsewhere.base_url}/completions"}))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        llm = OpenAI(base_url=server.base_url, api_key=KEY, http_async_client=client)
        with pytest.raises(APIStatusError) as caught:
            async for _ in llm.astream(PROMPT):
                pass
    assert caught.value.status_code == 308
    assert elsewhere.requests == []
