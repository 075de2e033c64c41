"""A per-user token bucket for the Telegram front end.

Why: without it one user's flood queues behind their chat's lock and holds update slots that other
chats need, and every message costs a Rasa turn. Each user (keyed by the pseudonymous sender id, in
memory only) may send USER_BURST messages at once and then USER_RATE_PER_S on average. Past that, the
first refused message gets the polite "slow down" (with 999/109/1098); further refused ones in the same
burst get nothing, so a flood never turns into a flood of replies. Crisis messages are never refused
(bot.telegram_app checks the crisis rules first), exactly as load shedding never sheds them.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Optional

USER_BURST = float(os.environ.get("USER_BURST", "10"))
USER_RATE_PER_S = float(os.environ.get("USER_RATE_PER_S", "0.5"))  # 30 a minute, sustained


@dataclass
class _Bucket:
    tokens: float
    at: float
    notified: bool = False  # the "slow down" notice went out for the current refusal streak


class RateLimiter:
    """Token buckets by key; full (idle) buckets are forgotten, so memory follows active users only."""

    def __init__(self, burst: float = USER_BURST, rate_per_s: float = USER_RATE_PER_S) -> None:
        self.burst = max(1.0, burst)
        self.rate = rate_per_s
        self._buckets: dict[str, _Bucket] = {}
        self._last_prune = 0.0

    def check(self, key: str, now: Optional[float] = None) -> str:
        """"ok" (take a token), "notify" (refused; send the slow-down notice) or "drop" (refused, already told)."""
        now = time.monotonic() if now is None else now
        self._prune(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.notified = False
            return "ok"
        if bucket.notified:
            return "drop"
        bucket.notified = True
        return "notify"

    def _prune(self, now: float) -> None:
        """Every minute, forget buckets that have refilled completely (nothing to remember)."""
        if now - self._last_prune < 60 or self.rate <= 0:
            return
        self._last_prune = now
        full_after = self.burst / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.at >= full_after]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
