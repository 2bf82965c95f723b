"""Per-round ratios, their medians and spreads, the acceptance lines, and the tables.

Every figure a table shows is a median over rounds with its min-max spread; every ratio is formed
inside a round first (two measurements seconds apart) and only then summarized over rounds.
"""

from __future__ import annotations

import statistics
from typing import Any

from approaches import APPROACHES
from suites import CRITERIA, Criterion

__all__ = ["acceptance", "format_report", "markdown_report", "summarize"]


# -- statistics over rounds ----------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float] | None:
    """Median, min and max of the rounds' values (None when no round has one)."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def round_values(suite: dict[str, Any], key: str, field: str = "value") -> list[float]:
    return [
        r["rows"][key][field]
        for r in suite["rounds"]
        if key in r["rows"] and r["rows"][key].get(field) is not None
    ]


PAIRED_FIELDS = {"cpu_value": "cpu", "value": "wall"}


def paired_ratio(round_: dict[str, Any], top: str, bottom: str, field: str) -> float | None:
    """The round's ``top / bottom`` from runs measured side by side: the median over the round's
    steps of the ratio of each step's two adjacent runs (``run.py``'s lockstep rounds); None when
    the round did not pair them. A pair measured the other way round gives the median of the
    inverted step ratios."""
    pairs = round_.get("pairs") or {}
    name = PAIRED_FIELDS.get(field)
    if name is None:
        return None
    if f"{top} / {bottom}" in pairs:
        steps = pairs[f"{top} / {bottom}"][name]
        return statistics.median(steps) if steps else None
    if f"{bottom} / {top}" in pairs:
        steps = pairs[f"{bottom} / {top}"][name]
        return statistics.median([1 / x for x in steps if x]) if steps else None
    return None


def round_ratios(
    suite: dict[str, Any], top: str, bottom: str | None, field: str = "value"
) -> list[float]:
    """``top / bottom`` inside each round where both were measured (``top`` alone if no bottom):
    from the round's side-by-side runs when it paired them (``paired_ratio``), else the ratio of
    the two rows' figures."""
    ratios = []
    for r in suite["rounds"]:
        if bottom is not None:
            paired = paired_ratio(r, top, bottom, field)
            if paired is not None:
                ratios.append(paired)
                continue
        a = r["rows"].get(top, {}).get(field)
        if bottom is None:
            if a is not None:
                ratios.append(a)
            continue
        b = r["rows"].get(bottom, {}).get(field)
        if a is not None and b:
            ratios.append(a / b)
    return ratios


def summarize(suite: dict[str, Any]) -> dict[str, Any]:
    """Per key: the value's spread, the spread of its ratio to the suite's reference; and the
    machine's state over the rounds."""
    keys = list(suite["rounds"][0]["rows"]) if suite["rounds"] else []
    keys = suite["keys"] or keys
    reference = suite["settings"].get("reference")
    rows: dict[str, Any] = {}
    for key in keys:
        row: dict[str, Any] = {"value": spread(round_values(suite, key))}
        for field in ("cpu_us", "median_us", "us_small", "us_large", "rss_mb"):
            found = spread(round_values(suite, key, field))
            if found is not None:
                row[field] = found
        if reference and reference in keys:
            row["ratio"] = spread(round_ratios(suite, key, reference))
            row["cpu_ratio"] = spread(round_ratios(suite, key, reference, "cpu_value"))
        found = spread(round_values(suite, key, "cpu_value"))
        if found is not None:
            row["cpu_value"] = found
        errors = [r["rows"][key]["error"] for r in suite["rounds"] if r["rows"][key].get("error")]
        row["errors"] = errors
        rows[key] = row
    machine = [r["machine"] for r in suite["rounds"]]

    def field_spread(name: str) -> dict[str, float] | None:
        return spread([m[name] for m in machine if m.get(name) is not None])

    return {
        "rows": rows,
        "machine": {
            name: field_spread(name)
            for name in ("load_1min", "runnable", "steal", "busy", "mhz_start", "speed_probe_ms")
        },
    }


# -- acceptance -------------------------------------------------------------------------------


def _passes(op: str, value: float | None, threshold: float) -> bool | None:
    if value is None:
        return None
    return value >= threshold if op == ">=" else value <= threshold


def _metric(criterion: Criterion, mode: str) -> str:
    """The field a criterion judges: CPU time for per-chunk and linearity figures by default."""
    if criterion.metric == "default":
        return "cpu" if mode in ("chunk", "linearity", "imports") else "value"
    return criterion.metric


FIELDS = {"cpu": "cpu_value", "wall": "value", "value": "value", "rss": "rss_mb"}


def judge(criterion: Criterion, suite: dict[str, Any]) -> dict[str, Any]:
    metric = _metric(criterion, suite["mode"])
    ratios = round_ratios(suite, criterion.top, criterion.bottom, FIELDS[metric])
    other = None  # the wall-time ratio beside a CPU-time one, for the record
    if metric == "cpu":
        other = spread(round_ratios(suite, criterion.top, criterion.bottom, "value"))
    summary = spread(ratios)
    passed = _passes(criterion.op, summary and summary["median"], criterion.threshold)
    if passed and criterion.spread and summary:
        worst = summary["max"] if criterion.op == "<=" else summary["min"]
        passed = _passes(criterion.op, worst, criterion.threshold)
    paired = criterion.bottom is not None and any(
        paired_ratio(r, criterion.top, criterion.bottom, FIELDS[metric]) is not None
        for r in suite["rounds"]
    )
    return {
        "criterion": criterion.name,
        "issue": criterion.issue,
        "suite": criterion.suite,
        "paired": paired,
        "formula": f"{criterion.top} / {criterion.bottom}" if criterion.bottom else criterion.top,
        "op": criterion.op,
        "threshold": criterion.threshold,
        "spread_judged": criterion.spread,
        "rounds": len(ratios),
        "ratios": ratios,
        "metric": "CPU time" if metric == "cpu" else "wall time" if metric == "wall" else metric,
        "value": summary,
        "wall_value": other,
        "pass": passed,
    }


def acceptance(results: dict[str, Any]) -> list[dict[str, Any]]:
    by_name = {s["suite"]: s for s in results["suites"]}
    return [judge(c, by_name[c.suite]) for c in CRITERIA if c.suite in by_name]


# -- formatting ----------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _spread_text(s: dict[str, float] | None, digits: int = 2, suffix: str = "") -> str:
    """``2.39 (2.10–2.80)``: the median over rounds and the min–max."""
    if s is None:
        return "n/a"
    return (
        f"{s['median']:,.{digits}f}{suffix} ({s['min']:,.{digits}f}–{s['max']:,.{digits}f}{suffix})"
    )


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def _label(key: str) -> str:
    return APPROACHES[key].label if key in APPROACHES else key


def _chunk_rows(suite: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    ref = suite["settings"].get("reference")
    summary = suite["summary"]["rows"]
    times = f"× {_label(ref)}" if ref else "×"
    head = ["approach", "N", "CPU µs/chunk", f"{times} (CPU)", "wall µs/chunk", f"{times} (wall)"]
    rows = []
    for key, row in summary.items():
        ns = {r["rows"][key].get("n") for r in suite["rounds"] if key in r["rows"]}
        n = next(iter(ns)) if len(ns) == 1 else None
        rows.append(
            [
                _label(key),
                f"{n:,}" if n else "",
                _spread_text(row.get("cpu_value")),
                _spread_text(row.get("cpu_ratio"), 2, "×"),
                _spread_text(row["value"]),
                _spread_text(row.get("ratio"), 2, "×"),
            ]
        )
    return head, rows


def _linearity_rows(suite: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["approach", "N", "µs/chunk small", "µs/chunk large", "growth (CPU)", "growth (wall)"]
    rows = []
    for key, row in suite["summary"]["rows"].items():
        first = next((r["rows"][key] for r in suite["rounds"] if key in r["rows"]), {})
        rows.append(
            [
                _label(key),
                f"{first.get('n_small', 0):,} → {first.get('n_large', 0):,}",
                _num(row.get("us_small", {}).get("median")),
                _num(row.get("us_large", {}).get("median")),
                _spread_text(row.get("cpu_value"), 2, "×"),
                _spread_text(row["value"], 2, "×"),
            ]
        )
    return head, rows


def _concurrent_rows(suite: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    ref = suite["settings"].get("reference")
    head = ["approach", "chunks/s", f"× {_label(ref)}" if ref else "×", "peak RSS MB"]
    rows = []
    for key, row in suite["summary"]["rows"].items():
        rows.append(
            [
                _label(key),
                _spread_text(row["value"], 0),
                _spread_text(row.get("ratio"), 1, "×"),
                _spread_text(row.get("rss_mb"), 1),
            ]
        )
    return head, rows


def _import_rows(suite: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    ref = "httpx, msgspec"
    head = ["import", "CPU ms", f"× {ref} (CPU)", "wall ms", f"× {ref} (wall)"]
    names = list(suite["rounds"][0]["rows"]) if suite["rounds"] else []
    rows = []
    for name in names:
        if name == "(interpreter start)":
            continue
        rows.append(
            [
                f"import {name}",
                _spread_text(spread(round_values(suite, name, "cpu_value")), 0),
                _spread_text(spread(round_ratios(suite, name, ref, "cpu_value")), 2, "×"),
                _spread_text(spread(round_values(suite, name)), 0),
                _spread_text(spread(round_ratios(suite, name, ref)), 2, "×"),
            ]
        )
    return head, rows


TABLES = {
    "chunk": _chunk_rows,
    "linearity": _linearity_rows,
    "concurrent": _concurrent_rows,
    "imports": _import_rows,
}


def _acceptance_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["criterion", "issue", "target", "median (min–max) over rounds", "by", "rounds"]
    head += ["result", "by wall time"]
    rows = [
        [
            a["criterion"],
            f"#{a['issue']}",
            f"{a['op']} {a['threshold']:g}" + (" every round" if a["spread_judged"] else ""),
            _spread_text(a["value"]),
            a["metric"] + (", paired" if a.get("paired") else ""),
            str(a["rounds"]),
            _verdict(a["pass"]),
            _spread_text(a["wall_value"]) if a.get("wall_value") else "",
        ]
        for a in results["acceptance"]
    ]
    return head, rows


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _machine_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["suite", "round", "load 1-min", "runnable", "steal", "busy", "MHz", "probe ms", "s"]
    rows = []
    for suite in results["suites"]:
        for r in suite["rounds"]:
            m = r["machine"]
            rows.append(
                [
                    suite["suite"],
                    str(r["round"]),
                    _num(m.get("load_1min")),
                    str(m.get("runnable") or "n/a"),
                    _pct(m.get("steal")),
                    _pct(m.get("busy")),
                    _num(m.get("mhz_start"), 0),
                    _num(m.get("speed_probe_ms"), 1),
                    _num(m.get("round_s"), 1),
                ]
            )
    return head, rows


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


def _suite_title(suite: dict[str, Any]) -> str:
    s = suite["settings"]
    parts = [f"{s['rounds']} rounds"]
    if suite["mode"] in ("chunk", "linearity"):
        parts.append(f"best of {s['runs']} runs per worker after {s['warmup']} warm-up")
    if suite["mode"] == "concurrent":
        parts.append(f"{s['streams']} streams × {s['n']:,} chunks, best of {s['runs']}")
    if suite["mode"] == "imports":
        parts.append(f"best of {s['runs']} per round")
    parts.append(f"{suite['elapsed_s']:.0f} s")
    return f"{suite['suite']}: {suite['title']} ({'; '.join(parts)})"


def _sections(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    sections = []
    for suite in results["suites"]:
        head, rows = TABLES[suite["mode"]](suite)
        sections.append((_suite_title(suite), head, rows))
    sections.append(("Acceptance (judged on per-round ratios)", *_acceptance_rows(results)))
    return sections


def _errors(results: dict[str, Any]) -> list[str]:
    """One line per failed measurement: what broke, as the worker reported it."""
    found = []
    for suite in results["suites"]:
        for r in suite["rounds"]:
            for key, row in r["rows"].items():
                if row.get("error"):
                    found.append(f"{suite['suite']} round {r['round']} {key}: {row['error']}")
    return found


def _server_share(results: dict[str, Any]) -> str:
    server = client = 0.0
    for suite in results["suites"]:
        for r in suite["rounds"]:
            for row in r["rows"].values():
                server += row.get("server_cpu_s") or 0.0
                client += row.get("worker_wall_s") or 0.0
    return f"server CPU {server:.2f} s in all, over {client:.0f} s of client processes"


def _machine_line(results: dict[str, Any]) -> str:
    machine = [r["machine"] for s in results["suites"] for r in s["rounds"]]

    def rng(name: str, fmt: str, scale: float = 1) -> str:
        values = [m[name] * scale for m in machine if m.get(name) is not None]
        return f"{min(values):{fmt}}–{max(values):{fmt}}" if values else "n/a"

    return (
        f"per round: 1-min load {rng('load_1min', '.2f')}, CPU steal {rng('steal', '.1f', 100)}%,"
        f" machine busy {rng('busy', '.0f', 100)}%, clock {rng('mhz_start', '.0f')} MHz,"
        f" speed probe {rng('speed_probe_ms', '.1f')} ms (a fixed loop; higher = slower machine)"
    )


def _header(results: dict[str, Any]) -> list[str]:
    m, v = results["machine"], results["versions"]
    peers = ", ".join(f"{k} {v[k]}" for k in v if v[k])
    return [
        f"date: {results['date']}; {results['elapsed_s'] / 60:.1f} min; rillet revision:"
        f" {results.get('rillet_revision')} (measured: a snapshot of src/rillet taken at the"
        f" start, digest {results.get('rillet_source_digest')}"
        f"{'; src/rillet changed later' if results.get('rillet_source_changed_during_run') else ''})",
        f"machine: {m['cores']} cores, shared with other work; {m['implementation']} {m['python']},"
        f" {m['platform']}",
        _machine_line(results),
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


EXPLAINER = """\
The last full `make bench` run (`python benchmarks/run.py`); every run writes its JSON, every
round of it, to `benchmarks/results/latest.json` and keeps a copy as
`benchmarks/results/run-<start time>.json`. Every approach streams the same bytes from the
same local server process and its full text is checked.

How to read it: the machine is shared with other work and its speed drifts (by up to 2x from
one fraction of a second to the next), so the approaches of a suite are measured in interleaved
rounds: every round starts each approach in a fresh process, in an order rotated by one each
round. Then the round runs in lockstep steps: the two runs of every ratio an acceptance line
judges are made side by side (which one goes first alternates), so each step gives that ratio
from two adjacent runs; the round's ratio is the median of its steps' ratios ("paired" in the
acceptance table). Where a line compares two paths of the same process (tracing off against the
same call without the tracing seam), both run in one process, alternating. A row's µs/chunk in a
round is the best of its steps' runs. Every cell is `median (min–max)` over the rounds; the
acceptance lines judge the median of the per-round ratios (and, where marked, every round). Per-chunk and linearity lines are judged on the clients' own
CPU time: on this shared 2-core machine a worker's wall time is often 2-3x its CPU time (other
processes' turns on the CPU, not the client's work); the wall-time ratio is shown beside it.
`CPU µs/chunk` is the client's own CPU time (median over rounds). The machine table shows each round's load, CPU steal, how busy the whole machine was,
the clock, and a fixed pure-Python probe (higher = a slower machine in that round)."""


def markdown_report(results: dict[str, Any]) -> str:
    lines = ["# Benchmark results", "", EXPLAINER, "", *(f"- {line}" for line in _header(results))]
    for title, head, rows in _sections(results):
        if rows:
            lines += ["", f"## {title}", "", _md_table(head, rows)]
    notes = [f"{s['suite']}: {s['note']}" for s in results["suites"] if s.get("note")]
    notes += [
        f"{APPROACHES[key].label}: {APPROACHES[key].note}"
        for key in sorted({k for s in results["suites"] for k in s["keys"]})
        if APPROACHES[key].note
    ]
    if notes:
        lines += ["", "Notes:", "", *(f"- {note}" for note in notes)]
    lines += ["", "## The machine, round by round", "", _md_table(*_machine_rows(results))]
    errors = _errors(results)
    if errors:
        lines += ["", "Errors (n/a above):", "", *(f"- `{error}`" for error in errors)]
    return "\n".join(lines) + "\n"
