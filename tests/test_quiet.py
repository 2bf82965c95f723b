"""Nothing on stderr in normal use (issue 10, finding 8), with every warning shown
(``-W always``, ResourceWarning included): each case runs in a fresh interpreter
(``tests/_helpers/noise_probe.py``), as a user's script would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    "temporary model",
    "two threads' asyncio.run",
    "asyncio.run and trio.run twice",
    "an exception escaping astream_events",
]


@pytest.mark.parametrize("case", CASES)
def test_normal_use_prints_nothing_on_stderr(case: str) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "always", "-m", "tests._helpers.noise_probe", case],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the case did not run"
    assert result.stderr == ""
