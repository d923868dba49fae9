"""When to try a failed delivery again: exponential backoff with jitter, capped, never giving up."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    """The n-th retry waits ``base * 2**(n-1)`` seconds, at most ``cap``, of which the last
    ``jitter`` fraction is random, so that many failing deliveries do not retry in step."""

    base: float = 2.0
    cap: float = 3600.0
    jitter: float = 0.5
    random: Callable[[], float] = field(default=random.random, compare=False)

    def ceiling(self, attempt: int) -> float:
        """The longest wait after the ``attempt``-th failed attempt (1 for the first)."""
        return min(self.cap, self.base * 2.0 ** min(max(0, attempt - 1), 64))  # 2**64 s outlasts any cap

    def delay(self, attempt: int) -> float:
        ceiling = self.ceiling(attempt)
        return ceiling * (1.0 - self.jitter) + ceiling * self.jitter * self.random()
