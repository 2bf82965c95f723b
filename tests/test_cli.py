"""The ``rillet`` command, run for real in a subprocess against the fake server (issue 15)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import pytest

from rillet.testing import SONG_TOKENS, FakeServer, Reply

SONG = "".join(SONG_TOKENS)
RILLET = str(Path(sys.executable).parent / "rillet")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def rillet(
    *args: str, stdin: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RILLET, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env() if env is None else dict(env),
        timeout=60,
        check=False,
    )


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def test_fake_streams_the_reply_with_no_key() -> None:
    done = rillet("--fake", "hi")
    assert (done.returncode, done.stdout, done.stderr) == (0, SONG, "")


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rillet", "--fake", "--provider", "ollama", "hi"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, SONG)


def test_options_and_stdin_reach_the_request(server: FakeServer) -> None:
    done = rillet(
        "--base-url",
        server.base_url,
        "--model",
        "llama3",
        "--system",
        "Be brief.",
        "--temperature",
        "0",
        "--max-tokens",
        "64",
        "explain",
        "this",
        stdin="def f(): pass\n",
        env=_env(OPENAI_API_KEY="sk-test"),
    )
    assert (done.returncode, done.stdout) == (0, SONG)
    body = server.requests[0].json()
    assert isinstance(body, dict)
    assert body["model"] == "llama3"
    assert body["temperature"] == 0
    assert body["max_tokens"] == 64
    assert body["stream"] is True
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "def f(): pass\n\nexplain this"},
    ]


@pytest.mark.parametrize(
    ("provider", "route"), [("anthropic", "/v1/messages"), ("ollama", "/api/chat")]
)
def test_other_providers(server: FakeServer, provider: str, route: str) -> None:
    done = rillet(
        "--provider",
        provider,
        "--base-url",
        server.root_url,
        "--model",
        "m1",
        "hi",
        env=_env(ANTHROPIC_API_KEY="sk-test"),
    )
    assert (done.returncode, done.stdout) == (0, SONG)
    assert server.requests[0].path == route


def test_events_are_json_lines_in_langchains_shape() -> None:
    done = rillet("--fake", "--events", "hi")
    assert done.returncode == 0
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["event"] for e in (events[0], events[-1])] == [
        "on_chat_model_start",
        "on_chat_model_end",
    ]
    assert {e["event"] for e in events[1:-1]} == {"on_chat_model_stream"}
    assert {"event", "name", "run_id", "tags", "metadata", "data", "parent_ids"} <= set(events[0])
    assert "".join(e["data"]["chunk"]["content"] for e in events[1:-1]) == SONG
    assert events[-1]["data"]["output"]["usage_metadata"]["output_tokens"] == len(SONG_TOKENS)


def test_json_is_the_final_message_with_usage() -> None:
    done = rillet("--fake", "--json", "--provider", "anthropic", "hi")
    assert done.returncode == 0
    message = json.loads(done.stdout)
    assert message["type"] == "ai"
    assert message["content"] == SONG
    assert message["usage_metadata"]["output_tokens"] == len(SONG_TOKENS)
    assert message["response_metadata"]["finish_reason"] == "end_turn"


def test_reasoning_is_omitted_when_stdout_is_not_a_terminal(server: FakeServer) -> None:
    server.queue(Reply(reasoning=["Think", "ing."], tokens=["Hi", "!"]))
    server.queue(Reply(reasoning=["Think", "ing."], tokens=["Hi", "!"]))
    args = ("--base-url", server.base_url, "hi")
    env = _env(OPENAI_API_KEY="sk-test")
    assert rillet(*args, env=env).stdout == "Hi!"
    assert rillet("--reasoning", *args, env=env).stdout == "Thinking.\n\nHi!"


def test_reasoning_is_dimmed_on_a_terminal(server: FakeServer) -> None:
    server.queue(Reply(reasoning=["Think", "ing."], tokens=["Hi", "!"]))
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [RILLET, "--base-url", server.base_url, "hi"],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=_env(OPENAI_API_KEY="sk-test", TERM="xterm"),
    )
    os.close(terminal)
    assert process.wait(timeout=60) == 0
    seen = b""
    while True:
        try:
            piece = os.read(controller, 4096)
        except OSError:  # EIO once the terminal's last writer is gone
            break
        if not piece:
            break
        seen += piece
    os.close(controller)
    assert process.stderr is not None
    process.stderr.close()
    # the terminal turns "\n" into "\r\n"; a final newline is added on a terminal
    assert seen == b"\x1b[2mThinking.\x1b[0m\r\n\r\nHi!\r\n"


@pytest.mark.parametrize(
    ("reply", "code", "error"),
    [
        (Reply(status=401, headers={"x-request-id": "req_401"}), 3, "AuthenticationError"),
        (Reply(status=404, headers={"x-request-id": "req_404"}), 4, "NotFoundError"),
        (Reply(status=400, headers={"x-request-id": "req_400"}), 4, "BadRequestError"),
    ],
)
def test_status_errors_exit_by_class_with_the_request_id(
    server: FakeServer, reply: Reply, code: int, error: str
) -> None:
    server.queue(reply)
    done = rillet("--base-url", server.base_url, "hi", env=_env(OPENAI_API_KEY="sk-test"))
    assert done.returncode == code
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"rillet: {error}: ")
    assert line.endswith(f"(request id: {reply.headers['x-request-id']})")


@pytest.mark.parametrize(("status", "code"), [(429, 5), (500, 6)])
def test_retried_errors_exit_by_class(server: FakeServer, status: int, code: int) -> None:
    failing = Reply(status=status, headers={"retry-after": "0", "x-request-id": "req_r"})
    server.queue(failing, failing, failing)  # the first try and rillet's two retries
    done = rillet("--base-url", server.base_url, "hi", env=_env(OPENAI_API_KEY="sk-test"))
    assert done.returncode == code
    assert done.stderr.splitlines()[-1].endswith("(request id: req_r)")
    assert len(server.requests) == 3


def test_a_broken_stream_keeps_the_partial_reply(server: FakeServer) -> None:
    server.queue(Reply(error_after=2))
    done = rillet("--base-url", server.base_url, "hi", env=_env(OPENAI_API_KEY="sk-test"))
    assert done.returncode == 8
    assert done.stdout == "".join(SONG_TOKENS[:2])
    [line] = done.stderr.splitlines()
    assert line.startswith("rillet: StreamProviderError: ")


def test_connection_refused_and_missing_key() -> None:
    with FakeServer() as stopped:
        url = stopped.base_url
    refused = rillet("--base-url", url, "hi", env=_env(OPENAI_API_KEY="sk-test"))
    assert refused.returncode == 7
    assert refused.stderr.startswith("rillet: APIConnectionError: ")
    no_key = rillet("hi")
    assert no_key.returncode == 2
    assert "OPENAI_API_KEY" in no_key.stderr
    assert len(no_key.stderr.splitlines()) == 1


def test_no_prompt_is_a_usage_error() -> None:
    done = rillet("--fake")
    assert done.returncode == 2
    assert "no prompt" in done.stderr


@contextlib.contextmanager
def _command(
    server: FakeServer, *, stdin: int = subprocess.DEVNULL, sigint: str = "default"
) -> Iterator[subprocess.Popen[bytes]]:
    """``rillet --base-url <server> hi`` started as a terminal's foreground command is: with
    SIGINT at its default (``sigint="default"``), even when this test process runs with SIGINT
    ignored — a background job of a non-interactive shell, as a CI runner may start it: the
    child would inherit the ignore, and a SIGINT would do nothing. ``sigint="ignored"`` starts it
    that way on purpose. Killed on the way out if still running (the tests' hard timeout)."""
    # A Python handler is reset to the default by exec; SIG_IGN is inherited.
    disposition = signal.default_int_handler if sigint == "default" else signal.SIG_IGN
    before = signal.signal(signal.SIGINT, disposition)
    try:
        process = subprocess.Popen(
            [RILLET, "--base-url", server.base_url, "hi"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(OPENAI_API_KEY="sk-test"),
        )
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def test_ctrl_c_closes_the_response_and_exits_130(server: FakeServer) -> None:
    server.queue(Reply(delay=0.2))
    with _command(server) as process:
        assert process.stdout is not None
        first = process.stdout.read(len(SONG_TOKENS[0]))  # the first token has arrived
        assert first == SONG_TOKENS[0].encode()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in stderr
    assert server.wait_for_disconnect(timeout=10)  # the response was closed, not read to its end
    assert server.completed == 0


# System call numbers, to see from /proc/<pid>/syscall what the command is blocked in.
_SYSCALLS: Final[dict[str, dict[str, tuple[int, ...]]]] = {
    "x86_64": {"read": (0,), "write": (1,), "poll": (7, 271)},  # poll, ppoll
    "aarch64": {"read": (63,), "write": (64,), "poll": (73,)},  # ppoll
}


def _wait_until_blocked(process: subprocess.Popen[bytes], call: str, fd: int | None) -> None:
    """Wait until ``process`` is blocked in the system call ``call`` (on ``fd``)."""
    numbers = _SYSCALLS.get(platform.machine(), {}).get(call)
    where = Path(f"/proc/{process.pid}/syscall")
    if numbers is None or not where.exists():
        pytest.skip("needs /proc/<pid>/syscall on Linux x86_64 or aarch64")
    seen = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the command ended ({process.returncode}) before {call}"
        seen = where.read_text()
        fields = seen.split()
        blocked = fields[0].isdigit() and int(fields[0]) in numbers
        if blocked and (fd is None or int(fields[1], 16) == fd):
            return
        time.sleep(0.005)
    pytest.fail(f"the command was not blocked in {call}({fd}) within 30 s: {seen!r}")


def _wait_for(condition: str, server: FakeServer) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (condition == "request" and server.requests) or (
            condition == "closed" and server.in_flight == 0
        ):
            return True
        time.sleep(0.005)
    return False


@pytest.mark.parametrize(
    "phase",
    [
        "reading the prompt",
        "waiting for the status line",
        "waiting for the first token",
        "writing the last token to a full pipe",
    ],
)
def test_ctrl_c_anywhere_exits_130_at_once(server: FakeServer, phase: str) -> None:
    """SIGINT while the command is blocked in each phase (seen in /proc): exit 130, no
    traceback, the response closed (the server's request ends at once) and never completed."""
    big = "x" * (256 * 1024)  # more than a pipe holds
    replies = {
        "reading the prompt": None,  # stdin stays open: no request yet
        "waiting for the status line": Reply(stall_after=0),  # the server never answers
        "waiting for the first token": Reply(delay=60),  # headers, then nothing for a minute
        "writing the last token to a full pipe": Reply(tokens=(big,), stall_after=1),
    }
    reply = replies[phase]
    if reply is not None:
        server.queue(reply)
    stdin = subprocess.PIPE if reply is None else subprocess.DEVNULL
    with _command(server, stdin=stdin) as process:
        if reply is None:
            _wait_until_blocked(process, "read", 0)
        elif phase == "writing the last token to a full pipe":
            _wait_until_blocked(process, "write", 1)  # nobody reads its stdout
        else:
            assert _wait_for("request", server)
            _wait_until_blocked(process, "poll", None)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert (process.returncode, stderr) == (130, b"\n")
    assert len(stdout) < len(big)
    if reply is None:
        assert server.requests == []
        return
    assert len(server.requests) == 1
    assert _wait_for("closed", server)  # the server would have held it open for good
    assert server.completed == 0


def test_ctrl_c_is_ignored_when_started_ignoring_it(server: FakeServer) -> None:
    """A command started with SIGINT ignored (a background job of a non-interactive shell)
    keeps ignoring it, as POSIX programs do: the reply is streamed to its end."""
    server.queue(Reply(delay=0.02))
    with _command(server, sigint="ignored") as process:
        assert process.stdout is not None
        first = process.stdout.read(len(SONG_TOKENS[0]))
        assert first == SONG_TOKENS[0].encode()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert (process.returncode, first + stdout, stderr) == (0, SONG.encode(), b"")
    assert server.completed == 1


def test_a_closed_stdout_ends_quietly(server: FakeServer) -> None:
    server.queue(Reply(delay=0.05))
    process = subprocess.Popen(
        [RILLET, "--base-url", server.base_url, "hi"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(OPENAI_API_KEY="sk-test"),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.read(1)
    process.stdout.close()  # `| head -c1`
    assert process.wait(timeout=30) == 141
    assert process.stderr.read() == b""
    process.stderr.close()
    assert server.wait_for_disconnect(timeout=10)


def _imports(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the real console script under ``-X importtime``: its result and what it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", RILLET, *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return done, imported


def _heavy(imported: set[str]) -> set[str]:
    return {m for m in imported if m.split(".")[0] in ("rillet", "httpx", "msgspec", "anyio")}


def test_help_and_version_import_nothing_of_rillet() -> None:
    done, imported = _imports("--help")
    assert done.returncode == 0
    assert "exit codes:" in done.stdout
    assert "_rillet_cli" in imported
    assert _heavy(imported) == set()
    done, imported = _imports("--version")
    assert (done.returncode, done.stdout) == (0, "rillet 0.1.0\n")
    assert _heavy(imported) == set()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "-0.5", "hi"], "-t/--temperature: must be >= 0, got -0.5"),
        (["--temperature", "nan", "hi"], "-t/--temperature: must be >= 0, got nan"),
        (["--max-tokens", "0", "hi"], "--max-tokens: must be >= 1, got 0"),
        (["--base-url", "localhost:8000", "hi"], "--base-url: must start with http://"),
        (["--fake", "--base-url", "http://x", "hi"], "--base-url: not allowed with --fake"),
        (["--provider", "mistral", "hi"], "-p/--provider: invalid choice: 'mistral'"),
    ],
)
def test_bad_flags_are_usage_errors_before_rillet_is_imported(
    args: list[str], message: str
) -> None:
    done, imported = _imports(*args)
    assert done.returncode == 2
    assert f"rillet: error: argument {message}" in done.stderr
    assert _heavy(imported) == set()


def test_a_request_imports_rillet_but_neither_langchain_nor_opentelemetry() -> None:
    done, imported = _imports("--fake", "hi")
    assert (done.returncode, done.stdout) == (0, SONG)
    assert "rillet._cli" in imported
    assert not {m for m in imported if m.startswith(("langchain", "opentelemetry"))}
