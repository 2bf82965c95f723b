"""``make bench``: rillet against LangChain, openai-python, naive httpx and the bare-socket floor.

One local server process (``server.py``, precomputed bodies) serves every approach the same bytes.
Each measurement runs in a fresh worker process (``worker.py``): warm-up, then the median of
several runs; every run's full text is checked. Then 100 concurrent streams with peak RSS, import
times, and the acceptance ratios of issue 6. Prints tables, writes JSON (``--out``) and, after a
full run, ``benchmarks/RESULTS.md``.

    python benchmarks/run.py            # the full run (several minutes)
    python benchmarks/run.py --quick    # a short run, for checking the harness
    python benchmarks/run.py --only rillet.astream,floor.socket
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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from approaches import APPROACHES
from imports import import_breakdown, measure_imports
from report import acceptance, format_report, markdown_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "worker.py"
SERVER = HERE / "server.py"
RESULT_PREFIX = "BENCH_RESULT "

# Per-chunk measurements, in table order.
CHUNK_APPROACHES = [
    "rillet.astream",
    "rillet.stream",
    "rillet.astream_events.v1",
    "rillet.astream_events.v2",
    "rillet.stream_events.v2",
    "rillet.chain.astream_events.v2",
    "rillet.chain.stream_events.v2",
    "rillet.astream.aiohttp",
    "rillet.astream_events.v2.aiohttp",
    "rillet.chain.astream_events.v2.aiohttp",
    "langchain.astream",
    "langchain.stream",
    "langchain.astream_events.v1",
    "langchain.astream_events.v2",
    "langchain.chain.astream_events.v2",
    "openai.async",
    "openai.sync",
    "httpx.async",
    "httpx.sync",
    "httpx.async.aiohttp",
    "httpx.bytes",
    "httpx.bytes.aiohttp",
    "floor.socket",
]
# Per-chunk cost at two sizes: flat means linear total time.
LINEARITY = {
    "rillet.astream_events.v2": (1000, 10000),
    "rillet.astream": (1000, 10000),
    "langchain.astream_events.v1": (1000, 2000),
}
CONCURRENT_APPROACHES = [
    "rillet.astream",
    "rillet.astream.aiohttp",
    "langchain.astream",
    "openai.async",
    "httpx.async",
    "httpx.async.aiohttp",
    "floor.socket",
]
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
    n: int
    runs: int
    warmup: int
    streams: int
    concurrent_n: int
    concurrent_runs: int
    import_reps: int
    timeout: float
    quick: bool


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


def per_chunk(result: dict[str, Any], n: int, field: str = "times") -> float | None:
    """Median µs per chunk at ``n`` (wall time, or CPU time with ``field="cpu_times"``)."""
    times = result.get(field, {}).get(str(n))
    return statistics.median(times) / n * 1e6 if times else None


def load_average() -> float | None:
    """The 1-minute load average before a measurement: other work on the machine skews it."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def measure_chunks(server: Server, settings: Settings, keys: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, key in enumerate(keys, 1):
        approach = APPROACHES[key]
        n = min(approach.n or settings.n, settings.n)
        args = ["--n", str(n), "--runs", str(settings.runs), "--warmup", str(settings.warmup)]
        load = load_average()
        result = run_worker(server, key, args, settings.timeout)
        us = per_chunk(result, n)
        times = result.get("times", {}).get(str(n))
        row = {
            "key": key,
            "label": approach.label,
            "group": approach.group,
            "sync": not approach.is_async,
            "n": n,
            "runs": settings.runs,
            "times_s": times,
            "us_per_chunk": us,
            "cpu_us_per_chunk": per_chunk(result, n, "cpu_times"),
            "min_us_per_chunk": min(times) / n * 1e6 if times else None,
            "cpu_times_s": result.get("cpu_times", {}).get(str(n)),
            "load_before": load,
            "server_cpu_s": result.get("server_cpu_s"),
            "worker_wall_s": result.get("wall_s"),
            "note": approach.note,
            "rillet_file": result.get("rillet_file"),
            "error": result.get("error"),
        }
        rows.append(row)
        shown = f"{us:.2f} µs/chunk" if us is not None else f"n/a ({row['error']})"
        progress(f"[{i}/{len(keys)}] {key} N={n}: {shown}")
    return rows


def measure_linearity(server: Server, settings: Settings, keys: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key in keys:
        small, large = LINEARITY[key]
        if settings.quick:
            small, large = small // 2, large // 2
        args = [
            "--n",
            f"{small},{large}",
            "--runs",
            str(settings.runs),
            "--warmup",
            str(settings.warmup),
        ]
        result = run_worker(server, key, args, settings.timeout)
        us_small, us_large = per_chunk(result, small), per_chunk(result, large)
        growth = us_large / us_small if us_small and us_large else None
        rows.append(
            {
                "key": key,
                "label": APPROACHES[key].label,
                "n_small": small,
                "n_large": large,
                "us_per_chunk_small": us_small,
                "us_per_chunk_large": us_large,
                "growth": growth,
                "error": result.get("error"),
            }
        )
        shown = f"×{growth:.2f}" if growth is not None else f"n/a ({result.get('error')})"
        progress(f"[linearity] {key} N={small}→{large}: µs/chunk {shown}")
    return rows


def measure_concurrent(server: Server, settings: Settings, keys: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    total = settings.streams * settings.concurrent_n
    for key in keys:
        args = [
            "--mode",
            "concurrent",
            "--n",
            str(settings.concurrent_n),
            "--streams",
            str(settings.streams),
            "--runs",
            str(settings.concurrent_runs),
        ]
        result = run_worker(server, key, args, settings.timeout)
        times = result.get("times")
        median = statistics.median(times) if times else None
        rows.append(
            {
                "key": key,
                "label": APPROACHES[key].label,
                "streams": settings.streams,
                "n": settings.concurrent_n,
                "runs": settings.concurrent_runs,
                "times_s": times,
                "cpu_times_s": result.get("cpu_times"),
                "chunks_per_s": total / median if median else None,
                "max_rss_mb": result["max_rss_kb"] / 1024 if "max_rss_kb" in result else None,
                "rss_start_mb": (result.get("rss_start_kb") or 0) / 1024 or None,
                "rss_ready_mb": (result.get("rss_ready_kb") or 0) / 1024 or None,
                "server_cpu_s": result.get("server_cpu_s"),
                "worker_wall_s": result.get("wall_s"),
                "error": result.get("error"),
            }
        )
        shown = (
            f"{total / median:,.0f} chunks/s, peak RSS {rows[-1]['max_rss_mb']:.1f} MB"
            if median
            else f"n/a ({result.get('error')})"
        )
        progress(f"[concurrent] {key} {settings.streams}×{settings.concurrent_n}: {shown}")
    return rows


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
    parser.add_argument("--quick", action="store_true", help="a short run (smaller N, fewer runs)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--n", type=int, help="chunks per stream (default 20000; quick 2000)")
    parser.add_argument("--runs", type=int, help="timed runs per measurement (default 5; quick 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--streams", type=int, default=100, help="concurrent streams (100)")
    parser.add_argument("--concurrent-n", type=int, help="chunks per concurrent stream (2000)")
    parser.add_argument("--concurrent-runs", type=int, help="timed concurrent rounds (3)")
    parser.add_argument("--import-reps", type=int, help="fresh interpreters per import (9)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per worker process")
    parser.add_argument("--only", help="comma-separated approach keys (default: all)")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts: chunk,linearity,concurrent,imports"
    )
    parser.add_argument("--list", action="store_true", help="list the approaches and exit")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.list:
        for key, approach in APPROACHES.items():
            print(f"{key:36} {approach.label}")
        return
    quick = bool(args.quick)
    settings = Settings(
        n=args.n or (2000 if quick else 20000),
        runs=args.runs or (3 if quick else 5),
        warmup=args.warmup,
        streams=args.streams,
        concurrent_n=args.concurrent_n or (200 if quick else 2000),
        concurrent_runs=args.concurrent_runs or (1 if quick else 3),
        import_reps=args.import_reps or (3 if quick else 9),
        timeout=args.timeout,
        quick=quick,
    )
    only = set(args.only.split(",")) if args.only else None
    unknown = (only or set()) - set(APPROACHES)
    if unknown:
        raise SystemExit(f"unknown approaches: {', '.join(sorted(unknown))} (see --list)")
    skip = set(filter(None, args.skip.split(",")))

    def selected(keys: list[str] | dict[str, Any]) -> list[str]:
        return [key for key in keys if only is None or key in only]

    prebuild = sorted(
        {settings.n, settings.concurrent_n, 2000, *(n for pair in LINEARITY.values() for n in pair)}
    )
    started = time.perf_counter()
    load = load_average()
    if load is not None and load > 1.0:
        progress(f"warning: 1-min load average {load:.2f}: other work may skew the figures")
    with tempfile.TemporaryDirectory(prefix="rillet-bench-") as snapshot:
        digest = snapshot_rillet(Path(snapshot))
        server = Server(prebuild)
        progress(f"server at {server.base_url}; rillet snapshot {digest}; {settings}")
        try:
            chunks = (
                []
                if "chunk" in skip
                else measure_chunks(server, settings, selected(CHUNK_APPROACHES))
            )
            linearity = (
                []
                if "linearity" in skip
                else measure_linearity(server, settings, selected(LINEARITY))
            )
            concurrent = (
                []
                if "concurrent" in skip
                else measure_concurrent(server, settings, selected(CONCURRENT_APPROACHES))
            )
        finally:
            server.stop()
        imports: dict[str, Any] = {}
        if "imports" not in skip:
            progress("[imports] timing fresh interpreters ...")
            imports = measure_imports(settings.import_reps)
            imports["rillet_breakdown"] = import_breakdown("rillet")

    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
        "versions": versions(),
        "rillet_revision": git_revision(),
        "rillet_source_digest": digest,
        "rillet_source_changed_during_run": source_digest() != digest,
        "settings": settings.__dict__,
        "per_chunk": chunks,
        "linearity": linearity,
        "concurrent": concurrent,
        "imports": imports,
    }
    results["acceptance"] = acceptance(results)
    results["elapsed_s"] = time.perf_counter() - started

    print(format_report(results))
    if results["rillet_source_changed_during_run"]:
        progress("note: src/rillet changed during the run; the figures are those of the snapshot")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    progress(f"wrote {args.out}")
    if quick or only is not None or skip:
        return
    markdown = HERE / "RESULTS.md"
    markdown.write_text(markdown_report(results))
    progress(f"wrote {markdown}")


if __name__ == "__main__":
    main()
