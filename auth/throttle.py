"""Login rate limiting: too many failed logins for one user name or from one address are refused a while.

In-process: each gunicorn worker counts its own failures (a sliding window per key), so with W workers
an attacker gets at most W times the limit before every worker refuses. Nothing is shared or persisted;
a restart forgets the counts. Imports no dash.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

__all__ = ["LoginThrottle", "MAX_FAILURES", "WINDOW_SECONDS", "throttled_message"]

#: Failed logins allowed per key (a user name, an address) within the window.
MAX_FAILURES = 10
WINDOW_SECONDS = 5 * 60
#: Keys tracked at most; past it the keys whose last failure is oldest are forgotten (bounded memory).
MAX_KEYS = 10_000


def throttled_message(seconds: float) -> str:
    """What the login form says while ``seconds`` remain."""
    minutes = max(1, math.ceil(seconds / 60))
    return (f"Too many failed logins for this user name or from this address: try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.")


class LoginThrottle:
    """Failures per key in a sliding window; a key with ``limit`` failures in ``window`` seconds is refused
    until its oldest failure leaves the window."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS):
        self.limit, self.window, self._clock, self._max_keys = limit, window, clock, max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, keys: Iterable[str]) -> float | None:
        """Seconds until any of ``keys`` may try again, None when none of them is refused."""
        with self._lock:
            now = self._clock()
            waits = [times[-self.limit] + self.window - now for key in keys
                     if len(times := self._recent(key, now)) >= self.limit]
        return max(waits) if waits else None

    def failed(self, keys: Iterable[str]) -> None:
        """Count one failed login against each of ``keys``."""
        with self._lock:
            now = self._clock()
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures.pop(key, None)
                self._failures[key] = times  # most recently failed last: the first keys are the oldest
            while len(self._failures) > self._max_keys:
                del self._failures[next(iter(self._failures))]
