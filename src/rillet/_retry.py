"""Retry decisions and backoff maths (pure functions; the I/O loop lives in ``_async/_http.py``).

Policy (the official SDKs' one, research/wire.md §4): retry connection errors, timeouts before the
first byte, 408, 409, 429 and 5xx; obey ``x-should-retry``; wait ``retry-after-ms`` or
``retry-after`` when given and in (0, 60] s, else ``min(0.5 * 2**n, 8) * (1 - 0.25 * jitter)``.
Never retry once a stream has delivered bytes.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from typing import Final

__all__ = ["retry_delay", "should_retry_status"]

INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0


def should_retry_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """Whether a response with this status (and headers) is worth another attempt."""
    override = headers.get("x-should-retry")
    if override == "true":
        return True
    if override == "false":
        return False
    return status_code in (408, 409, 429) or status_code >= 500


def _retry_after(headers: Mapping[str, str], now: Callable[[], float]) -> float | None:
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
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return email.utils.mktime_tz(parsed) - now()


def retry_delay(
    retries_taken: int,
    headers: Mapping[str, str] | None = None,
    *,
    jitter: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float:
    """Seconds to wait before retry number ``retries_taken + 1``."""
    if headers is not None:
        after = _retry_after(headers, now)
        if after is not None and 0 < after <= MAX_RETRY_AFTER:
            return after
    delay = min(INITIAL_RETRY_DELAY * 2.0**retries_taken, MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * jitter())
