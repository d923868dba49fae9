"""Fingerprint comparison: an exact minutiae matcher and a fixed-length vector for 1:N prefiltering.

``match`` aligns two minutiae sets by a Hough vote over every pairing (rotation in 10-degree
bins, translation in 16-pixel bins), tries the three best alignments, pairs minutiae that
land within 15 pixels and 25 degrees of each other (each used once, nearest first), and
scores ``paired ** 2 / (len(a) * len(b))``: 0 for nothing in common, 1 for identical sets.

``pair_vector`` is a rotation- and translation-invariant summary for the fast first stage of
a 1:N search: a histogram over the pairs each minutia makes with its 6 nearest neighbours
within 150 pixels, of (distance, the angle between their directions, the angle of the line
joining them seen from the first), soft-binned,
square-rooted and scaled to unit length, so one matrix-vector product scores a probe
against every template; the exact matcher then re-scores only the short list.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ANGLE_BIN = np.deg2rad(10.0)
SHIFT_BIN = 16.0
PAIR_DISTANCE = 15.0
PAIR_ANGLE = np.deg2rad(25.0)
ALIGNMENTS = 3

DISTANCE_BINS = 10
MAX_PAIR_DISTANCE = 150.0
ANGLE_BINS = 12
NEIGHBOURS = 6
VECTOR_SIZE = DISTANCE_BINS * ANGLE_BINS * ANGLE_BINS

Minutiae = npt.NDArray[np.float32]


def _wrap(angle: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    wrapped: npt.NDArray[np.float64] = (angle + np.pi) % (2 * np.pi) - np.pi
    return wrapped


def match(a: Minutiae, b: Minutiae) -> float:
    """Similarity of two minutiae sets (N x >=3: x, y, angle), 0-1."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    ax, ay, at = (a[:, i].astype(np.float64) for i in range(3))
    bx, by, bt = (b[:, i].astype(np.float64) for i in range(3))
    rotation = _wrap(bt[None, :] - at[:, None])
    cos, sin = np.cos(rotation), np.sin(rotation)
    dx = bx[None, :] - (cos * ax[:, None] - sin * ay[:, None])
    dy = by[None, :] - (sin * ax[:, None] + cos * ay[:, None])
    r_bin = np.floor((rotation + np.pi) / ANGLE_BIN).astype(np.int64)
    x_bin = np.floor(dx / SHIFT_BIN).astype(np.int64) + 512
    y_bin = np.floor(dy / SHIFT_BIN).astype(np.int64) + 512
    keys = (r_bin * 1024 + x_bin) * 1024 + y_bin
    unique, counts = np.unique(keys.ravel(), return_counts=True)
    best = 0
    for key_index in np.argsort(-counts)[:ALIGNMENTS]:
        chosen = keys == unique[key_index]
        theta = float(np.median(rotation[chosen]))
        shift_x, shift_y = float(np.median(dx[chosen])), float(np.median(dy[chosen]))
        c, s = np.cos(theta), np.sin(theta)
        tx, ty, tt = c * ax - s * ay + shift_x, s * ax + c * ay + shift_y, at + theta
        distance = np.hypot(tx[:, None] - bx[None, :], ty[:, None] - by[None, :])
        turn = np.abs(_wrap(bt[None, :] - tt[:, None]))
        cost = np.where((distance <= PAIR_DISTANCE) & (turn <= PAIR_ANGLE), distance, np.inf)
        best = max(best, _greedy_pairs(cost))
    return best * best / (len(a) * len(b))


def _greedy_pairs(cost: npt.NDArray[np.float64]) -> int:
    """How many one-to-one pairs, nearest first, have a finite cost."""
    rows, cols = np.nonzero(np.isfinite(cost))
    if len(rows) == 0:
        return 0
    order = np.argsort(cost[rows, cols], kind="stable")
    used_a: set[int] = set()
    used_b: set[int] = set()
    for i, j in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def pair_vector(minutiae: Minutiae) -> npt.NDArray[np.float32]:
    """The unit-length pair histogram of a minutiae set (``VECTOR_SIZE`` values)."""
    vector = np.zeros(VECTOR_SIZE, dtype=np.float64)
    if len(minutiae) >= 2:
        x, y, t = (minutiae[:, i].astype(np.float64) for i in range(3))
        dx, dy = x[None, :] - x[:, None], y[None, :] - y[:, None]
        distance = np.hypot(dx, dy)
        np.fill_diagonal(distance, np.inf)
        nearest = np.argsort(distance, axis=1)[:, :NEIGHBOURS]
        use = np.zeros(distance.shape, dtype=bool)
        np.put_along_axis(use, nearest, True, axis=1)
        use &= distance < MAX_PAIR_DISTANCE
        d = distance[use] / MAX_PAIR_DISTANCE * DISTANCE_BINS - 0.5
        r = ((t[None, :] - t[:, None]) % (2 * np.pi))[use] / (2 * np.pi) * ANGLE_BINS - 0.5
        b = ((np.arctan2(dy, dx) - t[:, None]) % (2 * np.pi))[use] / (2 * np.pi) * ANGLE_BINS - 0.5
        # Soft binning: each pair votes into the 8 bins around it, so that a few pixels or
        # degrees of noise move weight between neighbouring bins instead of jumping.
        for corner_d in (0, 1):
            for corner_r in (0, 1):
                for corner_b in (0, 1):
                    fd, fr, fb = np.floor(d) + corner_d, np.floor(r) + corner_r, np.floor(b) + corner_b
                    weight = (1 - np.abs(d - fd)) * (1 - np.abs(r - fr)) * (1 - np.abs(b - fb))
                    index = (
                        np.clip(fd, 0, DISTANCE_BINS - 1).astype(np.int64) * ANGLE_BINS + (fr % ANGLE_BINS).astype(np.int64)
                    ) * ANGLE_BINS + (fb % ANGLE_BINS).astype(np.int64)
                    np.add.at(vector, index, weight)
    vector = np.sqrt(vector)
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).astype(np.float32)
