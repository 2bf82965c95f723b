"""``make bench``: rillet against its transport, the bare-socket floor, LangChain and openai-python.

Interleaved rounds (see ``suites.py``): each suite runs in rounds; every round runs each of the
suite's approaches once, each in a fresh worker process (``worker.py``: warm-up, then a few timed
runs of which the best counts), in an order rotated by one each round. Ratios are computed within
a round, and the report gives each ratio's median over the rounds with its min-max spread; the
acceptance lines judge those medians. Every round records the machine's load, CPU steal, clock
and a fixed speed probe (``probes.py``): the machine is shared, its speed drifts by up to 2x
within minutes, and a ratio of two figures taken minutes apart would measure that drift.

One local server process (``server.py``, precomputed bodies) serves every approach the same bytes;
every run's full text is checked. Prints tables, writes JSON (``--out``) and, after a full run,
``benchmarks/RESULTS.md``.

    python benchmarks/run.py                        # every suite (about 10 minutes)
    python benchmarks/run.py --rounds 3             # fewer rounds everywhere
    python benchmarks/run.py --quick                # small N, 3 rounds: checks the harness
    python benchmarks/run.py --suites core          # one suite (see --list)
    python benchmarks/run.py --suites core --only rillet.astream,floor.socket
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from approaches import APPROACHES
from imports import IMPORT_TARGETS, PEER_TARGETS, import_breakdown, import_round, warm_imports
from probes import RoundProbe
from report import acceptance, format_report, markdown_report, summarize
from suites import SUITES, Suite

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
SERVER = HERE / "server.py"
RESULT_PREFIX = "BENCH_RESULT "

PACKAGES = [
    "rillet",
    "httpx",
    "httpcore",
    "h11",
    "msgspec",
    "anyio",
    "langchain-core",
    "langchain-openai",
    "openai",
    "aiohttp",
    "httpx-aiohttp",
]


@dataclass(frozen=True)
class Settings:
    rounds: int | None  # None: each suite's own default
    n: int | None  # None: each suite's own N
    warmup: int
    timeout: float
    quick: bool
    only: frozenset[str] | None


class Server:
    """The benchmark server in its own process; it exits when we close its stdin."""

    def __init__(self, prebuild: list[int]) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(SERVER),
                "--watch-stdin",
                "--prebuild",
                ",".join(map(str, prebuild)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}/v1"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server so far (Linux), to show it is not the bottleneck."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_worker(server: Server, key: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh process; errors come back as ``{"error": ...}``."""
    cpu_before = server.cpu_seconds()
    command = [sys.executable, str(WORKER), "--approach", key, "--base-url", server.base_url, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    cpu_after = server.cpu_seconds()
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        tail = " ".join(done.stderr.strip().splitlines()[-1:])[:300]
        return {"error": f"worker exited with {done.returncode}: {tail}"}
    result: dict[str, Any] = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_s"] = cpu_after - cpu_before
    return result


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rotated(keys: list[str], by: int) -> list[str]:
    if not keys:
        return keys
    by %= len(keys)
    return keys[by:] + keys[:by]


def _best(values: list[float]) -> float:
    return min(values)


def measure_chunk(server: Server, suite: Suite, key: str, settings: Settings) -> dict[str, Any]:
    n = min(APPROACHES[key].n or suite.n, suite.n)
    args = ["--n", str(n), "--runs", str(suite.runs), "--warmup", str(settings.warmup)]
    result = run_worker(server, key, args, settings.timeout)
    times = result.get("times", {}).get(str(n))
    cpu = result.get("cpu_times", {}).get(str(n))
    return {
        "n": n,
        "value": _best(times) / n * 1e6 if times else None,  # µs/chunk, best run
        "median_us": statistics.median(times) / n * 1e6 if times else None,
        "cpu_us": _best(cpu) / n * 1e6 if cpu else None,
        "cpu_value": _best(cpu) / n * 1e6 if cpu else None,  # what CPU-time criteria judge
        "times_s": times,
        "cpu_times_s": cpu,
        "nivcsw": (result.get("nivcsw") or {}).get(str(n)),
        "server_cpu_s": result.get("server_cpu_s"),
        "worker_wall_s": result.get("wall_s"),
        "error": result.get("error"),
    }


def measure_linearity(server: Server, suite: Suite, key: str, settings: Settings) -> dict[str, Any]:
    small, large = suite.linear_ns[key]
    if settings.quick:
        small, large = small // 2, large // 2
    args = ["--n", f"{small},{large}", "--runs", str(suite.runs), "--warmup", str(settings.warmup)]
    result = run_worker(server, key, args, settings.timeout)
    times = result.get("times", {})
    us_small = _best(times[str(small)]) / small * 1e6 if times.get(str(small)) else None
    us_large = _best(times[str(large)]) / large * 1e6 if times.get(str(large)) else None
    cpu = result.get("cpu_times", {})
    cpu_small = _best(cpu[str(small)]) / small * 1e6 if cpu.get(str(small)) else None
    cpu_large = _best(cpu[str(large)]) / large * 1e6 if cpu.get(str(large)) else None
    return {
        "cpu_value": cpu_large / cpu_small if cpu_small and cpu_large else None,  # CPU growth
        "n_small": small,
        "n_large": large,
        "us_small": us_small,
        "us_large": us_large,
        "value": us_large / us_small if us_small and us_large else None,  # growth
        "worker_wall_s": result.get("wall_s"),
        "error": result.get("error"),
    }


def measure_concurrent(
    server: Server, suite: Suite, key: str, settings: Settings
) -> dict[str, Any]:
    n = settings.n or suite.n
    args = ["--mode", "concurrent", "--n", str(n), "--streams", str(suite.streams)]
    args += ["--runs", str(suite.runs)]
    result = run_worker(server, key, args, settings.timeout)
    times = result.get("times")
    total = suite.streams * n
    return {
        "n": n,
        "streams": suite.streams,
        "value": total / _best(times) if times else None,  # chunks/s
        "rss_mb": result["max_rss_kb"] / 1024 if "max_rss_kb" in result else None,
        "rss_start_mb": (result.get("rss_start_kb") or 0) / 1024 or None,
        "times_s": times,
        "cpu_times_s": result.get("cpu_times"),
        "nivcsw": result.get("nivcsw"),
        "server_cpu_s": result.get("server_cpu_s"),
        "worker_wall_s": result.get("wall_s"),
        "error": result.get("error"),
    }


MEASURE = {
    "chunk": measure_chunk,
    "linearity": measure_linearity,
    "concurrent": measure_concurrent,
}


def _shown(mode: str, row: dict[str, Any]) -> str:
    value = row.get("value")
    if value is None:
        return f"n/a ({row.get('error')})"
    if mode == "chunk":
        return f"{value:.2f}"
    if mode == "linearity":
        return f"×{value:.2f}"
    if mode == "concurrent":
        return f"{value:,.0f}/s"
    cpu = row.get("cpu_value")
    return f"{value:.0f} ms" if cpu is None else f"{cpu:.0f} ms CPU ({value:.0f} wall)"


def run_suite(server: Server | None, suite: Suite, settings: Settings) -> dict[str, Any]:
    if suite.mode == "imports":
        keys: list[str] = []
    else:
        keys = [k for k in suite.keys if settings.only is None or k in settings.only]
    rounds_wanted = settings.rounds or suite.rounds
    started = time.perf_counter()
    rounds: list[dict[str, Any]] = []
    targets = IMPORT_TARGETS | (PEER_TARGETS if suite.name == "imports-peers" else {})
    if suite.mode == "imports":
        warm_imports(targets)
    for r in range(rounds_wanted):
        order = rotated(keys, r)
        probe = RoundProbe.start()
        rows: dict[str, dict[str, Any]] = {}
        if suite.mode == "imports":
            rows = dict(import_round(targets, suite.runs, r))
        else:
            assert server is not None
            for key in order:
                rows[key] = MEASURE[suite.mode](server, suite, key, settings)
        machine_state = probe.finish()
        rounds.append({"round": r + 1, "order": order, "machine": machine_state, "rows": rows})
        figures = ", ".join(f"{k} {_shown(suite.mode, row)}" for k, row in rows.items())
        load = machine_state["load_1min"]
        progress(
            f"[{suite.name} {r + 1}/{rounds_wanted}] load {load if load is None else f'{load:.2f}'},"
            f" probe {machine_state['speed_probe_ms']:.1f} ms: {figures}"
        )
    result: dict[str, Any] = {
        "suite": suite.name,
        "title": suite.title,
        "mode": suite.mode,
        "keys": keys,
        "settings": {
            "rounds": rounds_wanted,
            "n": settings.n or suite.n,
            "runs": suite.runs,
            "warmup": settings.warmup,
            "streams": suite.streams,
            "reference": suite.reference,
        },
        "note": suite.note,
        "rounds": rounds,
        "elapsed_s": time.perf_counter() - started,
    }
    if suite.name == "imports":
        result["rillet_breakdown"] = import_breakdown("rillet")
    result["summary"] = summarize(result)
    return result


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty src" if dirty else "")


def source_digest(package: Path = ROOT / "src" / "rillet") -> str:
    """A digest of rillet's source (its .py files)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def snapshot_rillet(into: Path) -> str:
    """Copy ``src/rillet`` into ``into`` and put it first on every child's ``sys.path``.

    Others may edit ``src/`` while the benchmark runs: every worker then measures the same rillet,
    the one of the moment the run started. Returns the snapshot's digest.
    """
    shutil.copytree(
        ROOT / "src" / "rillet", into / "rillet", ignore=shutil.ignore_patterns("__pycache__")
    )
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(into), os.environ.get("PYTHONPATH")])
    )
    return source_digest(into / "rillet")


def machine() -> dict[str, object]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = ", ".join(s.name for s in SUITES)
    parser.add_argument("--quick", action="store_true", help="small N and 3 rounds everywhere")
    parser.add_argument("--rounds", type=int, help="rounds per suite (default: the suite's own)")
    parser.add_argument("--n", type=int, help="chunks per stream for every chunk suite")
    parser.add_argument("--suites", help=f"comma-separated suites (default all: {names})")
    parser.add_argument("--skip", default="", help="comma-separated suites to leave out")
    parser.add_argument("--only", help="comma-separated approach keys (within the suites)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per worker (1)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per worker process")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--list", action="store_true", help="list suites and approaches, exit")
    return parser.parse_args()


def quick_suite(suite: Suite) -> Suite:
    if suite.mode == "concurrent":
        return replace(suite, n=200)
    if suite.mode == "chunk":
        return replace(suite, n=min(suite.n, 2000), runs=min(suite.runs, 2))
    return replace(suite, runs=min(suite.runs, 2))


def main() -> None:
    args = parse_args()
    if args.list:
        for suite in SUITES:
            extra = "" if suite.default else " [only with --suites]"
            print(f"{suite.name} ({suite.mode}, {suite.rounds} rounds){extra}: {suite.title}")
            for key in suite.keys:
                print(f"    {key:38} {APPROACHES[key].label}")
        return
    wanted = set(args.suites.split(",")) if args.suites else {s.name for s in SUITES if s.default}
    wanted -= set(filter(None, args.skip.split(",")))
    unknown_suites = wanted - {s.name for s in SUITES}
    if unknown_suites:
        raise SystemExit(f"unknown suites: {', '.join(sorted(unknown_suites))} (see --list)")
    only = frozenset(args.only.split(",")) if args.only else None
    unknown = (only or frozenset()) - set(APPROACHES)
    if unknown:
        raise SystemExit(f"unknown approaches: {', '.join(sorted(unknown))} (see --list)")
    settings = Settings(
        rounds=args.rounds or (3 if args.quick else None),
        n=args.n,
        warmup=args.warmup,
        timeout=args.timeout,
        quick=bool(args.quick),
        only=only,
    )
    suites = [s for s in SUITES if s.name in wanted]
    if args.quick:
        suites = [quick_suite(s) for s in suites]
    if args.n:
        suites = [replace(s, n=args.n) if s.mode == "chunk" else s for s in suites]
    prebuild = sorted(
        {s.n for s in suites if s.mode in ("chunk", "concurrent")}
        | {n for s in suites for pair in s.linear_ns.values() for n in pair}
        | {20}  # the concurrent warm-up
    )
    started = time.perf_counter()
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rillet-bench-") as snapshot:
        digest = snapshot_rillet(Path(snapshot))
        server = Server(prebuild)
        progress(f"server at {server.base_url}; rillet snapshot {digest}; suites {sorted(wanted)}")
        try:
            for suite in suites:
                out.append(run_suite(server, suite, settings))
        finally:
            server.stop()

    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": settings.quick,
        "machine": machine(),
        "versions": versions(),
        "rillet_revision": git_revision(),
        "rillet_source_digest": digest,
        "rillet_source_changed_during_run": source_digest() != digest,
        "warmup": settings.warmup,
        "suites": out,
    }
    results["acceptance"] = acceptance(results)
    results["elapsed_s"] = time.perf_counter() - started

    print(format_report(results))
    if results["rillet_source_changed_during_run"]:
        progress("note: src/rillet changed during the run; the figures are those of the snapshot")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    progress(f"wrote {args.out}")
    failed = [a["criterion"] for a in results["acceptance"] if a["pass"] is False]
    complete = not (settings.quick or only or args.suites or args.skip or args.n)
    if complete:
        markdown = HERE / "RESULTS.md"
        markdown.write_text(markdown_report(results))
        progress(f"wrote {markdown}")
    if failed:
        progress(f"{len(failed)} acceptance line(s) FAIL: " + "; ".join(failed))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
