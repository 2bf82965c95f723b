"""``python -m rillet.testing``, as the README shows it: it says what it serves, prints the
OpenAI base URL, and every protocol answers there until the process is stopped."""

from __future__ import annotations

import signal
import subprocess
import sys

from rillet import ChatAnthropic, ChatOllama, OpenAIChat
from rillet.testing import SONG_TOKENS


def test_help_names_every_protocol() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rillet.testing", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    help_text = " ".join(done.stdout.split())
    for name in ("OpenAI (completions and chat)", "Anthropic (Messages)", "Ollama (generate"):
        assert name in help_text
    assert "http://127.0.0.1:PORT/v1" in help_text


def test_serves_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "rillet.testing"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            assert base_url.endswith("/v1")
            root = base_url.removesuffix("/v1")
            song = "".join(SONG_TOKENS)
            with OpenAIChat(base_url=base_url, api_key="test") as chat:
                assert chat.invoke("hi") == song
            with ChatAnthropic(model="claude-test", base_url=root, api_key="test") as claude:
                assert claude.invoke("hi").text == song
            with ChatOllama(model="llama-test", base_url=root) as llama:
                assert llama.invoke("hi").text == song
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
