"""Fingerprint comparison: local minutia structures find the alignment, global pairing scores it.

``match(a, b)`` works in two steps, as classical minutiae matchers do:

1. **Local structures.** Each minutia is described by its pairs with its ``NEIGHBOURS``
   nearest minutiae: the distance, the bearing of the neighbour seen from the minutia's
   direction, and the turn between their directions; quantities that rotating or moving the
   finger does not change. Two minutiae, one of each print, are alike in proportion to how
   many of their neighbour pairs agree within ``LOCAL_DISTANCE`` pixels and
   ``LOCAL_BEARING`` / ``LOCAL_TURN`` degrees.
2. **Consolidation.** The ``SEEDS`` most alike minutia pairs each give an alignment (the
   rotation between their directions, the translation between their positions). Under each,
   every minutia of ``a`` is paired with the nearest minutia of ``b`` within
   ``PAIR_DISTANCE`` pixels and ``PAIR_ANGLE`` degrees, each minutia of ``b`` used once; the
   alignment pairing the most wins.

The score is ``paired ** 2 / (len(a) * len(b))``: 0 for nothing in common, 1 for identical
sets. Seeds come from local structures rather than from a vote over every pairing, so
rotations of any size are found, and a print that shares only part of its area with the
other still finds its alignment in the part they share.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

NEIGHBOURS = 6
SEEDS = 8
LOCAL_DISTANCE = 8.0
LOCAL_BEARING = 15.0
LOCAL_TURN = 20.0
PAIR_DISTANCE = 15.0
PAIR_ANGLE = 25.0
#: A seed needs this many agreeing neighbour pairs to be worth aligning on.
MIN_LOCAL = 2

_BEARING_COS = float(np.cos(np.deg2rad(LOCAL_BEARING)))
_TURN_COS = float(np.cos(np.deg2rad(LOCAL_TURN)))
_PAIR_COS = float(np.cos(np.deg2rad(PAIR_ANGLE)))
_FAR = np.float32(1e9)

Minutiae = npt.NDArray[np.float32]
Grid = npt.NDArray[np.float32]


def local_structures(minutiae: Minutiae) -> Grid:
    """(n * NEIGHBOURS) x 5: for each minutia's neighbour pairs, the distance and the cosine and
    sine of the bearing and of the turn; a missing neighbour is infinitely far."""
    count = len(minutiae)
    x, y, theta = (minutiae[:, i].astype(np.float32) for i in range(3))
    dx, dy = x[None, :] - x[:, None], y[None, :] - y[:, None]
    distance = np.hypot(dx, dy)
    np.fill_diagonal(distance, np.inf)
    slots = min(NEIGHBOURS, count - 1)
    nearest = np.argsort(distance, axis=1)[:, :slots]
    anchor = np.arange(count)[:, None]
    bearing = np.arctan2(dy[anchor, nearest], dx[anchor, nearest]) - theta[:, None]
    turn = theta[nearest] - theta[:, None]
    result = np.zeros((count, NEIGHBOURS, 5), dtype=np.float32)
    result[:, :, 0] = _FAR
    result[:, :slots, 0] = distance[anchor, nearest]
    result[:, :slots, 1], result[:, :slots, 2] = np.cos(bearing), np.sin(bearing)
    result[:, :slots, 3], result[:, :slots, 4] = np.cos(turn), np.sin(turn)
    return result.reshape(count * NEIGHBOURS, 5)


def _likeness(a: Grid, b: Grid, count_a: int, count_b: int) -> npt.NDArray[np.int64]:
    """count_a x count_b: how many neighbour pairs of each minutia of ``a`` find an agreeing
    neighbour pair at each minutia of ``b``."""
    rows, cols = np.nonzero(np.abs(a[:, None, 0] - b[None, :, 0]) < LOCAL_DISTANCE)
    agree = (a[rows, 1] * b[cols, 1] + a[rows, 2] * b[cols, 2] > _BEARING_COS) & (
        a[rows, 3] * b[cols, 3] + a[rows, 4] * b[cols, 4] > _TURN_COS
    )
    rows, cols = rows[agree], cols[agree] // NEIGHBOURS
    # Each neighbour pair of ``a`` (a row) counts once per minutia of ``b``.
    distinct = np.unique(rows * count_b + cols)
    minutia_a, minutia_b = (distinct // count_b) // NEIGHBOURS, distinct % count_b
    result: npt.NDArray[np.int64] = np.bincount(minutia_a * count_b + minutia_b, minlength=count_a * count_b).reshape(count_a, count_b)
    return result


def match(a: Minutiae, b: Minutiae, *, local_a: Grid | None = None) -> float:
    """Similarity of two minutiae sets (N x >=3: x, y, angle), 0-1. ``local_a`` may pass
    ``local_structures(a)`` when ``a`` is compared with many sets."""
    count_a, count_b = len(a), len(b)
    if count_a < 3 or count_b < 3:
        return 0.0
    likeness = _likeness(local_structures(a) if local_a is None else local_a, local_structures(b), count_a, count_b)
    flat = np.argpartition(-likeness, SEEDS - 1, axis=None)[:SEEDS] if likeness.size > SEEDS else np.arange(likeness.size)
    flat = flat[likeness.ravel()[flat] >= MIN_LOCAL]
    if len(flat) == 0:
        return 0.0
    seed_a, seed_b = np.unravel_index(flat, likeness.shape)
    ax, ay, at = (a[:, i].astype(np.float32) for i in range(3))
    bx, by, bt = (b[:, i].astype(np.float32) for i in range(3))
    rotation = (bt[seed_b] - at[seed_a])[:, None]
    cos, sin = np.cos(rotation), np.sin(rotation)
    rel_x, rel_y = ax[None, :] - ax[seed_a][:, None], ay[None, :] - ay[seed_a][:, None]
    moved_x = cos * rel_x - sin * rel_y + bx[seed_b][:, None]  # seeds x count_a
    moved_y = sin * rel_x + cos * rel_y + by[seed_b][:, None]
    squared = (moved_x[:, :, None] - bx[None, None, :]) ** 2 + (moved_y[:, :, None] - by[None, None, :]) ** 2
    turned = np.cos(bt[None, None, :] - (at[None, :, None] + rotation[:, :, None]))
    squared = np.where(turned > _PAIR_COS, squared, np.inf)
    nearest = squared.argmin(axis=2)
    close = np.take_along_axis(squared, nearest[:, :, None], axis=2)[:, :, 0] <= PAIR_DISTANCE**2
    # Each minutia of ``b`` is paired once: count the distinct nearest minutiae claimed.
    claimed = np.sort(np.where(close, nearest, -1), axis=1)
    distinct = ((claimed[:, 1:] != claimed[:, :-1]) & (claimed[:, 1:] >= 0)).sum(axis=1) + (claimed[:, 0] >= 0)
    paired = int(distinct.max())
    return paired * paired / (count_a * count_b)
