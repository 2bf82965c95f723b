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
import select
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
from suites import CRITERIA, SUITES, Suite

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
        if self.process.stdout is not None:
            self.process.stdout.close()


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


class ServedWorker:
    """A fresh ``worker.py --serve`` process holding one or more approaches' clients; timed runs
    on command, one at a time, so runs of different processes can alternate."""

    def __init__(self, server: Server, keys: tuple[str, ...], timeout: float) -> None:
        self.keys = keys
        self.timeout = timeout
        self.error: str | None = None
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  # closed by close()
        command = [sys.executable, str(WORKER), "--serve", "--approach", ",".join(keys)]
        self.process = subprocess.Popen(
            [*command, "--base-url", server.base_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )
        ready = self._read()
        if "error" in ready:
            self.error = ready["error"]

    def _read(self) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            if not select.select([stdout], [], [], self.timeout)[0]:
                self.process.kill()
                return {"error": f"timed out after {self.timeout:.0f} s"}
            line = stdout.readline()
            if not line:
                self.process.wait()
                self.stderr.seek(0)
                tail = " ".join(self.stderr.read().strip().splitlines()[-1:])[:300]
                return {"error": f"worker exited with {self.process.returncode}: {tail}"}
            if line.startswith(RESULT_PREFIX):
                message: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
                return message

    def run(self, key: str, n: int) -> dict[str, Any]:
        """One timed run: ``{"wall", "cpu", "nivcsw"}`` in seconds, or ``{"error"}``."""
        if self.error is not None:
            return {"error": self.error}
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"key": key, "n": n}) + "\n")
        self.process.stdin.flush()
        result = self._read()
        if "error" in result and self.process.poll() is not None:
            self.error = result["error"]
        return result

    def freeze(self) -> None:
        """After the warm-up: ``gc.freeze()`` in the worker (see worker.py)."""
        if self.error is None:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({"freeze": True}) + "\n")
            self.process.stdin.flush()
            result = self._read()
            if "error" in result:
                self.error = result["error"]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("\n")
                self.process.stdin.close()
                self._read()  # "done", after the clients closed
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def schedule(
    keys: list[str], pairs: list[tuple[str, str]], round_index: int, step: int
) -> list[tuple[str, ...]]:
    """The runs of one step of a round, in order: each pair of a ratio as two runs side by side
    (which goes first alternates step by step and round by round), then every key in no pair
    once; the units rotate by one each step and each round."""
    units: list[tuple[str, ...]] = [pair for pair in pairs if set(pair) <= set(keys)]
    paired = {key for pair in units for key in pair}
    units += [(key,) for key in keys if key not in paired]
    flip = (round_index + step) % 2 == 1
    units = [unit[::-1] if flip and len(unit) == 2 else unit for unit in units]
    return rotated(units, round_index + step)


def chunk_round(
    server: Server,
    suite: Suite,
    order: list[str],
    pairs: list[tuple[str, str]],
    round_index: int,
    settings: Settings,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, list[float]]]]:
    """One round of a chunk suite in lockstep: a fresh process per approach (or per group of
    ``suite.together``), all set up first; then ``suite.runs`` steps, each running every pair of a
    ratio side by side (``schedule``). Returns the rows (a key's figure: the best of its first run
    in each step, so every key has ``runs`` of them) and, per pair ``"top / bottom"``, the ratio
    of each step's two adjacent runs (per chunk; CPU and wall)."""
    groups = [tuple(k for k in group if k in order) for group in suite.together]
    groups = [group for group in groups if group]
    workers: dict[str, ServedWorker] = {}
    ns = {key: min(APPROACHES[key].n or suite.n, suite.n) for key in order}
    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in order}
    firsts: dict[str, list[dict[str, Any]]] = {key: [] for key in order}
    ratios: dict[str, dict[str, list[float]]] = {
        f"{top} / {bottom}": {"cpu": [], "wall": []}
        for top, bottom in pairs
        if top in order and bottom in order
    }

    def timed(key: str) -> dict[str, Any]:
        before = server.cpu_seconds()
        result = workers[key].run(key, ns[key])
        after = server.cpu_seconds()
        if before is not None and after is not None:
            result["server_cpu_s"] = after - before
        runs[key].append(result)
        return result

    try:
        for key in order:  # fresh processes, started in the round's order
            if key in workers:
                continue
            group = next((g for g in groups if key in g), (key,))
            worker = ServedWorker(server, group, settings.timeout)
            for member in group:
                workers[member] = worker
        for key in order:
            for _ in range(settings.warmup):
                workers[key].run(key, ns[key])
        for worker in {id(w): w for w in workers.values()}.values():
            worker.freeze()
        for step in range(suite.runs):
            seen: set[str] = set()
            for unit in schedule(order, pairs, round_index, step):
                results = [timed(key) for key in unit]
                for key, result in zip(unit, results, strict=True):
                    if key not in seen:
                        seen.add(key)
                        firsts[key].append(result)
                if len(unit) == 2 and all("cpu" in result for result in results):
                    by_key = dict(zip(unit, results, strict=True))
                    for top, bottom in (unit, unit[::-1]):
                        if f"{top} / {bottom}" in ratios:  # per chunk: each at its own N
                            scale = ns[bottom] / ns[top]
                            for field, name in (("cpu", "cpu"), ("wall", "wall")):
                                ratios[f"{top} / {bottom}"][name].append(
                                    by_key[top][field] / by_key[bottom][field] * scale
                                )
    finally:
        for worker in {id(w): w for w in workers.values()}.values():
            worker.close()
    rows = {key: chunk_row(ns[key], firsts[key], runs[key]) for key in order}
    return rows, ratios


def chunk_row(n: int, firsts: list[dict[str, Any]], every: list[dict[str, Any]]) -> dict[str, Any]:
    """A key's figures in a round: best and median of its first run per step (µs/chunk)."""
    times = [r["wall"] for r in firsts if "wall" in r]
    cpu = [r["cpu"] for r in firsts if "cpu" in r]
    errors = [r["error"] for r in every if "error" in r]
    return {
        "n": n,
        "value": _best(times) / n * 1e6 if times else None,  # µs/chunk, best run
        "median_us": statistics.median(times) / n * 1e6 if times else None,
        "cpu_us": _best(cpu) / n * 1e6 if cpu else None,
        "cpu_value": _best(cpu) / n * 1e6 if cpu else None,  # what CPU-time criteria judge
        "times_s": times,
        "cpu_times_s": cpu,
        "runs_in_pairs": len(every),
        "nivcsw": [r["nivcsw"] for r in firsts if "nivcsw" in r],
        "server_cpu_s": sum(r.get("server_cpu_s") or 0.0 for r in every),
        "worker_wall_s": sum(r.get("wall") or 0.0 for r in every),
        "error": errors[0] if errors else None,
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
    return {
        # growth: the median over the worker's runs of (µs/chunk at large N) / (at small N), the
        # two sizes of each pair run one after the other in the same process
        "cpu_value": growth(cpu.get(str(small)), cpu.get(str(large)), small, large),
        "n_small": small,
        "n_large": large,
        "us_small": us_small,
        "us_large": us_large,
        "value": growth(times.get(str(small)), times.get(str(large)), small, large),
        "worker_wall_s": result.get("wall_s"),
        "error": result.get("error"),
    }


def growth(
    small_s: list[float] | None, large_s: list[float] | None, small: int, large: int
) -> float | None:
    """Median over run pairs of the per-chunk time at ``large`` over that at ``small``."""
    if not small_s or not large_s:
        return None
    return statistics.median(
        (b / large) / (a / small) for a, b in zip(small_s, large_s, strict=False) if a > 0
    )


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


def suite_pairs(suite: str, keys: list[str]) -> list[tuple[str, str]]:
    """The ratios the suite's acceptance lines judge, as ``(top, bottom)``, each once."""
    found: list[tuple[str, str]] = []
    for criterion in CRITERIA:
        pair = (criterion.top, criterion.bottom or "")
        if criterion.suite == suite and set(pair) <= set(keys) and pair not in found:
            found.append(pair)
    return found


def import_pairs(suite: str) -> list[tuple[str, str]]:
    return [(c.top, c.bottom) for c in CRITERIA if c.suite == suite and c.bottom is not None]


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
    pairs = suite_pairs(suite.name, keys)
    for r in range(rounds_wanted):
        order = rotated(keys, r)
        probe = RoundProbe.start()
        rows: dict[str, dict[str, Any]] = {}
        paired: dict[str, dict[str, list[float]]] = {}
        if suite.mode == "imports":
            rows, paired = import_round(targets, suite.runs, r, import_pairs(suite.name))
        elif suite.mode == "chunk":
            assert server is not None
            rows, paired = chunk_round(server, suite, order, pairs, r, settings)
        else:
            assert server is not None
            for key in order:
                rows[key] = MEASURE[suite.mode](server, suite, key, settings)
        machine_state = probe.finish()
        rounds.append(
            {"round": r + 1, "order": order, "machine": machine_state, "rows": rows}
            | ({"pairs": paired} if paired else {})
        )
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
            "pairs": [f"{top} / {bottom}" for top, bottom in pairs],
            "together": [list(group) for group in suite.together],
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
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
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
        "date": date,
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
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    # every run's JSON is kept under its start time too, so runs in a row can be compared
    stamp = results["date"].replace(":", "").replace("-", "").replace("+0000", "Z")
    kept = HERE / "results" / f"run-{stamp}.json"
    for path in (args.out, kept):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        progress(f"wrote {path}")
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
