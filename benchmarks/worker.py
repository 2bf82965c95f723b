"""Measure one approach in this (fresh) process and print the result as one JSON line.

``chunk`` mode: warm-up runs, then timed runs of one stream of N tokens, for each N given (with
several N, as the linearity suites give, the sizes alternate run by run, so the i-th runs of
each size are measured next to each other).
``concurrent`` mode: ``--streams`` concurrent streams of N tokens (``asyncio.gather``), then the
peak RSS of the process (``ru_maxrss``). Every run's text is checked against the expected text
(outside the timing); a mismatch is an error, so nothing wins by skipping work.

The result is the last stdout line, prefixed with ``RESULT_PREFIX``.

``serve`` mode (``--serve``, chunk runs driven by ``run.py``, one at a time): the process sets up
every approach of ``--approach`` (a comma-separated list; one event loop for the async ones),
answers ``{"ready": true}``, then one JSON command per stdin line — ``{"key": K, "n": N}`` does
one timed run of approach K and answers ``{"wall": s, "cpu": s, "nivcsw": k}`` (or ``{"error":
...}``); ``{"freeze": true}`` (after the warm-up runs) moves every live object into the
collector's permanent generation (``gc.freeze``); an empty line or EOF closes the clients and
ends it. So ``run.py`` can alternate the
timed runs of several approaches, each in a fresh process of its own or (``Suite.together``)
several in one process, and form every ratio from runs measured next to each other.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import time
import traceback
from typing import Any

from approaches import APPROACHES, Approach, AsyncRunner, SyncRunner
from workload import expected_text

RESULT_PREFIX = "BENCH_RESULT "
CONCURRENT_WARMUP_N = 20


class TextMismatch(AssertionError):
    pass


def check(text: str, n: int) -> None:
    expected = expected_text(n)
    if text != expected:
        at = next(
            (i for i, (a, b) in enumerate(zip(text, expected, strict=False)) if a != b),
            min(len(text), len(expected)),
        )
        raise TextMismatch(
            f"text differs at {at} (got {len(text)} chars, expected {len(expected)}): "
            f"{text[at : at + 20]!r} != {expected[at : at + 20]!r}"
        )


def rss_kb() -> int | None:
    """The current resident set size, in KiB (Linux), else None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def max_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


# (wall seconds, this process's CPU seconds, involuntary context switches: times the kernel took
# the CPU away from this process for another one; a sign of a busy machine)
Timing = tuple[float, float, int]


def _nivcsw() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw


def _timed_sync(runner: SyncRunner, n: int) -> Timing:
    gc.collect()
    switches, start, cpu = _nivcsw(), time.perf_counter(), time.process_time()
    text = runner.run(n)
    timing = (time.perf_counter() - start, time.process_time() - cpu, _nivcsw() - switches)
    check(text, n)
    return timing


async def _timed_async(runner: AsyncRunner, n: int) -> Timing:
    gc.collect()
    switches, start, cpu = _nivcsw(), time.perf_counter(), time.process_time()
    text = await runner.run(n)
    timing = (time.perf_counter() - start, time.process_time() - cpu, _nivcsw() - switches)
    check(text, n)
    return timing


def _split(timings: dict[str, list[Timing]]) -> dict[str, Any]:
    return {
        "times": {n: [t[0] for t in ts] for n, ts in timings.items()},
        "cpu_times": {n: [t[1] for t in ts] for n, ts in timings.items()},
        "nivcsw": {n: [t[2] for t in ts] for n, ts in timings.items()},
    }


def chunk_sync(approach: Approach, base_url: str, ns: list[int], warmup: int, runs: int) -> Any:
    runner: SyncRunner = approach.setup(base_url)
    out: dict[str, list[Timing]] = {}
    try:
        for n in ns:
            for _ in range(warmup):
                _timed_sync(runner, n)
        for i in range(runs):  # several sizes (linearity): alternated, run i of each side by side
            for n in ns if i % 2 == 0 else ns[::-1]:
                out.setdefault(str(n), []).append(_timed_sync(runner, n))
    finally:
        runner.close()
    return _split(out)


async def chunk_async(
    approach: Approach, base_url: str, ns: list[int], warmup: int, runs: int
) -> Any:
    runner: AsyncRunner = await approach.setup(base_url)
    out: dict[str, list[Timing]] = {}
    try:
        for n in ns:
            for _ in range(warmup):
                await _timed_async(runner, n)
        for i in range(runs):  # several sizes (linearity): alternated, run i of each side by side
            for n in ns if i % 2 == 0 else ns[::-1]:
                out.setdefault(str(n), []).append(await _timed_async(runner, n))
    finally:
        await runner.close()
    return _split(out)


async def concurrent(approach: Approach, base_url: str, n: int, streams: int, runs: int) -> Any:
    rss_start = rss_kb()
    runner: AsyncRunner = await approach.setup(base_url)

    async def one_round(size: int) -> Timing:
        gc.collect()
        switches, start, cpu = _nivcsw(), time.perf_counter(), time.process_time()
        texts = await asyncio.gather(*(runner.run(size) for _ in range(streams)))
        timing = (time.perf_counter() - start, time.process_time() - cpu, _nivcsw() - switches)
        for text in texts:
            check(text, size)
        return timing

    try:
        await one_round(CONCURRENT_WARMUP_N)  # opens the connections, imports lazily loaded code
        rss_ready = rss_kb()
        timings = [await one_round(n) for _ in range(runs)]
    finally:
        await runner.close()
    return {
        "times": [t[0] for t in timings],
        "cpu_times": [t[1] for t in timings],
        "nivcsw": [t[2] for t in timings],
        "rss_start_kb": rss_start,
        "rss_ready_kb": rss_ready,
        "max_rss_kb": max_rss_kb(),
    }


def serve(keys: list[str], base_url: str) -> None:
    """The ``--serve`` loop (see the module docstring). Protocol lines go to the original stdout;
    anything an approach prints goes to stderr."""
    import os

    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    def say(message: dict[str, Any]) -> None:
        protocol.write(RESULT_PREFIX + json.dumps(message) + "\n")

    loop = asyncio.new_event_loop()
    runners: dict[str, AsyncRunner | SyncRunner] = {}
    try:
        for key in keys:
            approach = APPROACHES[key]
            runners[key] = (
                loop.run_until_complete(approach.setup(base_url))
                if approach.is_async
                else approach.setup(base_url)
            )
        say({"ready": True})
        for line in sys.stdin:
            if not line.strip():
                break
            command = json.loads(line)
            if command.get("freeze"):
                # After the warm-up: what setup and the first runs loaded (modules, classes,
                # clients, connections) stays; freeze it, so the collection before every timed
                # run walks only what runs allocate (else ~45k objects: 10-50 ms per run, more
                # than a whole ainvoke). Every served worker does it, at the same point.
                gc.collect()
                gc.freeze()
                say({"frozen": gc.get_freeze_count()})
                continue
            runner = runners[command["key"]]
            try:
                if isinstance(runner, AsyncRunner):
                    timing = loop.run_until_complete(_timed_async(runner, command["n"]))
                else:
                    timing = _timed_sync(runner, command["n"])
                say({"wall": timing[0], "cpu": timing[1], "nivcsw": timing[2]})
            except Exception as exc:
                traceback.print_exc()
                say({"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"})
    except Exception as exc:
        traceback.print_exc()
        say({"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"})
    finally:
        for runner in runners.values():
            if isinstance(runner, AsyncRunner):
                loop.run_until_complete(runner.close())
            else:
                runner.close()
        loop.close()
        rillet = sys.modules.get("rillet")
        say({"done": True, "rillet_file": getattr(rillet, "__file__", None)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="timed runs on command (run.py)")
    parser.add_argument("--approach", required=True, help="a key (--serve: comma-separated keys)")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mode", choices=["chunk", "concurrent"], default="chunk")
    parser.add_argument("--n", default="20000", help="tokens per stream (chunk mode: a list)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--streams", type=int, default=100)
    args = parser.parse_args()

    unknown = [key for key in args.approach.split(",") if key not in APPROACHES]
    if unknown:
        parser.error(f"unknown approach(es): {', '.join(unknown)}")
    if args.serve:
        serve(args.approach.split(","), args.base_url)
        return
    approach = APPROACHES[args.approach]
    ns = [int(n) for n in args.n.split(",")]
    start = time.perf_counter()
    try:
        if args.mode == "concurrent":
            if not approach.is_async:
                raise ValueError("concurrent mode needs an async approach")
            result = asyncio.run(
                concurrent(approach, args.base_url, ns[0], args.streams, args.runs)
            )
        elif approach.is_async:
            result = asyncio.run(chunk_async(approach, args.base_url, ns, args.warmup, args.runs))
        else:
            result = chunk_sync(approach, args.base_url, ns, args.warmup, args.runs)
    except Exception as exc:
        traceback.print_exc()
        message = " ".join(str(exc).split())[:300]
        result = {"error": f"{type(exc).__name__}: {message}"}
    result["wall_s"] = time.perf_counter() - start
    rillet = sys.modules.get("rillet")
    if rillet is not None:  # which rillet was measured (run.py runs a snapshot of src/rillet)
        result["rillet_file"] = getattr(rillet, "__file__", None)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
