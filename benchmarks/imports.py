"""Import time, each import in a fresh interpreter.

``python -c "import x"`` is timed from outside and the best of ``python -c "pass"`` (the
interpreter's own start, site and venv included) in the same round is subtracted. Within a round
the targets are interleaved, so a slow moment of the machine spreads over all of them; ratios are
taken within a round. ``-X importtime`` gives the breakdown.
"""

from __future__ import annotations

import subprocess
import sys
import time

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


def _time_once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def warm_imports(targets: dict[str, str]) -> None:
    """Warm the page cache and write the .pyc files once, before any round."""
    for code in ["pass", *targets.values()]:
        _time_once(code)


def import_round(targets: dict[str, str], best_of: int, rotate: int = 0) -> dict[str, float]:
    """One round: every target (and the bare interpreter) timed ``best_of`` times, interleaved
    and in an order rotated by ``rotate``; the best of each, in ms, net of the interpreter's own
    start measured in the same round."""
    codes = list({"(interpreter start)": "pass", **targets}.items())
    shift = rotate % len(codes)
    codes = codes[shift:] + codes[:shift]
    samples: dict[str, list[float]] = {name: [] for name, _ in codes}
    for _ in range(best_of):
        for name, code in codes:
            samples[name].append(_time_once(code))
    base = min(samples["(interpreter start)"])
    return {
        name: (min(values) - base) * 1000
        for name, values in samples.items()
        if name != "(interpreter start)"
    } | {"(interpreter start)": base * 1000}


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
