"""cProfile one approach's per-chunk path against the benchmark server.

    python benchmarks/profile_approach.py                       # rillet astream, N=20000
    python benchmarks/profile_approach.py --approach rillet.astream_events.v2 --top 40

The client is set up and warmed outside the profile; the profile covers ``--runs`` streams.
Times under cProfile are inflated (per call); read the shares, not the absolute µs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import re
import sys

from approaches import APPROACHES, AsyncRunner, SyncRunner
from run import Server
from worker import check


def owner(filename: str) -> str:
    """The package a profiled function belongs to: rillet, a site-package, the stdlib, or C."""
    if filename == "~":
        return "(C built-ins: msgspec decode, bytes ops...)"
    if "/src/rillet/" in filename:
        return "rillet"
    match = re.search(r"site-packages/([^/]+)", filename)
    if match:
        return match.group(1).removesuffix(".py")
    match = re.search(r"python3\.\d+/([^/]+)", filename)
    if match:
        return "stdlib " + match.group(1).removesuffix(".py")
    return filename


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time (tottime) summed per package, largest first."""
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = owner(filename)
        totals[key] = totals.get(key, 0.0) + tottime
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approach", default="rillet.astream", choices=sorted(APPROACHES))
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--out", help="also save the raw profile here (for snakeviz etc.)")
    args = parser.parse_args()
    approach = APPROACHES[args.approach]
    server = Server([args.n])
    profiler = cProfile.Profile()
    try:
        if approach.is_async:

            async def go() -> None:
                runner: AsyncRunner = await approach.setup(server.base_url)
                check(await runner.run(args.n), args.n)  # warm-up
                profiler.enable()
                for _ in range(args.runs):
                    await runner.run(args.n)
                profiler.disable()
                await runner.close()

            asyncio.run(go())
        else:
            runner: SyncRunner = approach.setup(server.base_url)
            check(runner.run(args.n), args.n)
            profiler.enable()
            for _ in range(args.runs):
                runner.run(args.n)
            profiler.disable()
            runner.close()
    finally:
        server.stop()
    if args.out:
        profiler.dump_stats(args.out)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    total = stats.total_tt  # type: ignore[attr-defined]
    chunks = args.n * args.runs
    print(f"{args.approach}: {total / chunks * 1e6:.2f} µs/chunk under cProfile ({chunks} chunks)")
    print("\nown time by package:")
    for package, tottime in by_package(stats):
        if tottime / total >= 0.005:
            print(f"  {tottime / total:6.1%}  {tottime / chunks * 1e6:6.2f} µs/chunk  {package}")
    print()
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
