"""The typing corpus, checked under mypy --strict and basedpyright (strict).

Each file of ``tests/typing/corpus/`` is users' code against the public API, one call per line.
A line ending in ``# wrong`` (optionally ``# wrong: why``) must be reported by each checker; a
line ending in ``# ok`` must not; no other line may be reported either (setup lines must be
clean, or the corpus proves nothing). ``python -m tests.typing.corpus_check`` prints the figures.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
CHECKERS = ("mypy", "pyright")
MARK = re.compile(r"\S.*\s#\s*(wrong|ok)(?::.*)?$")

Reports = dict[tuple[str, int], list[str]]
"""(file name, 1-based line) -> the checker's messages on that line."""


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.py"))


def marks(files: Iterable[Path]) -> dict[tuple[str, int], str]:
    """(file name, line) -> "wrong" or "ok" for every marked line."""
    out: dict[tuple[str, int], str] = {}
    for path in files:
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            found = MARK.search(text)
            if found:
                out[(path.name, number)] = found.group(1)
    return out


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def run_mypy(files: list[Path]) -> Reports:
    """mypy --strict (the project's config) over ``files``, errors by line."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--no-error-summary",
            "--no-pretty",
            "--show-error-codes",
            *map(str, files),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"mypy failed to run:\n{proc.stdout}{proc.stderr}")
    reports: Reports = {}
    for line in proc.stdout.splitlines():
        parsed = re.match(r"(.+?):(\d+): error: (.*)$", line)
        if parsed:
            key = (Path(parsed.group(1)).name, int(parsed.group(2)))
            reports.setdefault(key, []).append(parsed.group(3))
    return reports


def run_pyright(files: list[Path]) -> Reports:
    """basedpyright in strict mode (``[tool.basedpyright]`` in pyproject.toml), errors by line."""
    proc = subprocess.run(
        [
            _tool("basedpyright"),
            "--outputjson",
            "--pythonpath",
            sys.executable,
            "--project",
            str(ROOT / "pyproject.toml"),
            *map(str, files),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"basedpyright failed to run:\n{proc.stdout}{proc.stderr}") from None
    reports: Reports = {}
    for diagnostic in output["generalDiagnostics"]:
        if diagnostic["severity"] != "error":
            continue
        key = (Path(diagnostic["file"]).name, diagnostic["range"]["start"]["line"] + 1)
        rule = diagnostic.get("rule", "")
        message = diagnostic["message"].splitlines()[0]
        reports.setdefault(key, []).append(f"{message} [{rule}]")
    return reports


@dataclass
class Verdict:
    """One checker over the corpus."""

    checker: str
    wrong_reported: int = 0
    wrong_total: int = 0
    ok_clean: int = 0
    ok_total: int = 0
    missed: list[str] = field(default_factory=list)
    """Wrong lines the checker did not report."""
    rejected: list[str] = field(default_factory=list)
    """Lines not marked wrong that the checker reported, with its messages."""

    def figures(self) -> str:
        return (
            f"{self.checker}: wrong calls reported {self.wrong_reported}/{self.wrong_total}, "
            f"correct calls clean {self.ok_clean}/{self.ok_total}"
        )


def judge(
    checker: str,
    reports: Mapping[tuple[str, int], list[str]],
    marked: Mapping[tuple[str, int], str],
) -> Verdict:
    verdict = Verdict(checker)
    for key, mark in sorted(marked.items()):
        where = f"{key[0]}:{key[1]}"
        if mark == "wrong":
            verdict.wrong_total += 1
            if key in reports:
                verdict.wrong_reported += 1
            else:
                verdict.missed.append(where)
        else:
            verdict.ok_total += 1
            if key not in reports:
                verdict.ok_clean += 1
    for key, messages in sorted(reports.items()):
        if marked.get(key) != "wrong":
            verdict.rejected.append(f"{key[0]}:{key[1]}: {' | '.join(messages)}")
    return verdict


def check(files: list[Path] | None = None) -> list[Verdict]:
    files = files or corpus_files()
    marked = marks(files)
    return [
        judge("mypy --strict", run_mypy(files), marked),
        judge("basedpyright strict", run_pyright(files), marked),
    ]


def main() -> int:
    verdicts = check()
    for verdict in verdicts:
        print(verdict.figures())
        for where in verdict.missed:
            print(f"  missed (wrong, not reported): {where}")
        for where in verdict.rejected:
            print(f"  rejected (not marked wrong): {where}")
    return 0 if all(not v.missed and not v.rejected for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
