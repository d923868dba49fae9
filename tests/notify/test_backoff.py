"""The retry schedule: doubling from the base, capped, with bounded jitter."""

from __future__ import annotations

import pytest

from kalkan.notify.backoff import Backoff


def test_ceilings_double_until_the_cap() -> None:
    backoff = Backoff(base=2.0, cap=60.0)
    assert [backoff.ceiling(n) for n in range(1, 8)] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert backoff.ceiling(10_000) == 60.0  # no overflow however long an endpoint stays down


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 4.0), (0.5, 6.0), (0.999, 7.996)])
def test_jitter_spreads_the_wait_over_the_last_half(draw: float, expected: float) -> None:
    backoff = Backoff(base=2.0, cap=60.0, jitter=0.5, random=lambda: draw)
    assert backoff.delay(3) == pytest.approx(expected)


def test_without_jitter_the_schedule_is_exact() -> None:
    backoff = Backoff(base=0.5, cap=4.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
