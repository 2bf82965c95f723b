"""The ``rillet`` command: stream a chat model's reply to stdout as it arrives.

::

    rillet "Write me a 1 verse song about sparkling water."       # ChatOpenAI, $OPENAI_API_KEY
    echo "Tell me a joke" | rillet --provider anthropic --model claude-sonnet-4-5 --system "Be brief."
    rillet --base-url http://localhost:8000/v1 --model llama3 --temperature 0 --max-tokens 64 "hi"
    rillet --events "hi"      # every event as one JSON line (LangChain's astream_events v2 shape)
    rillet --json "hi"        # the final message as one JSON object, usage included
    rillet --fake "hi"        # against the embedded fake server (needs rillet[server]); no key

Only ``argparse`` is imported before the arguments are parsed; the models (and httpx under them)
are imported when a request is made. Exit codes: see `EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final, Literal, TextIO

if TYPE_CHECKING:
    from ._facade.chat_model import BaseChatModel
    from ._values.errors import RilletError
    from ._values.messages import AnyMessage

Provider = Literal["openai", "anthropic", "ollama"]
PROVIDERS: Final[tuple[Provider, ...]] = ("openai", "anthropic", "ollama")
DEFAULT_MODELS: Final[dict[Provider, str]] = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-sonnet-4-5",
    "ollama": "llama3.2",
}

# Exit codes by error class (documented in the README and in --help).
OK: Final = 0
ERROR: Final = 1  # any other RilletError
USAGE: Final = 2  # bad arguments (argparse), a ConfigError (e.g. no API key), empty prompt
AUTH: Final = 3  # 401 / 403
REQUEST: Final = 4  # 400 / 404 / 409 / 422: the request is wrong for this server or model
RATE_LIMIT: Final = 5  # 429
SERVER: Final = 6  # 5xx
CONNECTION: Final = 7  # no usable response: refused, DNS, TLS, timeout before the stream
STREAM: Final = 8  # the stream started, then broke (partial output was printed)
BROKEN_PIPE: Final = 141  # stdout closed by the reader (``| head``): 128 + SIGPIPE
INTERRUPTED: Final = 130  # Ctrl-C: 128 + SIGINT

EXIT_CODES: Final = f"""exit codes:
  {OK}    the reply was streamed
  {ERROR}    any other rillet error
  {USAGE}    bad arguments, missing API key, empty prompt
  {AUTH}    authentication or permission refused (401, 403)
  {REQUEST}    request refused by the server (400, 404, 409, 422)
  {RATE_LIMIT}    rate limited (429), after rillet's retries
  {SERVER}    server error (5xx), after rillet's retries
  {CONNECTION}    no response: connection refused, DNS, TLS, timeout
  {STREAM}    the stream broke after it started (the partial reply was printed)
  {INTERRUPTED}  interrupted (Ctrl-C): the response is closed at once
  {BROKEN_PIPE}  stdout was closed by the reader (e.g. | head)
"""

_DIM: Final = "\x1b[2m"
_RESET: Final = "\x1b[0m"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rillet`` command."""
    parser = argparse.ArgumentParser(
        prog="rillet",
        description="Stream a chat model's reply to stdout, token by token. A prompt on stdin "
        "(when it is not a terminal) comes first, then the PROMPT arguments.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("prompt", nargs="*", help="the prompt (joined with spaces)")
    parser.add_argument(
        "-p",
        "--provider",
        choices=PROVIDERS,
        default="openai",
        help="openai (also any OpenAI-compatible --base-url), anthropic or ollama (default: openai)",
    )
    parser.add_argument("-m", "--model", help="model name (default: a small model per provider)")
    parser.add_argument("--base-url", help="the API's base URL (default: the provider's own)")
    parser.add_argument("-s", "--system", help="a system message sent before the prompt")
    parser.add_argument("-t", "--temperature", type=float, help="sampling temperature")
    parser.add_argument("--max-tokens", type=int, help="most tokens to generate")
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--events",
        action="store_true",
        help="print every event as one JSON line (astream_events v2 shape) instead of the text",
    )
    output.add_argument(
        "--json",
        action="store_true",
        help="print the final message as one JSON object (usage included) instead of the text",
    )
    parser.add_argument(
        "--reasoning",
        action="store_true",
        help="print the model's reasoning even when stdout is not a terminal "
        "(on a terminal it is always shown, dimmed)",
    )
    parser.add_argument(
        "--fake",
        action="store_true",
        help="answer from rillet's embedded fake server (no key, no network; needs rillet[server])",
    )
    return parser


def read_prompt(words: Sequence[str], stdin: TextIO) -> str:
    """stdin (when it is not a terminal) first, then the argument words, like llm and ollama."""
    parts: list[str] = []
    if not stdin.isatty():
        piped = stdin.read().strip()
        if piped:
            parts.append(piped)
    if words:
        parts.append(" ".join(words))
    return "\n\n".join(parts)


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
    from ._providers.openai.models import ChatOpenAI

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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rillet`` and ``python -m rillet``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    stdout, stderr = sys.stdout, sys.stderr
    try:
        prompt = read_prompt(args.prompt, sys.stdin)
        if not prompt:
            parser.print_usage(stderr)
            print("rillet: error: no prompt (give one as arguments or on stdin)", file=stderr)
            return USAGE
        return run(args, prompt, stdout, stderr)
    except KeyboardInterrupt:
        # The stream's `with` block has already closed the response on the way out.
        _end_line(stdout)
        print(file=stderr, flush=True)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away: stop writing (and keep Python's exit flush from failing again).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE


def console_main() -> None:
    """The ``rillet`` console script."""
    code = main()
    if code == INTERRUPTED:
        # The response is closed and the output flushed; the interpreter's own teardown of every
        # imported module takes hundreds of milliseconds on a busy machine, so skip it: Ctrl-C
        # must end the command at once.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    raise SystemExit(code)
