"""The benchmark harness's arithmetic: per-round ratios (from side-by-side runs when a round paired
them), their median (min-max) over rounds, the acceptance verdicts, the lockstep schedule.

A wrong computation here would print a wrong speed claim with a PASS beside it, so it is tested
like product code, on hand-made rounds whose right answers are known.
"""

from __future__ import annotations

import importlib
import statistics
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench(name: str) -> ModuleType:
    """A module of benchmarks/ (they import each other by their bare names)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


report = _bench("report")
run = _bench("run")
suites = _bench("suites")


def _round(rows: dict[str, dict[str, float]], pairs: dict[str, Any] | None = None) -> Any:
    return {"round": 1, "order": list(rows), "machine": {}, "rows": rows} | (
        {"pairs": pairs} if pairs else {}
    )


def _suite(*rounds: Any, mode: str = "chunk") -> dict[str, Any]:
    return {"suite": "s", "mode": mode, "keys": [], "settings": {}, "rounds": list(rounds)}


def _criterion(op: str = "<=", threshold: float = 1.02, spread: bool = False) -> Any:
    return suites.Criterion("a over b", "s", "a", "b", op, threshold, 0, spread=spread)


def test_a_paired_round_gives_the_median_of_its_steps_ratios() -> None:
    steps = [1.10, 0.90, 1.00, 1.30, 0.95]  # median 1.00; the mean would be 1.05
    r = _round(
        {"a": {"cpu_value": 9.0}, "b": {"cpu_value": 3.0}},  # the rows' bests: 3.0, not used
        {"a / b": {"cpu": steps, "wall": [2.0, 2.0, 4.0]}},
    )
    assert report.paired_ratio(r, "a", "b", "cpu_value") == 1.00
    assert report.paired_ratio(r, "a", "b", "value") == 2.0
    # the other way round: the median of the inverted step ratios
    assert report.paired_ratio(r, "b", "a", "cpu_value") == pytest.approx(1 / 1.00)
    assert report.paired_ratio(r, "b", "a", "value") == pytest.approx(0.5)
    assert report.paired_ratio(r, "a", "c", "cpu_value") is None
    assert report.paired_ratio(r, "a", "b", "rss_mb") is None
    assert report.round_ratios(_suite(r), "a", "b", "cpu_value") == [1.00]


def test_an_unpaired_round_divides_the_rows_figures() -> None:
    r = _round({"a": {"cpu_value": 9.0, "value": 4.0}, "b": {"cpu_value": 3.0, "value": 8.0}})
    assert report.round_ratios(_suite(r), "a", "b", "cpu_value") == [3.0]
    assert report.round_ratios(_suite(r), "a", "b", "value") == [0.5]
    assert report.round_ratios(_suite(r), "a", None, "cpu_value") == [9.0]  # growth lines
    missing = _round({"a": {"cpu_value": 9.0}})
    assert report.round_ratios(_suite(missing), "a", "b", "cpu_value") == []


def test_a_line_judges_the_median_of_the_per_round_ratios() -> None:
    rounds = [
        _round({"a": {}, "b": {}}, {"a / b": {"cpu": [x, x, x], "wall": [1.0]}})
        for x in (1.00, 1.05, 1.01, 0.97, 1.015)
    ]
    verdict = report.judge(_criterion(threshold=1.02), _suite(*rounds))
    assert verdict["ratios"] == [1.00, 1.05, 1.01, 0.97, 1.015]
    assert verdict["value"] == {"median": 1.01, "min": 0.97, "max": 1.05}
    assert verdict["pass"] is True
    assert verdict["paired"] is True
    assert verdict["rounds"] == 5
    assert verdict["metric"] == "CPU time"
    assert verdict["wall_value"] == {"median": 1.0, "min": 1.0, "max": 1.0}
    assert report.judge(_criterion(threshold=1.005), _suite(*rounds))["pass"] is False


def test_an_every_round_line_fails_on_one_round_past_its_threshold() -> None:
    rounds = [
        _round({"a": {"cpu_value": x}, "b": {"cpu_value": 1.0}}) for x in (2.0, 2.1, 2.6, 1.9)
    ]
    suite = _suite(*rounds)
    assert report.judge(_criterion(threshold=2.5), suite)["pass"] is True  # median 2.05
    verdict = report.judge(_criterion(threshold=2.5, spread=True), suite)
    assert verdict["value"]["max"] == 2.6
    assert verdict["pass"] is False
    assert verdict["paired"] is False
    at_most = report.judge(_criterion(threshold=2.6, spread=True), suite)
    assert at_most["pass"] is True
    # ">=": the worst round is the smallest
    assert report.judge(_criterion(">=", 1.95, spread=True), suite)["pass"] is False
    assert report.judge(_criterion(">=", 1.9, spread=True), suite)["pass"] is True


def test_a_line_without_a_measurement_has_no_verdict() -> None:
    verdict = report.judge(_criterion(), _suite(_round({"a": {"cpu_value": 1.0}})))
    assert verdict["pass"] is None
    assert verdict["value"] is None


def test_the_tables_ratio_column_uses_the_paired_steps() -> None:
    r = _round(
        {"a": {"cpu_value": 5.0, "value": 5.0}, "b": {"cpu_value": 1.0, "value": 1.0}},
        {"a / b": {"cpu": [2.0, 2.2, 1.8], "wall": [3.0]}},
    )
    suite = _suite(r) | {"keys": ["a", "b"], "settings": {"reference": "b"}}
    rows = report.summarize(suite)["rows"]
    assert rows["a"]["cpu_ratio"]["median"] == 2.0  # not the bests' 5.0
    assert rows["a"]["ratio"]["median"] == 3.0
    assert rows["b"]["cpu_ratio"]["median"] == 1.0


def test_the_schedule_puts_each_pair_side_by_side_and_alternates_its_order() -> None:
    keys = ["r", "naive", "lean", "floor", "extra"]
    pairs = [("r", "naive"), ("r", "lean"), ("r", "floor")]
    firsts: dict[tuple[str, str], set[str]] = {pair: set() for pair in pairs}
    for round_index in range(3):
        for step in range(4):
            units = run.schedule(keys, pairs, round_index, step)
            flat = [key for unit in units for key in unit]
            assert set(flat) == set(keys)
            assert flat.count("extra") == 1
            assert flat.count("r") == 3  # once beside each key it is compared with
            for pair in pairs:
                assert pair in units or pair[::-1] in units
                firsts[pair].add(pair[0] if pair in units else pair[1])
    assert all(seen == {pair[0], pair[1]} for pair, seen in firsts.items())
    # a pair whose keys the round does not measure is left out
    assert run.schedule(["r", "naive"], pairs, 0, 0) in ([("r", "naive")], [("naive", "r")])


def test_the_schedule_rotates_step_by_step() -> None:
    starts = {run.schedule(["a", "b", "c"], [], 0, step)[0] for step in range(3)}
    assert starts == {("a",), ("b",), ("c",)}


def test_a_rounds_figure_is_the_best_of_each_steps_first_run() -> None:
    firsts = [{"wall": 0.4, "cpu": 0.3, "nivcsw": 1}, {"wall": 0.2, "cpu": 0.25, "nivcsw": 0}]
    extra = {"wall": 0.1, "cpu": 0.1, "nivcsw": 0}  # a second run in the same step: not a figure
    row = run.chunk_row(1000, firsts, [*firsts, extra])
    assert row["value"] == pytest.approx(200.0)  # µs/chunk of the best first run
    assert row["cpu_value"] == pytest.approx(250.0)
    assert row["median_us"] == pytest.approx(300.0)
    assert row["runs_in_pairs"] == 3
    assert row["error"] is None
    failed = run.chunk_row(1000, [{"error": "boom"}], [{"error": "boom"}])
    assert failed["value"] is None
    assert failed["error"] == "boom"


def test_growth_is_the_median_of_the_side_by_side_size_pairs() -> None:
    small = [1.0, 1.0, 2.0]  # seconds for 100 chunks
    large = [12.0, 10.0, 40.0]  # seconds for 1000 chunks: growth 1.2, 1.0, 2.0 per pair
    assert run.growth(small, large, 100, 1000) == pytest.approx(1.2)
    assert run.growth(None, large, 100, 1000) is None
    assert statistics.median([1.2, 1.0, 2.0]) == pytest.approx(1.2)


def test_every_line_names_a_suite_and_its_rows() -> None:
    by_name = {suite.name: suite for suite in suites.SUITES}
    for criterion in suites.CRITERIA:
        suite = by_name[criterion.suite]
        if suite.mode == "imports":
            continue
        assert criterion.top in suite.keys, criterion.name
        assert criterion.bottom is None or criterion.bottom in suite.keys, criterion.name
        for group in suite.together:
            assert set(group) <= set(suite.keys), suite.name


def test_lockstep_round_over_real_workers() -> None:
    """Two approaches in their own processes, then the same two in one process: every step
    pairs them, the texts are checked by the workers, the ratios come back per step."""
    server = run.Server([50])
    settings = run.Settings(rounds=1, n=None, warmup=1, timeout=120, quick=True, only=None)
    keys = ("floor.socket", "httpx.bytes")
    pairs = [("httpx.bytes", "floor.socket")]
    try:
        for together in ((), (keys,)):
            suite = suites.Suite("t", "t", "chunk", keys, n=50, runs=3, together=together)
            rows, ratios = run.chunk_round(server, suite, list(keys), pairs, 0, settings)
            assert set(rows) == set(keys)
            for row in rows.values():
                assert row["error"] is None
                assert len(row["cpu_times_s"]) == 3
                assert row["cpu_value"] > 0
            steps = ratios["httpx.bytes / floor.socket"]
            assert len(steps["cpu"]) == len(steps["wall"]) == 3
            assert all(x > 0 for x in steps["cpu"])
    finally:
        server.stop()


def test_an_import_round_pairs_the_judged_imports_net_of_the_same_steps_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imports = _bench("imports")
    seconds = {"pass": (0.05, 0.02), "import a": (0.30, 0.12), "import b": (0.25, 0.10)}
    calls: list[str] = []

    def fake_time_once(code: str) -> tuple[float, float]:
        calls.append(code)
        return seconds[code]

    monkeypatch.setattr(imports, "_time_once", fake_time_once)
    targets = {"a": "import a", "b": "import b"}
    rows, ratios = imports.import_round(targets, 4, 1, [("a", "b")])
    assert len(calls) == 12  # 3 imports x 4 steps
    for step in range(4):  # a and b back to back in every step
        three = calls[3 * step : 3 * step + 3]
        assert abs(three.index("import a") - three.index("import b")) == 1
    assert ratios["a / b"]["cpu"] == pytest.approx([(0.12 - 0.02) / (0.10 - 0.02)] * 4)
    assert ratios["a / b"]["wall"] == pytest.approx([(0.30 - 0.05) / (0.25 - 0.05)] * 4)
    assert rows["a"]["cpu_value"] == pytest.approx(100.0)  # ms, net of the start
    assert rows["(interpreter start)"]["cpu_value"] == pytest.approx(20.0)
