"""Import time, each import in a fresh interpreter.

``python -c "import x"`` is timed from outside and the best of ``python -c "pass"`` (the
interpreter's own start, site and venv included) in the same round is subtracted. Within a round
the targets are interleaved, so a slow moment of the machine spreads over all of them; ratios are
taken within a round. ``-X importtime`` gives the breakdown.

Every module is imported from cached bytecode, as an installed package is (pip compiles it): the
children run with ``PYTHONPYCACHEPREFIX`` set to a directory of this benchmark's own, filled by
the warm-up, and without ``PYTHONDONTWRITEBYTECODE``. Otherwise, in an environment that sets it
(this project's agents' shells do), rillet's source tree, which has no ``__pycache__``, is
compiled on every import while httpx and msgspec load their installed ``.pyc`` files: that
measured the compiler, not rillet (1.44x in one run where cached bytecode gives ~1.2x).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["IMPORT_TARGETS", "PEER_TARGETS", "import_breakdown", "import_round", "warm_imports"]

IMPORT_TARGETS: dict[str, str] = {
    "rillet": "import rillet",
    "httpx, msgspec": "import httpx, msgspec",
    "httpx, msgspec, httpx_aiohttp": "import httpx, msgspec, httpx_aiohttp",
}
# The peers' import times, for the record: slow (seconds), so only in --suites imports-peers.
PEER_TARGETS: dict[str, str] = {
    "openai": "import openai",
    "langchain_openai": "import langchain_openai",
}


# Bytecode caches of every module the children import, outside the source tree.
PYCACHE = Path(tempfile.gettempdir()) / f"rillet-bench-pycache-{os.getuid()}"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def _time_once(code: str) -> tuple[float, float]:
    """Wall and CPU seconds (the child's user + system time) of ``python -c code``."""
    env = _env()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def warm_imports(targets: dict[str, str]) -> None:
    """Warm the page cache and write the .pyc files (under ``PYCACHE``) once, before any round."""
    for code in ["pass", *targets.values()]:
        _time_once(code)


START = "(interpreter start)"


def import_round(
    targets: dict[str, str],
    best_of: int,
    rotate: int = 0,
    pairs: list[tuple[str, str]] | None = None,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, list[float]]]]:
    """One round: every target (and the bare interpreter) timed ``best_of`` times, interleaved
    in steps. Rows: the best of each, in ms, net of the interpreter's own start measured in the
    same round: ``value`` wall time, ``cpu_value`` the child's CPU time (judged, as the per-chunk
    lines are: under load wall time counts other processes' turns).

    In every step the two targets of each pair in ``pairs`` run back to back (which one first
    alternates), the others once; the units rotate step by step and round by round. Second
    result: per pair ``"top / bottom"``, each step's ratio of the two net times, both net of the
    interpreter start of the same step (``cpu`` and ``wall``)."""
    names = [START, *targets]
    codes = {START: "pass", **targets}
    pairs = [pair for pair in pairs or [] if set(pair) <= set(names)]
    paired = {name for pair in pairs for name in pair}
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    ratios = {f"{top} / {bottom}": {"cpu": [], "wall": []} for top, bottom in pairs}
    for step in range(best_of):
        units: list[tuple[str, ...]] = list(pairs)
        units += [(name,) for name in names if name not in paired]
        if (rotate + step) % 2:
            units = [unit[::-1] for unit in units]
        shift = (rotate + step) % len(units)
        timed: dict[str, tuple[float, float]] = {}
        for unit in units[shift:] + units[:shift]:
            for name in unit:
                timed[name] = _time_once(codes[name])
                walls[name].append(timed[name][0])
                cpus[name].append(timed[name][1])
        for top, bottom in pairs:
            for index, field in ((0, "wall"), (1, "cpu")):
                start = timed[START][index]
                net_bottom = timed[bottom][index] - start
                if net_bottom > 0:
                    ratios[f"{top} / {bottom}"][field].append(
                        (timed[top][index] - start) / net_bottom
                    )
    base_wall = min(walls[START])
    base_cpu = min(cpus[START])
    rows = {
        name: {
            "value": (min(walls[name]) - base_wall) * 1000,
            "cpu_value": (min(cpus[name]) - base_cpu) * 1000,
        }
        for name in names
        if name != START
    }
    rows[START] = {"value": base_wall * 1000, "cpu_value": base_cpu * 1000}
    return rows, ratios


def import_breakdown(module: str, top: int = 12) -> dict[str, object]:
    """Where importing ``module`` spends its time (``-X importtime``): self time summed per
    top-level package, and the slowest single modules."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
        env=_env(),
    )
    modules: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative_us, name = line.removeprefix("import time:").split("|")
        modules.append((name.strip(), int(self_us) / 1000))
    packages: dict[str, float] = {}
    for name, self_ms in modules:
        package = name.split(".")[0]
        packages[package] = packages.get(package, 0.0) + self_ms
    by_package = sorted(packages.items(), key=lambda item: item[1], reverse=True)
    slowest = sorted(modules, key=lambda item: item[1], reverse=True)
    return {
        "total_self_ms": sum(self_ms for _, self_ms in modules),
        "by_package_ms": dict(by_package[:top]),
        "slowest_modules_ms": dict(slowest[:top]),
    }
