"""The README's python code blocks type-check under mypy --strict, as users would copy them.

Each block becomes the body of an ``async def`` (blocks use top-level ``await``/``async for``);
names a block uses without defining are either public names of ``rillet`` or the few variables
earlier blocks define (``CONTEXT``), passed in as typed parameters.
"""

from __future__ import annotations

import ast
import builtins
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import rillet

from .corpus_check import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
CONTEXT = {
    "llm": "OpenAI",
    "chat": "OpenAIChat",
    "model": "BaseChatModel",
    "backup_llm": "OpenAI",
    "prompt": "PromptTemplate",
    "prompts": "list[str]",
    "joke_chain": "Runnable[Mapping[str, object], str]",
    "poem_chain": "Runnable[Mapping[str, object], str]",
    "retriever": "Runnable[str, str]",
    "flaky": "Runnable[str, str]",
    "code_chain": "Runnable[str, str]",
    "general_chain": "Runnable[str, str]",
    "critic": "Runnable[str, str]",
}
"""Variables a block may use from an earlier block, with their types."""


def blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every python block."""
    return [(text[: m.start()].count("\n") + 2, m.group(1)) for m in BLOCK.finditer(text)]


def free_names(code: str) -> set[str]:
    """Names ``code`` reads without defining them (nor being builtins)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(code, "<readme>", "exec", flags=flags, dont_inherit=True)
    loaded: set[str] = set()
    stored: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, ast.alias):
            stored.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            stored.add(node.name)
    return loaded - stored - set(dir(builtins))


def module(text: str) -> tuple[str, dict[int, int]]:
    """The checked module, and for each of its lines the README line it comes from."""
    lines = [
        '"""Generated from README.md by tests/typing/test_readme.py."""',
        "from collections.abc import Mapping",
        "from rillet import " + ", ".join(sorted(rillet.__all__)),
        "",
    ]
    origin: dict[int, int] = {}
    for index, (start, code) in enumerate(blocks(text), start=1):
        unknown = sorted(free_names(code) - set(rillet.__all__) - set(CONTEXT))
        assert not unknown, f"README line {start}: define {unknown} in the block (or in CONTEXT)"
        params = ", ".join(f"{n}: {CONTEXT[n]}" for n in sorted(free_names(code) & set(CONTEXT)))
        lines += ["", "", f"async def readme_block_{index}({params}) -> None:"]
        for offset, line in enumerate(textwrap.indent(code, "    ").splitlines()):
            lines.append(line)
            origin[len(lines)] = start + offset
    return "\n".join(lines) + "\n", origin


def test_readme_blocks_type_check(tmp_path: Path) -> None:
    text = README.read_text()
    assert len(blocks(text)) >= 6
    source, origin = module(text)
    path = tmp_path / "readme_blocks.py"
    path.write_text(source)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            # Optional third-party packages a block shows (an OTLP exporter) need not be installed.
            "--disable-error-code",
            "import-not-found",
            str(path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [
        re.sub(
            r"^.*?:(\d+):",
            lambda m: f"README.md:{origin.get(int(m.group(1)), '?')}:",
            line,
        )
        for line in proc.stdout.splitlines()
        if ": error:" in line
    ]
    assert errors == [], "\n".join(errors)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_free_names_sees_what_a_block_borrows() -> None:
    code = "import x\nfrom y import z as w\nasync for a in b:\n    print(a, w, c)\n"
    assert free_names(code) == {"b", "c"}
