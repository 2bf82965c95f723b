"""Running the ``rillet`` command once its arguments are parsed (``_rillet_cli``, beside this
package, parses them without importing rillet): stream a chat model's reply to stdout as it
arrives.

::

    rillet "Write me a 1 verse song about sparkling water."       # ChatOpenAI, $OPENAI_API_KEY
    echo "Tell me a joke" | rillet --provider anthropic --model claude-sonnet-4-5 --system "Be brief."
    rillet --base-url http://localhost:8000/v1 --model llama3 --temperature 0 --max-tokens 64 "hi"
    rillet --events "hi"      # every event as one JSON line (LangChain's astream_events v2 shape)
    rillet --json "hi"        # the final message as one JSON object, usage included
    rillet --fake "hi"        # against the embedded fake server (needs rillet[server]); no key

The provider's models are imported when the request is made. Exit codes: see
``_rillet_cli.EXIT_CODES``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, Literal, TextIO

from _rillet_cli import (
    AUTH,
    BROKEN_PIPE,
    CONNECTION,
    ERROR,
    OK,
    RATE_LIMIT,
    REQUEST,
    SERVER,
    STREAM,
    USAGE,
)

if TYPE_CHECKING:
    from ._facade.chat_model import BaseChatModel
    from ._values.errors import RilletError
    from ._values.messages import AnyMessage

Provider = Literal["openai", "anthropic", "ollama"]
DEFAULT_MODELS: Final[dict[Provider, str]] = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-sonnet-4-5",
    "ollama": "llama3.2",
}

_DIM: Final = "\x1b[2m"
_RESET: Final = "\x1b[0m"


def use_color(stream: TextIO) -> bool:
    """ANSI styling only on a terminal, when ``NO_COLOR`` is unset or empty and TERM isn't dumb."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def make_model(
    args: argparse.Namespace, base_url: str | None, api_key: str | None
) -> BaseChatModel:
    """The chat model the arguments name (imports the provider only now)."""
    provider: Provider = args.provider
    model: str = args.model or DEFAULT_MODELS[provider]
    if provider == "anthropic":
        from ._providers.anthropic.models import ChatAnthropic

        return ChatAnthropic(
            model=model,
            temperature=args.temperature,
            max_tokens=1024 if args.max_tokens is None else args.max_tokens,
            base_url=base_url,
            api_key=api_key,
        )
    if provider == "ollama":
        from ._providers.ollama.models import ChatOllama

        return ChatOllama(
            model=model,
            temperature=args.temperature,
            num_predict=args.max_tokens,
            base_url=base_url,
        )
    from ._providers.openai.chat_model import ChatOpenAI

    return ChatOpenAI(
        model=model,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        base_url=base_url,
        api_key=api_key,
    )


def exit_code(error: RilletError) -> int:
    """The exit code of an error class (see `EXIT_CODES`)."""
    from ._values import errors as e

    if isinstance(error, e.StreamError):
        return STREAM
    if isinstance(error, e.AuthenticationError | e.PermissionDeniedError):
        return AUTH
    if isinstance(error, e.RateLimitError):
        return RATE_LIMIT
    if isinstance(error, e.InternalServerError):
        return SERVER
    if isinstance(error, e.APIStatusError):
        return REQUEST
    if isinstance(error, e.APIConnectionError):
        return CONNECTION
    if isinstance(error, e.ConfigError | e.InvalidInputError):
        return USAGE
    return ERROR


def error_line(error: BaseException) -> str:
    """One line for stderr: the class, the message's first line, the request id when known."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    line = (
        f"rillet: {type(error).__name__}: {message}"
        if message
        else f"rillet: {type(error).__name__}"
    )
    request_id = getattr(error, "request_id", None)
    if isinstance(request_id, str) and request_id:
        line += f" (request id: {request_id})"
    return line


@contextlib.contextmanager
def _fake_base_url(provider: Provider) -> Iterator[str]:
    from .testing import FakeServer

    with FakeServer() as server:
        yield server.base_url if provider == "openai" else server.root_url


def run(args: argparse.Namespace, prompt: str, stdout: TextIO, stderr: TextIO) -> int:
    """Stream the reply for ``prompt`` to ``stdout``; errors become one line on ``stderr``."""
    from ._values.errors import RilletError

    with contextlib.ExitStack() as stack:
        base_url: str | None = args.base_url
        api_key: str | None = None
        if args.fake:
            base_url = stack.enter_context(_fake_base_url(args.provider))
            api_key = "fake"
        try:
            model = make_model(args, base_url, api_key)
            messages = _messages(args.system, prompt)
            if args.events:
                _print_events(model, messages, stdout)
            elif args.json:
                _print_json(model, messages, stdout)
            else:
                _print_text(model, messages, stdout, reasoning=args.reasoning)
        except RilletError as error:
            _end_line(stdout)
            print(error_line(error), file=stderr, flush=True)
            return exit_code(error)
    return OK


def _messages(system: str | None, prompt: str) -> list[AnyMessage]:
    from ._values.messages import HumanMessage, SystemMessage

    messages: list[AnyMessage] = [] if system is None else [SystemMessage(system)]
    messages.append(HumanMessage(prompt))
    return messages


_at_line_start = True


def _write(stdout: TextIO, text: str) -> None:
    global _at_line_start
    if text:
        stdout.write(text)
        stdout.flush()
        _at_line_start = text.endswith("\n")


def _end_line(stdout: TextIO) -> None:
    if not _at_line_start and stdout.isatty():
        _write(stdout, "\n")


def _print_text(
    model: BaseChatModel, messages: list[AnyMessage], stdout: TextIO, *, reasoning: bool
) -> None:
    color = use_color(stdout)
    show_reasoning = reasoning or stdout.isatty()
    in_reasoning = False
    with model.stream(messages) as stream:
        for chunk in stream:
            if show_reasoning and (thought := chunk.reasoning):
                if color and not in_reasoning:
                    _write(stdout, _DIM)
                in_reasoning = True
                _write(stdout, thought)
            if text := chunk.text:
                if in_reasoning:
                    _write(stdout, (_RESET if color else "") + "\n\n")
                    in_reasoning = False
                _write(stdout, text)
    if in_reasoning and color:
        _write(stdout, _RESET)
    _end_line(stdout)


def _print_events(model: BaseChatModel, messages: list[AnyMessage], stdout: TextIO) -> None:
    import msgspec

    encode = msgspec.json.Encoder().encode
    with model.stream_events(messages, version="v2") as stream:
        for event in stream:
            _write(stdout, encode(event).decode() + "\n")


def _print_json(model: BaseChatModel, messages: list[AnyMessage], stdout: TextIO) -> None:
    import msgspec

    from ._values.messages import AIMessageChunk

    total: AIMessageChunk | None = None
    with model.stream(messages) as stream:
        for chunk in stream:
            total = chunk if total is None else total + chunk
    message = (total or AIMessageChunk()).to_message()
    _write(stdout, msgspec.json.encode(message).decode() + "\n")


def execute(args: argparse.Namespace, prompt: str) -> int:
    """Run the parsed command for ``prompt``; returns the exit code (a closed stdout included;
    Ctrl-C is ``_rillet_cli.console_main``'s: it ends the process at once)."""
    stdout, stderr = sys.stdout, sys.stderr
    try:
        return run(args, prompt, stdout, stderr)
    except BrokenPipeError:
        # The reader went away: stop writing (and keep Python's exit flush from failing again).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
