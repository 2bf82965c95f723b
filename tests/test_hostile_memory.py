"""Peak client memory under flooding attacks stays within a few tens of MB (issue 10, finding 4).

Each case runs the client in a fresh subprocess (``tests/_helpers/memory_probe.py``, sync or
asyncio), which streams once to warm up, then calls against the attack and reports its resident
memory before and its peak after (Linux's ``VmHWM``; ``resource.getrusage`` elsewhere: on Linux
its ``ru_maxrss`` keeps the spawning pytest process's peak across ``exec``); the hostile server runs here, in the
test process, so only the client is measured. Without the size limits each of these attacks costs
the client 1 GB or more.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests._helpers.hostile import (
    CONTENT_TYPES,
    HostileServer,
    Provider,
    Script,
    chunk,
    chunked,
    flood,
    frames,
    gzip_bomb,
    head,
    send,
    stream_body,
)

GIB = 1024 * 1024 * 1024
MAX_GROWTH_MIB = 48  # "within a few tens of MB of the baseline"
ROOT = Path(__file__).resolve().parent.parent


def _stream_start(provider: Provider) -> bytes:
    return head(content_type=CONTENT_TYPES[provider]) + chunked(
        *frames(provider, ["a", "b"]), end=False
    )


def _attack(name: str) -> tuple[Provider, str, Script]:
    if name == "endless SSE line":
        return "chat", "stream", [send(_stream_start("chat")), flood(chunk(b"x" * 65536), GIB)]
    if name == "endless NDJSON line":
        return "ollama", "stream", [send(_stream_start("ollama")), flood(chunk(b"x" * 65536), GIB)]
    if name == "data lines, no blank line":
        script = [send(_stream_start("chat")), flood(chunk(b"data: ab\n" * 7000), GIB)]
        return "chat", "stream", script
    if name == "gzip bomb in a 500":
        bomb = gzip_bomb(GIB // 4)  # 256 MiB of JSON whitespace in 1.1 MB
        gzipped = [("content-encoding", "gzip")]
        error_head = head(
            500, content_type="application/json", chunked=False, length=len(bomb), headers=gzipped
        )
        return "chat", "stream", [send(error_head + bomb)]
    if name == "huge whole answer":
        answer_head = head(content_type="application/json", chunked=False, length=GIB)
        opening = b'{"id":"x","choices":[{"index":0,"text":"'
        return "completions", "invoke", [send(answer_head + opening), flood(b"x" * 65536, GIB)]
    raise AssertionError(name)


ATTACKS = [
    "endless SSE line",
    "endless NDJSON line",
    "data lines, no blank line",
    "gzip bomb in a 500",
    "huge whole answer",
]


@pytest.mark.parametrize("mode", ["sync", "asyncio"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_peak_memory_under_attack(attack: str, mode: str) -> None:
    provider, how, script = _attack(attack)
    normal = [
        send(head(content_type=CONTENT_TYPES[provider]) + chunked(*stream_body(provider, ["ok"])))
    ]
    with HostileServer(normal, script) as server:
        url = server.url_for(provider)
        result = subprocess.run(
            [sys.executable, "-m", "tests._helpers.memory_probe", mode, provider, url, how],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    report = json.loads(result.stdout)
    growth_mib = (report["peak_kib"] - report["baseline_kib"]) / 1024
    print(f"\n{attack} ({mode}): peak grew {growth_mib:.1f} MiB; error {report['error']}")
    assert report["error"] in ("ResponseTooLargeError", "InternalServerError"), report
    assert growth_mib < MAX_GROWTH_MIB, report
