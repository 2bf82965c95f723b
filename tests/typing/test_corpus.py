"""Types as strict as the promise, both directions (DESIGN.md decision 13).

The corpus (``tests/typing/corpus/``) is checked by mypy --strict and by basedpyright in strict
mode: every ``# wrong`` line must be reported by each, and no other line may be. Every public
name of ``rillet`` must appear in the corpus.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rillet

from .corpus_check import CORPUS, Verdict, check, corpus_files, judge, marks


@pytest.fixture(scope="module")
def verdicts() -> list[Verdict]:
    return check()


@pytest.mark.parametrize("index", [0, 1], ids=["mypy", "pyright"])
def test_every_wrong_call_is_reported(verdicts: list[Verdict], index: int) -> None:
    verdict = verdicts[index]
    assert verdict.wrong_total >= 40
    assert verdict.missed == [], verdict.figures()


@pytest.mark.parametrize("index", [0, 1], ids=["mypy", "pyright"])
def test_no_correct_call_is_reported(verdicts: list[Verdict], index: int) -> None:
    verdict = verdicts[index]
    assert verdict.ok_total >= 50
    assert verdict.rejected == [], verdict.figures()


def test_the_corpus_marks_lines_instead_of_ignoring_them() -> None:
    ignored = [
        f"{path.name}:{number}"
        for path in corpus_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "type: ignore" in line or "pyright: ignore" in line
    ]
    assert ignored == [], "mark a wrong call '# wrong: why' instead of ignoring it"


def test_every_public_name_is_in_the_corpus() -> None:
    text = "\n".join(path.read_text() for path in corpus_files())
    words = set(re.findall(r"\b\w+\b", text))
    missing = sorted(name for name in rillet.__all__ if name not in words)
    assert missing == [], f"add a line using each of these to {CORPUS}"


def test_the_judge_counts_misses_and_false_rejections(tmp_path: Path) -> None:
    corpus = tmp_path / "sample.py"
    corpus.write_text(
        "a()  # wrong\nb()  # ok\nc()  # wrong: why\nd()\n# wrong alone\n"
        "e()  # ok[mypy]: pyright cannot\nf()  # wrong[pyright]\ng()  # ok[pyright]\n"
    )
    marked = marks([corpus])
    assert marked == {
        ("sample.py", 1): "wrong",
        ("sample.py", 2): "ok",
        ("sample.py", 3): "wrong",
        ("sample.py", 6): "ok[mypy]",
        ("sample.py", 7): "wrong[pyright]",
        ("sample.py", 8): "ok[pyright]",
    }
    reports = {
        ("sample.py", 1): ["x"],
        ("sample.py", 2): ["y"],
        ("sample.py", 4): ["z"],
        ("sample.py", 6): ["lambda"],
    }
    mypy = judge("mypy", reports, marked)
    assert (mypy.wrong_reported, mypy.wrong_total) == (1, 3)
    assert (mypy.ok_clean, mypy.ok_total) == (1, 3)
    assert mypy.missed == ["sample.py:3"]
    assert mypy.rejected == ["sample.py:2: y", "sample.py:4: z", "sample.py:6: lambda"]
    assert mypy.known == ["sample.py:7 (wrong[pyright])"]
    pyright = judge("pyright", reports, marked)
    assert pyright.missed == ["sample.py:3", "sample.py:7"]
    assert pyright.rejected == ["sample.py:2: y", "sample.py:4: z"]
    assert pyright.known == ["sample.py:6 (ok[mypy])"]
