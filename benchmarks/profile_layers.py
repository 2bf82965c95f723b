"""Where one approach's time per chunk goes, layer by layer (py-spy sampling, no instrumentation).

    pip install py-spy                    # not a project dependency; any py-spy >= 0.3
    python benchmarks/profile_layers.py --approach rillet.astream
    python benchmarks/profile_layers.py --approach rillet.astream --runs 60 --keep /tmp/raw.txt

Runs ``worker.py`` for the approach (many streams of N chunks) under ``py-spy record --format
raw``; only samples inside the approach's ``run`` count (not imports, setup or the text check).
Each sample is charged to the innermost frame's layer (time in C, e.g. msgspec's decoder or a
socket read, is charged to the Python line that called it):

- transport: asyncio's loop and selector, aiohttp, httpx-aiohttp, httpx (``aiter_bytes`` ...)
- SSE split: ``_wire/sse.py``
- decode: the lines of the provider's reader that call the typed msgspec decoder
- chunk construction: the rest of the reader (the builder, the chunk struct)
- read loop: ``read_loop.py`` (the generator that feeds the reader and yields chunks)
- generator levels: rillet's other generators between the read loop and the stream
- stream wrapper: ``stream.py`` (``AsyncStream.__anext__``)
- consumer: the benchmark's own loop (``approaches.py``)

Shares are exact up to sampling noise; µs/chunk = share × the measured µs/chunk of the profiled
process (py-spy slows it by a few per cent).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from run import Server

HERE = Path(__file__).resolve().parent

LAYERS = [
    "transport",
    "SSE split",
    "decode",
    "chunk construction",
    "read loop",
    "generator levels",
    "stream wrapper",
    "consumer",
    "other",
]

_RUN = re.compile(r"^(?:\S+\.)?run \([^()]*approaches\.py")
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def layer_of(func: str, file: str, code: str) -> str:
    """The layer a frame belongs to (``code`` is its source line, for the decode split)."""
    if file.startswith("rillet/") or "/rillet/" in file:
        if file.endswith("_wire/sse.py"):
            return "SSE split"
        if "/_providers/" in file or file.endswith("_values/outputs.py") or "messages" in file:
            if "decode" in code or func == "_decode":
                return "decode"
            return "chunk construction"
        if file.endswith("_wire/reader.py"):
            return "chunk construction"
        if file.endswith("read_loop.py"):
            return "read loop"
        if file.endswith("stream.py"):
            return "stream wrapper"
        return "generator levels"
    if file.endswith("approaches.py"):
        return "consumer"
    top = file.lstrip("/").split("/")
    packages = {"aiohttp", "httpx_aiohttp", "httpx", "asyncio", "anyio", "h11", "httpcore"}
    if packages.intersection(top) or file.endswith(("selectors.py", "socket.py", "ssl.py")):
        return "transport"
    return "other"


class Lines:
    """Source lines by file, read once."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def get(self, file: str, line: int) -> str:
        if file not in self.files:
            path = Path(file)
            if not path.is_absolute() and file.startswith("rillet/"):
                path = HERE.parent / "src" / file  # py-spy shortens the paths it shows
            try:
                self.files[file] = path.read_text().splitlines()
            except OSError:
                self.files[file] = []
        lines = self.files[file]
        return lines[line - 1] if 0 < line <= len(lines) else ""


def analyse(raw: str, top: int) -> tuple[Counter[str], Counter[str], int]:
    by_layer: Counter[str] = Counter()
    by_line: Counter[str] = Counter()
    lines = Lines()
    total = 0
    for entry in raw.splitlines():
        stack, _, count_text = entry.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        # only samples inside the measured run (the approach's `run`), not setup or checks
        if not any(_RUN.match(f) for f in frames) or any("importlib" in f for f in frames):
            continue  # setup, the text check, a lazy import on the first call
        count = int(count_text)
        match = _FRAME.match(frames[-1].strip())
        if match is None:
            continue
        file, line = match["file"], int(match["line"] or 0)
        code = lines.get(file, line)
        layer = layer_of(match["func"], file, code)
        by_layer[layer] += count
        short = "/".join(file.split("/")[-2:])
        by_line[f"{layer:18} {match['func']} ({short}:{line}) {code.strip()[:60]}"] += count
        total += count
    return by_layer, by_line, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approach", default="rillet.astream")
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rate", type=int, default=997, help="samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="keep py-spy's raw output here")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    args = parser.parse_args()
    server = Server([args.n])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(args.keep or Path(tmp) / "raw.txt")
            command = [
                args.py_spy, "record", "--format", "raw", "--rate", str(args.rate),
                "--output", str(out), "--nonblocking", "--",
                sys.executable, str(HERE / "worker.py"), "--approach", args.approach,
                "--base-url", server.base_url, "--n", str(args.n), "--runs", str(args.runs),
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
            if done.returncode != 0 or not out.exists():
                raise SystemExit(f"py-spy failed: {done.stderr.strip()[-500:]}")
            result = next(
                (line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")),
                "",
            )
            raw = out.read_text()
    finally:
        server.stop()
    import json
    import statistics

    times = json.loads(result.removeprefix("BENCH_RESULT ")).get("times", {}).get(str(args.n))
    us = statistics.median(times) / args.n * 1e6 if times else None
    by_layer, by_line, total = analyse(raw, args.top)
    head = f"{args.approach}: {total} samples in run()"
    print(head + (f"; {us:.2f} µs/chunk (median of {len(times)}, under py-spy)" if us else ""))
    for layer in LAYERS:
        share = by_layer.get(layer, 0) / total if total else 0.0
        per = f"{share * us:5.2f} µs/chunk" if us else ""
        print(f"  {layer:20} {share:6.1%}  {per}")
    print(f"\ntop {args.top} lines (own samples):")
    for name, count in by_line.most_common(args.top):
        print(f"  {count / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
