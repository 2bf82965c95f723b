"""``RateLimiter``: client-side rate limiting, shared by every call on a model and its bindings.

Pure and thread-safe (one lock): ``try_acquire`` grants a request now (0.0) or says how long to
wait before asking again; the twins do the waiting (``_async/http.py``: ``await sleep(wait)``,
generated into ``time.sleep``). Every HTTP attempt asks, so ``batch``/``abatch`` and retries are
limited too.

Requests: a token bucket refilled at ``requests_per_second`` up to ``max_bucket_size`` tokens; a
request takes one token. With the default bucket of 1, two requests are granted at least
``1 / requests_per_second`` apart, so no window of one second holds more than
``requests_per_second`` of them. Tokens (optional): with ``tokens_per_minute``, a request waits
while the tokens the provider reported as used (``usage``) over the last 60 s reach the budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Final

from ._values.errors import ConfigError

__all__ = ["RateLimiter"]

_WINDOW: Final = 60.0


class RateLimiter:
    """Limits the requests a model (and its bindings, and ``batch``) sends.

    ``RateLimiter(requests_per_second=50)`` then ``OpenAI(..., rate_limiter=limiter)``; share one
    limiter between models to limit them together. LangChain's ``InMemoryRateLimiter`` has the
    same ``requests_per_second`` and ``max_bucket_size``.
    """

    __slots__ = (
        "_interval",
        "_last",
        "_lock",
        "_tokens",
        "_used",
        "_used_total",
        "max_bucket_size",
        "requests_per_second",
        "tokens_per_minute",
    )

    def __init__(
        self,
        *,
        requests_per_second: float,
        max_bucket_size: float = 1.0,
        tokens_per_minute: int | None = None,
    ) -> None:
        for name, value in (
            ("requests_per_second", requests_per_second),
            ("max_bucket_size", max_bucket_size),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{name} must be a positive number, got {value!r}")
        if max_bucket_size < 1:
            raise ConfigError(f"max_bucket_size must be at least 1, got {max_bucket_size!r}")
        if tokens_per_minute is not None and (
            isinstance(tokens_per_minute, bool)
            or not isinstance(tokens_per_minute, int)
            or tokens_per_minute < 1
        ):
            raise ConfigError(
                f"tokens_per_minute must be a positive int or None, got {tokens_per_minute!r}"
            )
        self.requests_per_second = float(requests_per_second)
        self.max_bucket_size = float(max_bucket_size)
        self.tokens_per_minute = tokens_per_minute
        self._interval = 1.0 / self.requests_per_second
        self._lock = threading.Lock()
        self._tokens = 1.0  # the first request goes at once; a burst builds up while idle
        self._last = time.monotonic()
        self._used: deque[tuple[float, int]] = deque()  # (when, tokens) over the last minute
        self._used_total = 0

    def __repr__(self) -> str:
        tpm = f", tokens_per_minute={self.tokens_per_minute}" if self.tokens_per_minute else ""
        return (
            f"RateLimiter(requests_per_second={self.requests_per_second:g}, "
            f"max_bucket_size={self.max_bucket_size:g}{tpm})"
        )

    def try_acquire(self) -> float:
        """Take a request token now (returns 0.0), or return how long to wait before retrying."""
        with self._lock:
            now = time.monotonic()
            tokens = min(
                self.max_bucket_size, self._tokens + (now - self._last) * self.requests_per_second
            )
            self._tokens, self._last = tokens, now
            if self.tokens_per_minute is not None:
                used = self._used
                while used and used[0][0] <= now - _WINDOW:
                    self._used_total -= used.popleft()[1]
                if used and self._used_total >= self.tokens_per_minute:
                    return used[0][0] + _WINDOW - now
            if tokens >= 1.0:
                self._tokens = tokens - 1.0
                return 0.0
            return (1.0 - tokens) * self._interval

    def record_tokens(self, count: int) -> None:
        """Count ``count`` tokens (a finished call's usage) against ``tokens_per_minute``."""
        if self.tokens_per_minute is None or count <= 0:
            return
        with self._lock:
            self._used.append((time.monotonic(), count))
            self._used_total += count
