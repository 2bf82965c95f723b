"""No ``Any`` reaches users' code from rillet (DESIGN.md decision 4): ``every_name.py`` uses
every public name, and mypy --strict --disallow-any-expr finds no expression typed ``Any``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import rillet

from .corpus_check import ROOT

PROGRAM = Path(__file__).resolve().parent / "every_name.py"


def test_the_program_uses_every_public_name() -> None:
    words = set(re.findall(r"\b\w+\b", PROGRAM.read_text()))
    assert sorted(set(rillet.__all__) - words) == []


def test_no_expression_is_any() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--disallow-any-expr",
            str(PROGRAM),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
