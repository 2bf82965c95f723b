"""The typing corpus, checked under mypy --strict and basedpyright (strict).

Each file of ``tests/typing/corpus/`` is users' code against the public API, one call per line.
A line ending in ``# wrong`` (optionally ``# wrong: why``) must be reported by each checker; a
line ending in ``# ok`` must not; no other line may be reported either (setup lines must be
clean, or the corpus proves nothing). ``# ok[mypy]`` / ``# wrong[mypy]`` (or ``[pyright]``) hold
for that checker only: the other one is known to get the line wrong, which the figures count and
list as known gaps (e.g. pyright cannot infer a lambda's parameter through ``|``).
``python -m tests.typing.corpus_check`` prints the figures.
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
MARK = re.compile(r"\S.*\s#\s*(wrong|ok)(?:\[(mypy|pyright)\])?(?::.*)?$")

Reports = dict[tuple[str, int], list[str]]
"""(file name, 1-based line) -> the checker's messages on that line."""


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.py"))


def marks(files: Iterable[Path]) -> dict[tuple[str, int], str]:
    """(file name, line) -> "wrong" or "ok", or "wrong[mypy]" etc., for every marked line."""
    out: dict[tuple[str, int], str] = {}
    for path in files:
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            found = MARK.search(text)
            if found:
                only = f"[{found.group(2)}]" if found.group(2) else ""
                out[(path.name, number)] = found.group(1) + only
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
    known: list[str] = field(default_factory=list)
    """Lines marked for the other checker only, that this one gets wrong as expected."""

    def figures(self) -> str:
        name = {"mypy": "mypy --strict", "pyright": "basedpyright strict"}.get(self.checker)
        return (
            f"{name or self.checker}: wrong calls reported {self.wrong_reported}/"
            f"{self.wrong_total}, correct calls clean {self.ok_clean}/{self.ok_total}"
            f" (known gaps: {len(self.known)})"
        )


def judge(
    checker: str,
    reports: Mapping[tuple[str, int], list[str]],
    marked: Mapping[tuple[str, int], str],
) -> Verdict:
    """``checker`` is "mypy" or "pyright" (a mark like ``ok[mypy]`` names the checker it holds
    for; the other one is expected to get the line wrong)."""
    verdict = Verdict(checker)
    expected_report: dict[tuple[str, int], bool] = {}
    for key, mark in sorted(marked.items()):
        where = f"{key[0]}:{key[1]}"
        kind, _, only = mark.partition("[")
        holds = not only or only.rstrip("]") == checker
        reported = key in reports
        if kind == "wrong":
            verdict.wrong_total += 1
            verdict.wrong_reported += reported
        else:
            verdict.ok_total += 1
            verdict.ok_clean += not reported
        expected_report[key] = (kind == "wrong") == holds
        if not holds and reported == expected_report[key]:
            verdict.known.append(f"{where} ({mark})")
        elif kind == "wrong" and holds and not reported:
            verdict.missed.append(where)
    for key, messages in sorted(reports.items()):
        if not marked.get(key, "").startswith("wrong") and not expected_report.get(key, False):
            verdict.rejected.append(f"{key[0]}:{key[1]}: {' | '.join(messages)}")
    return verdict


def check(files: list[Path] | None = None) -> list[Verdict]:
    files = files or corpus_files()
    marked = marks(files)
    return [judge("mypy", run_mypy(files), marked), judge("pyright", run_pyright(files), marked)]


def main() -> int:
    verdicts = check()
    for verdict in verdicts:
        print(verdict.figures())
        for where in verdict.missed:
            print(f"  missed (wrong, not reported): {where}")
        for where in verdict.rejected:
            print(f"  rejected (not marked wrong): {where}")
        for where in verdict.known:
            print(f"  known gap: {where}")
    return 0 if all(not v.missed and not v.rejected for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
