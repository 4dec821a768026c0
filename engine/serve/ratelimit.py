"""`--rate-limit N/min`: a token bucket per caller (the bearer token's key, or the client address when
the server has no token), asked by `RunGate.check` before every served run: REST execute and stream,
MCP `tools/call`. A bucket holds N runs and refills at N per window, so a burst of N passes and the
rest wait for the refill; the refusal says how long (`Retry-After`).

The counts live in this process: replicas each keep their own (a limit across replicas belongs to the
gateway in front of them)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.serve.options import RateLimit

MAX_CALLERS = 10_000  # buckets kept; beyond, the full ones (same as new) are forgotten


@dataclass
class _Bucket:
    runs: float  # runs still allowed now
    at: float  # when `runs` was counted (clock seconds)


class RateLimiter:
    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.clock = clock
        self._rate = limit.runs / limit.per_seconds  # runs regained per second
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> float | None:
        """Count one run for `caller`: None if it may start, else the seconds until it may (>= 1)."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= MAX_CALLERS:
                    self._forget_full(now)
                bucket = self._buckets[caller] = _Bucket(float(self.limit.runs), now)
            bucket.runs = min(float(self.limit.runs), bucket.runs + (now - bucket.at) * self._rate)
            bucket.at = now
            if bucket.runs >= 1:
                bucket.runs -= 1
                return None
            return float(max(1, math.ceil((1 - bucket.runs) / self._rate)))

    def describe(self) -> str:
        """The limit as a person reads it: `60 runs per 60 s`."""
        return f"{self.limit.runs} runs per {self.limit.per_seconds:g} s"

    def _forget_full(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.runs + (now - b.at) * self._rate >= self.limit.runs] or list(
            self._buckets
        )[: MAX_CALLERS // 10]  # none full: the oldest tenth (dicts keep insertion order)
        for k in full:
            del self._buckets[k]
