"""The ``rillet`` command's front door: arguments, ``--help``, ``--version``, flag checks and the
prompt, with the standard library only.

This module sits beside the ``rillet`` package, not in it: importing anything inside ``rillet``
first runs ``rillet/__init__.py`` (httpx, msgspec, the whole public API), which costs more than a
second on a busy machine. ``rillet --help``, ``rillet --version`` and every usage error finish
here without it; only a command that will make a request imports ``rillet._cli``, which runs it.

Ctrl-C is handled here too, from the start (``console_main``), before argparse and rillet are
imported: wherever it lands, the process ends at once with 130.
"""

from __future__ import annotations

import os
import sys

try:  # Ctrl-C while the command starts ends it as it would later (see `console_main`)
    import signal
    from typing import TYPE_CHECKING, Final, NoReturn, TextIO
except KeyboardInterrupt:
    os._exit(130)

if TYPE_CHECKING:  # argparse is imported once Ctrl-C is handled (`console_main`)
    import argparse
    from collections.abc import Sequence
    from types import FrameType

__all__ = ["EXIT_CODES", "PROVIDERS", "build_parser", "console_main", "main", "read_prompt"]

PROVIDERS: Final = ("openai", "anthropic", "ollama")

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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rillet`` command."""
    import argparse

    class _Version(argparse.Action):
        """``--version``: the installed distribution's version (read only when asked for)."""

        def __init__(
            self, option_strings: Sequence[str], dest: str, help: str | None = None
        ) -> None:
            super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

        def __call__(
            self,
            parser: argparse.ArgumentParser,
            namespace: argparse.Namespace,
            values: object,
            option_string: str | None = None,
        ) -> None:
            from importlib.metadata import PackageNotFoundError, version

            try:
                found = version("rillet")
            except PackageNotFoundError:
                found = "unknown (not installed)"
            print(f"rillet {found}")
            parser.exit()

    parser = argparse.ArgumentParser(
        prog="rillet",
        description="Stream a chat model's reply to stdout, token by token. A prompt on stdin "
        "(when it is not a terminal) comes first, then the PROMPT arguments.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("prompt", nargs="*", help="the prompt (joined with spaces)")
    parser.add_argument("--version", action=_Version, help="print rillet's version and exit")
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
    parser.add_argument("-t", "--temperature", type=float, help="sampling temperature (>= 0)")
    parser.add_argument("--max-tokens", type=int, help="most tokens to generate (>= 1)")
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


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse flag values no provider takes (a usage error, exit 2) before anything is imported."""
    if args.temperature is not None and not args.temperature >= 0:  # NaN too
        parser.error(f"argument -t/--temperature: must be >= 0, got {args.temperature}")
    if args.max_tokens is not None and args.max_tokens < 1:
        parser.error(f"argument --max-tokens: must be >= 1, got {args.max_tokens}")
    if args.base_url is not None:
        if args.fake:
            parser.error(
                "argument --base-url: not allowed with --fake (the fake server has its own)"
            )
        if not args.base_url.startswith(("http://", "https://")):
            parser.error(
                f"argument --base-url: must start with http:// or https://: {args.base_url}"
            )


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command (``console_main`` without its Ctrl-C handling); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # --help, --version and usage errors exit here
    check(parser, args)
    prompt = read_prompt(args.prompt, sys.stdin)
    if not prompt:
        parser.print_usage(sys.stderr)
        print("rillet: error: no prompt (give one as arguments or on stdin)", file=sys.stderr)
        return USAGE
    from rillet._cli import execute  # rillet itself, httpx under it: only now

    return execute(args, prompt)


def interrupted(signum: int = signal.SIGINT, frame: FrameType | None = None) -> NoReturn:
    """Ctrl-C: end the command now, whatever it is doing, with exit code 130.

    Called as the SIGINT handler, so no ``KeyboardInterrupt`` is raised that code on its way
    out could catch or lose (a ``__del__``, a finalizer, the interpreter's teardown). Ending the
    process closes its sockets at once: the server sees the response closed. Nothing buffered
    is flushed (every piece of the reply is flushed as it is written; a write blocked on a full
    pipe is dropped), and the interpreter's teardown, hundreds of milliseconds on a busy
    machine, is skipped. A newline on stderr puts the shell's prompt on a line of its own.
    """
    try:
        os.write(2, b"\n")
    except OSError:  # stderr closed: nothing to tidy
        pass
    os._exit(INTERRUPTED)


def console_main() -> None:
    """The ``rillet`` console script (and ``python -m rillet``).

    Ctrl-C anywhere (reading the prompt, importing rillet, connecting, waiting for the first
    token, between tokens, writing to a full pipe, finishing) exits 130 at once. A command
    started with SIGINT ignored (a background job of a non-interactive shell) keeps ignoring
    it, as POSIX programs do.
    """
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupted)
    try:
        code = main()
    except KeyboardInterrupt:  # SIGINT had another handler than Python's default, and it raised
        interrupted()
    raise SystemExit(code)
