"""Retry decisions and backoff maths: pure functions (the I/O loop is ``_async/_http.py``'s
``send``, which calls them and sleeps).

The policy is the official SDKs' (openai-python and anthropic-sdk-python, ``_base_client.py``:
``_should_retry`` and ``_calculate_retry_timeout``), with one deliberate difference:

* **When.** Only before a response is handed back: a connection error or timeout while sending
  (the I/O loop decides which transport errors qualify), or an error status. Once a 2xx response
  has been returned, nothing is retried (its stream may already have delivered text).
* **Which statuses.** 408, 409, 429 and every 5xx (so Anthropic's 529 too). Not the other 4xx:
  they are the caller's fault and would fail again.
* **The server's word wins.** ``x-should-retry: true`` retries any status, ``false`` none.
* **Not retried: a 429 out of quota.** OpenAI's ``insufficient_quota`` (``code`` or ``type``)
  never succeeds on a retry; it is raised at once (``x-should-retry: true`` still overrides). The
  SDKs retry it, and only delay the error by ~1.5 s.
* **How long.** ``retry-after-ms`` (milliseconds), else ``retry-after`` (seconds, or an HTTP
  date), honoured exactly when in (0, 60] s; otherwise, or without them, exponential backoff:
  ``min(0.5 * 2**n, 8) * (1 - 0.25 * jitter)`` for retry ``n + 1`` (0.375-0.5 s, 0.75-1 s,
  1.5-2 s, ...; the jitter only shortens, by up to 25 %).
* **How often.** ``max_retries`` (default 2: three attempts).

Header names must be lower-case, or ``headers`` a case-insensitive mapping (``httpx.Headers``).
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from typing import Final

__all__ = [
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "RETRYABLE_STATUSES",
    "backoff",
    "exponential_jitter",
    "retry_after",
    "retry_delay",
    "should_retry_status",
]

INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429})
"""Retried besides every status >= 500."""

_NEVER_SUCCEEDS: Final = frozenset({"insufficient_quota"})


def should_retry_status(status_code: int, headers: Mapping[str, str], body: object = None) -> bool:
    """Whether a response with this status is worth another attempt.

    ``body`` is the decoded error body (the inner ``error`` object, as ``APIStatusError.body``
    holds it); it only matters for a 429 out of quota.
    """
    override = headers.get("x-should-retry")
    if override == "true":
        return True
    if override == "false":
        return False
    if status_code == 429 and _out_of_quota(body):
        return False
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def _out_of_quota(body: object) -> bool:
    if not isinstance(body, Mapping):
        return False
    return body.get("code") in _NEVER_SUCCEEDS or body.get("type") in _NEVER_SUCCEEDS


def retry_after(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """The wait the server asks for, in seconds (``retry-after-ms``, then ``retry-after`` as
    seconds or an HTTP date measured from ``now()``), or None when it names none it can parse."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:  # the email parser raises on some malformed dates instead of returning None
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return email.utils.mktime_tz(parsed) - now()
    except (ValueError, IndexError, OverflowError):
        return None


def backoff(retries_taken: int, *, jitter: Callable[[], float] = random.random) -> float:
    """Exponential backoff before retry ``retries_taken + 1``, shortened by up to 25 % at
    random (``jitter()`` is in [0, 1))."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_taken, 32), MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * jitter())


def exponential_jitter(
    retries_taken: int,
    *,
    initial: float = 1.0,
    maximum: float = 60.0,
    exp_base: float = 2.0,
    jitter: float = 1.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """``with_retry``'s wait before retry ``retries_taken + 1`` (tenacity's
    ``wait_exponential_jitter``, LangChain's default): ``initial * exp_base**retries_taken`` plus
    up to ``jitter`` seconds at random, at most ``maximum``."""
    delay = initial * exp_base ** min(retries_taken, 64) + jitter * rand()
    return max(0.0, min(delay, maximum))


def retry_delay(
    retries_taken: int,
    headers: Mapping[str, str] | None = None,
    *,
    jitter: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float:
    """Seconds to wait before retry number ``retries_taken + 1``: the server's ``retry-after``
    when it is in (0, 60] s, else ``backoff``."""
    if headers is not None:
        after = retry_after(headers, now=now)
        if after is not None and math.isfinite(after) and 0 < after <= MAX_RETRY_AFTER:
            return after
    return backoff(retries_taken, jitter=jitter)
