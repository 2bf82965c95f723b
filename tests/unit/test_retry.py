"""The retry maths alone (``rillet._retry``): which statuses, which waits, which headers win.

Pure functions with the clock and the jitter injected; the I/O loop that uses them is tested
over real HTTP in tests/_async/test_reliability.py.
"""

from __future__ import annotations

import email.utils
import math

import pytest
from hypothesis import given, strategies as st

from rillet._retry import (
    MAX_RETRY_AFTER,
    backoff,
    retry_after,
    retry_delay,
    should_retry_status,
)

NOW = 1_800_000_000.0


def now() -> float:
    return NOW


def no_jitter() -> float:
    return 0.0


def full_jitter() -> float:
    return 0.999999


# -- which responses are retried ----------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529, 599])
def test_retried_statuses(status: int) -> None:
    assert should_retry_status(status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 418, 422, 301, 307])
def test_the_callers_faults_and_redirects_are_not_retried(status: int) -> None:
    assert not should_retry_status(status, {})


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_x_should_retry_true_retries_anything(status: int) -> None:
    assert should_retry_status(status, {"x-should-retry": "true"})


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_x_should_retry_false_retries_nothing(status: int) -> None:
    assert not should_retry_status(status, {"x-should-retry": "false"})


def test_x_should_retry_other_values_are_ignored() -> None:
    assert should_retry_status(503, {"x-should-retry": "maybe"})
    assert not should_retry_status(400, {"x-should-retry": "TRUE"})


@pytest.mark.parametrize(
    "body",
    [
        {"message": "You exceeded your current quota", "type": "insufficient_quota"},
        {"message": "...", "type": "requests", "code": "insufficient_quota"},
    ],
)
def test_429_out_of_quota_is_not_retried_unless_the_server_says_so(body: object) -> None:
    assert not should_retry_status(429, {}, body)
    assert should_retry_status(429, {"x-should-retry": "true"}, body)


@pytest.mark.parametrize(
    "body", [None, "quota", {"type": "tokens", "code": "rate_limit_exceeded"}, ["x"]]
)
def test_other_429s_are_retried(body: object) -> None:
    assert should_retry_status(429, {}, body)


# -- how long to wait -----------------------------------------------------------------------------


def test_backoff_doubles_up_to_eight_seconds() -> None:
    delays = [backoff(n, jitter=no_jitter) for n in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_jitter_only_shortens_by_up_to_a_quarter() -> None:
    assert backoff(0, jitter=full_jitter) == pytest.approx(0.375, abs=1e-6)
    assert backoff(3, jitter=full_jitter) == pytest.approx(3.0, abs=1e-5)
    assert backoff(1, jitter=lambda: 0.5) == 0.875


def test_backoff_survives_huge_retry_counts() -> None:
    assert backoff(10_000, jitter=no_jitter) == 8.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "0.5"}, 0.0005),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after": "60"}, 60.0),
        ({"retry-after-ms": "250", "retry-after": "30"}, 0.25),  # the ms header wins
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),  # an unreadable one is skipped
        ({"retry-after": email.utils.formatdate(NOW + 7, usegmt=True)}, 7.0),  # an HTTP date
    ],
)
def test_the_servers_wait_is_honoured(headers: dict[str, str], expected: float) -> None:
    assert retry_delay(0, headers, jitter=no_jitter, now=now) == pytest.approx(expected)
    assert retry_delay(5, headers, jitter=no_jitter, now=now) == pytest.approx(expected)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"retry-after": "0"},
        {"retry-after": "-3"},
        {"retry-after": "61"},
        {"retry-after-ms": "60001"},
        {"retry-after": "nan"},
        {"retry-after": "inf"},
        {"retry-after": "in a while"},
        {"retry-after": email.utils.formatdate(NOW - 10, usegmt=True)},  # in the past
        {"retry-after": email.utils.formatdate(NOW + 3600, usegmt=True)},  # beyond the bound
    ],
)
def test_without_a_usable_wait_backoff_applies(headers: dict[str, str]) -> None:
    assert retry_delay(0, headers, jitter=no_jitter, now=now) == 0.5
    assert retry_delay(2, headers, jitter=no_jitter, now=now) == 2.0


def test_retry_after_reads_what_the_server_named() -> None:
    assert retry_after({"retry-after-ms": "100"}) == 0.1
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=lambda: 1445412470.0)
    assert retry_after({}) is None
    assert retry_after({"retry-after": "later"}) is None


@given(
    retries=st.integers(min_value=0, max_value=10_000),
    jitter=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_property_backoff_stays_within_its_bounds(retries: int, jitter: float) -> None:
    full = min(0.5 * 2.0 ** min(retries, 32), 8.0)
    delay = backoff(retries, jitter=lambda: jitter)
    assert 0.75 * full <= delay <= full <= 8.0


@given(
    retries=st.integers(min_value=0, max_value=50),
    ms=st.one_of(st.none(), st.text(max_size=12)),
    seconds=st.one_of(st.none(), st.text(max_size=40)),
)
def test_property_any_header_gives_a_sane_wait(
    retries: int, ms: str | None, seconds: str | None
) -> None:
    headers = {
        name: value
        for name, value in (("retry-after-ms", ms), ("retry-after", seconds))
        if value is not None
    }
    delay = retry_delay(retries, headers, jitter=no_jitter, now=now)
    assert math.isfinite(delay)
    assert 0 < delay <= MAX_RETRY_AFTER
