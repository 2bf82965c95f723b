"""The acceptance ratios of issue 6, and the tables (plain text for stdout, Markdown for RESULTS.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["acceptance", "format_report", "markdown_report"]

# What rillet would score over the httpx-aiohttp transport: these keys stand in for the defaults.
AIOHTTP_STANDINS = {
    "rillet.astream": "rillet.astream.aiohttp",
    "rillet.astream_events.v2": "rillet.astream_events.v2.aiohttp",
    "rillet.chain.astream_events.v2": "rillet.chain.astream_events.v2.aiohttp",
}


@dataclass(frozen=True)
class Figures:
    """The measured figures an acceptance ratio is computed from."""

    us: dict[str, float]  # per-chunk µs by approach key
    growth: dict[str, float]  # linearity: µs/chunk at the large N over the small N
    chunks_per_s: dict[str, float]  # concurrent throughput
    rss_mb: dict[str, float]  # concurrent peak RSS
    import_ms: dict[str, float]

    @classmethod
    def of(cls, results: dict[str, Any]) -> Figures:
        return cls(
            us={r["key"]: r["us_per_chunk"] for r in results["per_chunk"] if r["us_per_chunk"]},
            growth={r["key"]: r["growth"] for r in results["linearity"] if r["growth"]},
            chunks_per_s={
                r["key"]: r["chunks_per_s"] for r in results["concurrent"] if r["chunks_per_s"]
            },
            rss_mb={r["key"]: r["max_rss_mb"] for r in results["concurrent"] if r["max_rss_mb"]},
            import_ms=dict(results.get("imports", {}).get("ms", {})),
        )

    def with_aiohttp(self) -> Figures:
        def swap(values: dict[str, float]) -> dict[str, float]:
            swapped = dict(values)
            for key, standin in AIOHTTP_STANDINS.items():
                if standin in values:
                    swapped[key] = values[standin]
                else:
                    swapped.pop(key, None)
            return swapped

        return Figures(
            swap(self.us), self.growth, swap(self.chunks_per_s), swap(self.rss_mb), self.import_ms
        )


def _ratio(values: dict[str, float], top: str, bottom: str) -> float | None:
    if top in values and bottom in values and values[bottom]:
        return values[top] / values[bottom]
    return None


@dataclass(frozen=True)
class Criterion:
    name: str
    formula: str
    op: str  # ">=" or "<="
    threshold: float
    value: Callable[[Figures], float | None]
    transport_sensitive: bool = True  # worth recomputing with the httpx-aiohttp transport


CRITERIA = [
    Criterion(
        "astream ≥ 25× faster than langchain-openai astream",
        "langchain.astream / rillet.astream",
        ">=",
        25,
        lambda f: _ratio(f.us, "langchain.astream", "rillet.astream"),
    ),
    Criterion(
        "astream ≥ 20× faster than openai-python",
        "openai.async / rillet.astream",
        ">=",
        20,
        lambda f: _ratio(f.us, "openai.async", "rillet.astream"),
    ),
    Criterion(
        "astream ≥ 3× faster than the naive httpx line loop",
        "httpx.async / rillet.astream",
        ">=",
        3,
        lambda f: _ratio(f.us, "httpx.async", "rillet.astream"),
    ),
    Criterion(
        "astream within 2.5× of the bare-socket floor",
        "rillet.astream / floor.socket",
        "<=",
        2.5,
        lambda f: _ratio(f.us, "rillet.astream", "floor.socket"),
    ),
    Criterion(
        "astream_events v2 ≤ 2× rillet's own astream",
        "rillet.astream_events.v2 / rillet.astream",
        "<=",
        2,
        lambda f: _ratio(f.us, "rillet.astream_events.v2", "rillet.astream"),
    ),
    Criterion(
        "astream_events v2 linear from 1k to 10k chunks (µs/chunk grows ≤ 1.25×)",
        "µs/chunk(10k) / µs/chunk(1k)",
        "<=",
        1.25,
        lambda f: f.growth.get("rillet.astream_events.v2"),
        transport_sensitive=False,
    ),
    Criterion(
        "3-step chain v2 events ≥ 30× faster than LangChain's",
        "langchain.chain.astream_events.v2 / rillet.chain.astream_events.v2",
        ">=",
        30,
        lambda f: _ratio(
            f.us, "langchain.chain.astream_events.v2", "rillet.chain.astream_events.v2"
        ),
    ),
    Criterion(
        "sync stream ≤ 1.15× the naive httpx sync line loop",
        "rillet.stream / httpx.sync",
        "<=",
        1.15,
        lambda f: _ratio(f.us, "rillet.stream", "httpx.sync"),
        transport_sensitive=False,
    ),
    Criterion(
        "100 concurrent streams ≥ 10× LangChain's total chunks/s",
        "chunks/s rillet.astream / langchain.astream",
        ">=",
        10,
        lambda f: _ratio(f.chunks_per_s, "rillet.astream", "langchain.astream"),
    ),
    Criterion(
        "100 concurrent streams: peak RSS no higher than LangChain's",
        "peak RSS rillet.astream / langchain.astream",
        "<=",
        1.0,
        lambda f: _ratio(f.rss_mb, "rillet.astream", "langchain.astream"),
    ),
    Criterion(
        "import rillet ≤ 1.2× import httpx, msgspec",
        "import ms rillet / httpx, msgspec",
        "<=",
        1.2,
        lambda f: _ratio(f.import_ms, "rillet", "httpx, msgspec"),
        transport_sensitive=False,
    ),
]


def _passes(op: str, value: float | None, threshold: float) -> bool | None:
    if value is None:
        return None
    return value >= threshold if op == ">=" else value <= threshold


def acceptance(results: dict[str, Any]) -> list[dict[str, Any]]:
    figures = Figures.of(results)
    alternative = figures.with_aiohttp()
    rows = []
    for criterion in CRITERIA:
        value = criterion.value(figures)
        row: dict[str, Any] = {
            "criterion": criterion.name,
            "formula": criterion.formula,
            "op": criterion.op,
            "threshold": criterion.threshold,
            "value": value,
            "pass": _passes(criterion.op, value, criterion.threshold),
        }
        if criterion.transport_sensitive:
            other = criterion.value(alternative)
            row["value_with_aiohttp_transport"] = other
            row["pass_with_aiohttp_transport"] = _passes(criterion.op, other, criterion.threshold)
        rows.append(row)
    return rows


# -- formatting ----------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{suffix}"


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def _per_chunk_rows(results: dict[str, Any]) -> list[list[str]]:
    figures = Figures.of(results)
    base = figures.us.get("rillet.astream")
    floor = figures.us.get("floor.socket")
    rows = []
    for r in results["per_chunk"]:
        us = r["us_per_chunk"]
        if us is None:
            rows.append([r["label"], f"{r['n']:,}", "n/a (error)", "", "", ""])
            continue
        rows.append(
            [
                r["label"],
                f"{r['n']:,}",
                _num(us),
                _num(r.get("cpu_us_per_chunk")),
                _num(us / base if base else None, 2, "×"),
                _num(us / floor if floor else None, 1, "×"),
            ]
        )
    return rows


def _linearity_rows(results: dict[str, Any]) -> list[list[str]]:
    return [
        [
            r["label"],
            f"{r['n_small']:,} → {r['n_large']:,}",
            _num(r["us_per_chunk_small"]),
            _num(r["us_per_chunk_large"]),
            _num(r["growth"], 2, "×"),
        ]
        for r in results["linearity"]
    ]


def _concurrent_rows(results: dict[str, Any]) -> list[list[str]]:
    figures = Figures.of(results)
    lc = figures.chunks_per_s.get("langchain.astream")
    rows = []
    for r in results["concurrent"]:
        if r["chunks_per_s"] is None:
            rows.append([r["label"], "n/a (error)", "", "", ""])
            continue
        rows.append(
            [
                r["label"],
                _num(r["chunks_per_s"], 0),
                _num(r["chunks_per_s"] / lc if lc else None, 1, "×"),
                _num(r["rss_start_mb"], 1),
                _num(r["max_rss_mb"], 1),
            ]
        )
    return rows


def _import_rows(results: dict[str, Any]) -> list[list[str]]:
    ms = results.get("imports", {}).get("ms", {})
    base = ms.get("httpx, msgspec")
    return [
        [f"import {name}", _num(value, 0), _num(value / base if base else None, 2, "×")]
        for name, value in ms.items()
    ]


def _acceptance_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for a in results["acceptance"]:
        alt = ""
        if "value_with_aiohttp_transport" in a:
            alt = (
                f"{_num(a['value_with_aiohttp_transport'])} "
                f"{_verdict(a['pass_with_aiohttp_transport'])}"
            )
        rows.append(
            [
                a["criterion"],
                f"{a['op']} {a['threshold']:g}",
                _num(a["value"]),
                _verdict(a["pass"]),
                alt,
            ]
        )
    return rows


PER_CHUNK_HEAD = ["approach", "N", "µs/chunk", "CPU µs/chunk", "× rillet astream", "× floor"]
LINEARITY_HEAD = ["approach", "N", "µs/chunk small", "µs/chunk large", "growth"]
CONCURRENT_HEAD = ["approach", "chunks/s", "× LangChain", "RSS start MB", "peak RSS MB"]
IMPORT_HEAD = ["import", "ms", "× httpx, msgspec"]
ACCEPTANCE_HEAD = ["criterion", "target", "value", "result", "with httpx-aiohttp transport"]


def _text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    align = ["---", *["---:" for _ in head[1:]]]
    escaped = [[cell.replace("|", "\\|") for cell in row] for row in [head, *rows]]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [escaped[0], align, *escaped[1:]])


def _errors(results: dict[str, Any]) -> list[str]:
    """One line per failed measurement: what broke, as the worker reported it."""
    rows = [*results["per_chunk"], *results["linearity"], *results["concurrent"]]
    return [f"{r['key']}: {r['error']}" for r in rows if r.get("error")]


def _sections(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    s = results["settings"]
    return [
        (
            f"Per chunk (one stream, median of {s['runs']} after {s['warmup']} warm-up)",
            PER_CHUNK_HEAD,
            _per_chunk_rows(results),
        ),
        ("Linearity (µs/chunk at two sizes)", LINEARITY_HEAD, _linearity_rows(results)),
        (
            f"{s['streams']} concurrent streams × {s['concurrent_n']:,} chunks "
            f"(median of {s['concurrent_runs']}; fresh process each)",
            CONCURRENT_HEAD,
            _concurrent_rows(results),
        ),
        ("Import time (fresh interpreter, net of its start)", IMPORT_HEAD, _import_rows(results)),
        ("Acceptance (issue 6)", ACCEPTANCE_HEAD, _acceptance_rows(results)),
    ]


def _server_share(results: dict[str, Any]) -> str:
    rows = [*results["per_chunk"], *results["concurrent"]]
    server = sum(r.get("server_cpu_s") or 0.0 for r in rows)
    client = sum(r.get("worker_wall_s") or 0.0 for r in rows)
    return f"server CPU {server:.2f} s in all, over {client:.0f} s of client runs"


def _header(results: dict[str, Any]) -> list[str]:
    m, v = results["machine"], results["versions"]
    peers = ", ".join(f"{k} {v[k]}" for k in v if v[k])
    loads = [r["load_before"] for r in results["per_chunk"] if r.get("load_before") is not None]
    load = f"; 1-min load average {min(loads):.2f}–{max(loads):.2f}" if loads else ""
    return [
        f"date: {results['date']}; rillet revision: {results.get('rillet_revision')}"
        f" (measured: a snapshot of src/rillet taken at the start, digest"
        f" {results.get('rillet_source_digest')}"
        f"{'; src/rillet changed later' if results.get('rillet_source_changed_during_run') else ''})",
        f"machine: {m['cores']} cores, {m['implementation']} {m['python']}, {m['platform']}{load}",
        f"versions: {peers}",
        f"the server is not the bottleneck: {_server_share(results)}",
    ]


def format_report(results: dict[str, Any]) -> str:
    parts = _header(results)
    for title, head, rows in _sections(results):
        if rows:
            parts += ["", f"== {title}", _text_table(head, rows)]
    errors = _errors(results)
    if errors:
        parts += ["", "== Errors (n/a above)", *errors]
    return "\n".join(parts)


def markdown_report(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "The last full `make bench` run (`python benchmarks/run.py`); the JSON of every run is",
        "written to `benchmarks/results/latest.json`. Every approach streams the same bytes from the",
        "same local server process and its full text is checked. `× rillet astream` and `× floor`",
        "are how many times slower than rillet's `astream` and the bare-socket floor. `CPU µs/chunk`",
        "is the client process's own CPU time; well below the wall time, it would mean the client",
        "waited (for a busy machine, or the server). The last column of the acceptance table",
        "recomputes a ratio with rillet over the httpx-aiohttp transport, the one DESIGN.md",
        "decision 8 chooses: `OpenAI(http_async_client=httpx.AsyncClient(transport=AiohttpTransport()))`.",
        "",
        *(f"- {line}" for line in _header(results)),
    ]
    for title, head, rows in _sections(results):
        if rows:
            lines += ["", f"## {title}", "", _md_table(head, rows)]
    notes = [r for r in results["per_chunk"] if r["note"]]
    if notes:
        lines += ["", "Notes:", ""]
        lines += [f"- {r['label']}: {r['note']}" for r in notes]
    errors = _errors(results)
    if errors:
        lines += ["", "Errors (n/a above):", ""]
        lines += [f"- `{error}`" for error in errors]
    return "\n".join(lines) + "\n"
