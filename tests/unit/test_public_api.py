"""The public surface of ``rillet``: one ``__all__`` that is exactly the public names, classes
that report ``rillet`` as their home, every error class in the errors module and its tree, and a
docstring on every public method."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import types
import typing
from pathlib import Path

import msgspec
import pytest

import rillet
from rillet._values import errors as errors_module

SRC = Path(rillet.__file__).parent
LAZY = frozenset(rillet._LAZY)


def public_objects() -> dict[str, object]:
    return {name: getattr(rillet, name) for name in rillet.__all__}


def test_all_is_exactly_the_public_names() -> None:
    assert len(rillet.__all__) == len(set(rillet.__all__))
    public = {
        name
        for name, value in vars(rillet).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    # a lazy name is public before its first use too
    assert public | LAZY == set(rillet.__all__)
    assert "TYPE_CHECKING" not in public
    assert "importlib" not in public


def test_every_name_in_all_resolves_lazy_ones_included() -> None:
    for name, value in public_objects().items():
        assert value is not None, name
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        getattr(rillet, "Nope")  # noqa: B009  # the point: an unknown name raises


def test_public_classes_and_functions_report_rillet() -> None:
    """Every public class and function says ``rillet``, except a class whose field annotations
    name something private (``ClassVar``, ``Literal``...): ``typing.get_type_hints`` and msgspec
    resolve those in the class's own module, which it must then keep."""
    kept = []
    for name, value in public_objects().items():
        if inspect.isfunction(value):
            assert value.__module__ == "rillet", name
        elif isinstance(value, type):
            if value.__module__ != "rillet":
                assert value.__module__.startswith("rillet._"), name
                kept.append(name)
                assert not rillet._resolvable_here(value), name
            elif issubclass(value, BaseException):
                assert repr(value) == f"<class 'rillet.{name}'>"
    # the errors are what tracebacks show: all of them report rillet
    for name in errors_module.__all__:
        value = getattr(errors_module, name)
        if isinstance(value, type):
            assert value.__module__ == "rillet", name
    assert "OpenAI" not in kept
    assert "Stream" not in kept


def test_type_hints_and_msgspec_still_resolve_after_the_rewrite() -> None:
    for value in public_objects().values():
        if isinstance(value, type):
            typing.get_type_hints(value)
            if issubclass(value, msgspec.Struct):
                msgspec.json.Decoder(value)


def _classes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]


def test_every_error_class_is_defined_in_the_errors_module() -> None:
    errors_path = Path(errors_module.__file__ or "")
    strays = [
        f"{path.relative_to(SRC)}: {name}"
        for path in sorted(SRC.rglob("*.py"))
        if path != errors_path
        for name in _classes(path)
        if name.endswith(("Error", "Warning"))
    ]
    assert strays == [], "define error classes in rillet/_values/errors.py, in its tree"


def test_the_errors_module_draws_every_error_class_in_its_tree() -> None:
    doc = errors_module.__doc__ or ""
    defined = {
        name
        for name in _classes(Path(errors_module.__file__ or ""))
        if name.endswith(("Error", "Warning"))
    }
    drawn = {line.split("── ")[1].split()[0] for line in doc.splitlines() if "── " in line}
    drawn |= {line.split()[0] for line in doc.splitlines() if "(a UserWarning)" in line}
    drawn.add("RilletError")  # the root, drawn without a branch
    assert defined - drawn == set()


def test_every_public_method_has_a_docstring() -> None:
    missing = []
    for name, value in public_objects().items():
        if not isinstance(value, type) or issubclass(value, (BaseException, msgspec.Struct)):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_") or (not callable(member) and not isinstance(member, property)):
                continue
            if not inspect.getdoc(getattr(value, attr)):
                missing.append(f"{name}.{attr}")
    assert missing == []


def test_the_package_cites_nothing_outside_the_repository() -> None:
    """Docstrings and comments cite specs and provider docs, never the founders' research notes."""
    cited = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(word in line for word in ("research/", "wire.md", "langchain.md", "/work/"))
    ]
    assert cited == []


# What `import rillet` loads: the OpenAI LLMs and what they stand on (the errors, the values of
# an LLM run, the Runnable and LLM facades). The chat stack, events, tools, the async and sync
# stream machinery, composition and the other providers load on first use. A new module here
# costs every program's start (the import-time benchmark line): defer it, or add it knowingly.
EAGER_MODULES = {
    "rillet",
    "rillet._facade",
    "rillet._facade.llm",
    "rillet._facade.provider",
    "rillet._facade.runnable",
    "rillet._providers",
    "rillet._providers.base",
    "rillet._providers.openai",
    "rillet._providers.openai.api",
    "rillet._providers.openai.calls",
    "rillet._providers.openai.models",
    "rillet._providers.openai.wire",
    "rillet._providers.settings",
    "rillet._rate_limit",
    "rillet._values",
    "rillet._values.errors",
    "rillet._values.inputs",
    "rillet._values.options",
    "rillet._values.outputs",
    "rillet._values.secret",
    "rillet._wire",
    "rillet._wire.limits",
    "rillet._wire.sse",
}


def _fresh(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_import_rillet_loads_only_what_a_program_needs_to_start() -> None:
    """``import rillet`` loads the modules above and nothing outside rillet that ``import httpx,
    msgspec`` does not load already (no jiter, heapq, anyio, asyncio, contextvars...)."""
    code = (
        "import sys, httpx, msgspec\n"
        "before = set(sys.modules)\n"
        "import rillet\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    loaded = set(ast.literal_eval(_fresh(code)[0]))
    assert loaded == EAGER_MODULES


def test_import_rillet_leaves_the_optional_parts_for_their_first_use() -> None:
    """Composition, prompts, fakes, tools, the chat stack, events and the other providers load
    when first used; using one loads its module and reports ``rillet`` as its home."""
    lazy = sorted({rillet._LAZY[name] for name in rillet._LAZY})
    modules = [f"rillet{module}" for module in lazy]
    modules += [
        "rillet._facade.chat_provider",
        "rillet._providers.chat_base",
        "rillet._providers.openai.chat",
        "rillet._providers.openai.read",
        "rillet._wire.reader",
        "rillet._async_compat",
        "rillet._sync_compat",
        "jiter",
        "heapq",
    ]
    assert not EAGER_MODULES & set(modules)
    code = (
        "import sys, rillet\n"
        f"print([m for m in {modules!r} if m in sys.modules])\n"
        "rillet.RunnableLambda, rillet.FakeListLLM\n"
        "print(rillet.RunnableLambda.__module__, 'rillet._facade.composition' in sys.modules)\n"
    )
    assert _fresh(code) == ["[]", "rillet True"]


def test_every_public_name_imports_from_a_fresh_interpreter_and_is_listed() -> None:
    code = (
        "import rillet\n"
        "print(sorted(set(rillet.__all__) - set(dir(rillet))))\n"
        "namespace = {}\n"
        "exec('from rillet import *', namespace)\n"
        "print(sorted(set(rillet.__all__) - set(namespace)))\n"
    )
    assert _fresh(code) == ["[]", "[]"]


def test_the_home_a_name_reports_does_not_depend_on_what_was_used_first() -> None:
    """Lazy names whose module another import loaded (``ChatOpenAI`` loads the messages) are
    adopted: a message class reports the same ``__module__`` (``rillet`` where it can) whether
    it was reached through ``rillet`` or only came back from a chat model."""
    homes = "{n: getattr(v, '__module__', '') for n, v in found.items()}"
    via_rillet = _fresh(
        f"import rillet\nfound = {{n: getattr(rillet, n) for n in rillet.__all__}}\nprint({homes})"
    )
    side_loaded = _fresh(
        "import sys, rillet\n"
        "rillet.ChatOpenAI\n"
        "found = {n: vars(sys.modules['rillet' + m]).get(n) for n, m in rillet._LAZY.items()\n"
        "         if 'rillet' + m in sys.modules}\n"
        f"print({homes})"
    )
    everything, chat_only = ast.literal_eval(via_rillet[0]), ast.literal_eval(side_loaded[0])
    assert chat_only["ResponseMetadata"] == "rillet"  # messages: loaded by ChatOpenAI, not by name
    assert {name: everything[name] for name in chat_only} == chat_only
