"""Import time, each import in a fresh interpreter.

``python -c "import x"`` is timed from outside and the median of ``python -c "pass"`` (the
interpreter's own start, site and venv included) is subtracted. Targets are interleaved run by run,
so a slow moment of the machine spreads over all of them. ``-X importtime`` gives the breakdown.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

__all__ = ["IMPORT_TARGETS", "import_breakdown", "measure_imports"]

IMPORT_TARGETS: dict[str, str] = {
    "rillet": "import rillet",
    "httpx, msgspec": "import httpx, msgspec",
    "httpx, msgspec, httpx_aiohttp": "import httpx, msgspec, httpx_aiohttp",
    "openai": "import openai",
    "langchain_openai": "import langchain_openai",
}


def _time_once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def measure_imports(reps: int) -> dict[str, object]:
    """Median milliseconds per target, net of the interpreter's own start."""
    codes = {"(interpreter start)": "pass", **IMPORT_TARGETS}
    for code in codes.values():  # warm the page cache and write the .pyc files
        _time_once(code)
    samples: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(reps):
        for name, code in codes.items():
            samples[name].append(_time_once(code))
    base = statistics.median(samples["(interpreter start)"])
    return {
        "reps": reps,
        "interpreter_start_ms": base * 1000,
        "ms": {
            name: (statistics.median(values) - base) * 1000
            for name, values in samples.items()
            if name != "(interpreter start)"
        },
    }


def import_breakdown(module: str, top: int = 12) -> dict[str, object]:
    """Where importing ``module`` spends its time (``-X importtime``): self time summed per
    top-level package, and the slowest single modules."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
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
