"""The fast first stage of a 1:N fingerprint search: minutia triplets in an inverted index.

Each minutia and two of its ``NEIGHBOURS`` nearest neighbours form a triplet. The triplet's
key describes the two pairs it is made of, each by the distance between the two minutiae,
the bearing of the neighbour seen from the anchor minutia's direction, and the turn from
the anchor's direction to the neighbour's: quantities that rotating or moving the finger
does not change. Each pair is quantised (``DISTANCE_BIN`` pixels, ``ANGLE_BINS`` sectors)
and the key joins the two pair codes in increasing order, so the order of the neighbours
does not matter: about 660,000 possible keys, so two unrelated prints share few of them.

An enrolled template adds its distinct keys to the index. A probe looks up its own keys,
also trying the next bin for every quantity that lies within ``PROBE_MARGIN`` of a bin's
edge (noise then cannot move a shared triplet into another key unseen), and each template
gets a vote for every probe key it holds. Votes are divided by the square root of the
template's key count, so that templates with many (spurious) minutiae do not win by their
number; the best-voted templates form the short list that the exact matcher
(``finger_match.match``) re-scores.

The keys sit in one array sorted by key (4 bytes a key and 4 for its template row); keys added
since the last sort wait in a second, unsorted array that is searched as well, and the two
are merged when the second grows past an eighth of the first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

NEIGHBOURS = 4
DISTANCE_BINS = 8
DISTANCE_BIN = 15.0
ANGLE_BINS = 12
PROBE_MARGIN = 0.3
PAIR_CODES = DISTANCE_BINS * ANGLE_BINS * ANGLE_BINS
KEYS = PAIR_CODES * PAIR_CODES
MERGE_SHARE = 8

Minutiae = npt.NDArray[np.float32]
Keys = npt.NDArray[np.int64]


def _pair_quantities(minutiae: Minutiae) -> npt.NDArray[np.float64]:
    """n x NEIGHBOURS x 3: each minutia's pairs with its nearest neighbours, in bin units
    (distance, bearing, turn); NaN where a neighbour is missing or too far."""
    count = len(minutiae)
    x, y, theta = (minutiae[:, i].astype(np.float64) for i in range(3))
    dx, dy = x[None, :] - x[:, None], y[None, :] - y[:, None]
    distance = np.hypot(dx, dy)
    np.fill_diagonal(distance, np.inf)
    slots = min(NEIGHBOURS, count - 1)
    nearest = np.argsort(distance, axis=1)[:, :slots]
    anchor = np.arange(count)[:, None]
    near = distance[anchor, nearest]
    bearing = (np.arctan2(dy[anchor, nearest], dx[anchor, nearest]) - theta[:, None]) % (2 * np.pi)
    turn = (theta[nearest] - theta[:, None]) % (2 * np.pi)
    result = np.full((count, NEIGHBOURS, 3), np.nan)
    scale = ANGLE_BINS / (2 * np.pi)
    result[:, :slots] = np.stack([near / DISTANCE_BIN, bearing * scale, turn * scale], axis=2)
    result[result[:, :, 0] >= DISTANCE_BINS] = np.nan  # too far to be a neighbour worth keying
    return result


def _pair_codes(quantities: npt.NDArray[np.float64], margin: float) -> npt.NDArray[np.int64]:
    """n x NEIGHBOURS x 8 codes: the pair's own bins and, within ``margin`` of an edge, the
    next bin of each quantity in every combination; -1 where there is no such code."""
    options = []
    for axis, (bins, wraps) in enumerate(((DISTANCE_BINS, False), (ANGLE_BINS, True), (ANGLE_BINS, True))):
        value = quantities[..., axis]
        valid = np.isfinite(value)
        base = np.floor(np.where(valid, value, 0.0))
        fraction = np.where(valid, value, 0.0) - base
        other = np.where(fraction < margin, base - 1, np.where(fraction > 1 - margin, base + 1, np.nan))
        if wraps:
            base, other = base % bins, other % bins
        else:
            other = np.where((other < 0) | (other >= bins), np.nan, other)
        options.append((np.where(valid, base, np.nan), np.where(valid, other, np.nan)))
    codes = []
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                code = (options[0][a] * ANGLE_BINS + options[1][b]) * ANGLE_BINS + options[2][c]
                codes.append(np.where(np.isfinite(code), code, -1).astype(np.int64))
    return np.stack(codes, axis=2)


def triplet_keys(minutiae: Minutiae, *, margin: float = 0.0) -> Keys:
    """The distinct triplet keys of a minutiae set (N x >=3: x, y, angle); with ``margin``,
    the keys of the neighbouring bins too (for probes)."""
    if len(minutiae) < 3:
        return np.zeros(0, dtype=np.int64)
    codes = _pair_codes(_pair_quantities(minutiae), margin)
    found = []
    for first in range(NEIGHBOURS):
        for second in range(first + 1, NEIGHBOURS):
            a, b = codes[:, first, :, None], codes[:, second, None, :]
            low, high = np.minimum(a, b), np.maximum(a, b)
            keys = np.where(low >= 0, low * PAIR_CODES + high, -1)
            found.append(keys.ravel())
    every = np.concatenate(found)
    return np.unique(every[every >= 0])


@dataclass(frozen=True, slots=True)
class _Postings:
    """Keys sorted, with the template row of each; then keys added since, unsorted."""

    keys: npt.NDArray[np.int32]
    rows: npt.NDArray[np.int32]
    recent_keys: npt.NDArray[np.int32]
    recent_rows: npt.NDArray[np.int32]


class TripletIndex:
    """Template rows (0, 1, 2, ... in the order added) by their triplet keys."""

    def __init__(self) -> None:
        empty_keys, empty_rows = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        self._postings = _Postings(empty_keys, empty_rows, empty_keys, empty_rows)
        self._key_counts = np.zeros(0, dtype=np.float32)
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        postings = self._postings
        return int(postings.keys.nbytes + postings.rows.nbytes + postings.recent_keys.nbytes + postings.recent_rows.nbytes + 4 * self._size)

    def add(self, key_sets: list[Keys]) -> None:
        """Append templates (their ``triplet_keys``), as rows ``len(self)``, ``len(self) + 1``, ..."""
        if not key_sets:
            return
        with self._lock:
            counts = np.array([len(k) for k in key_sets], dtype=np.float32)
            new_rows = np.repeat(np.arange(self._size, self._size + len(key_sets), dtype=np.int32), counts.astype(np.int64))
            old = self._postings
            recent_keys = np.concatenate([old.recent_keys, *key_sets]).astype(np.int32)  # KEYS < 2**31
            recent_rows = np.concatenate([old.recent_rows, new_rows])
            if len(recent_keys) * MERGE_SHARE > len(old.keys):
                keys, rows = np.concatenate([old.keys, recent_keys]), np.concatenate([old.rows, recent_rows])
                order = np.argsort(keys, kind="stable")
                postings = _Postings(keys[order], rows[order], recent_keys[:0], recent_rows[:0])
            else:
                postings = _Postings(old.keys, old.rows, recent_keys, recent_rows)
            key_counts = np.concatenate([self._key_counts, np.maximum(counts, 1.0)])
            self._key_counts, self._postings, self._size = key_counts, postings, self._size + len(key_sets)

    def votes(self, probe_keys: Keys) -> npt.NDArray[np.float32]:
        """How many of the probe's keys each template holds, over the square root of its key count."""
        postings, key_counts, size = self._postings, self._key_counts, self._size
        low = np.searchsorted(postings.keys, probe_keys, "left")
        high = np.searchsorted(postings.keys, probe_keys, "right")
        lengths = high - low
        starts = np.repeat(low - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        hit_rows = postings.rows[starts + np.arange(int(lengths.sum()))]
        counts = np.bincount(hit_rows, minlength=size)[:size].astype(np.float32)
        if len(postings.recent_keys):
            recent = postings.recent_rows[np.isin(postings.recent_keys, probe_keys)]
            counts += np.bincount(recent, minlength=size)[:size]
        result: npt.NDArray[np.float32] = (counts / np.sqrt(key_counts[:size])).astype(np.float32)
        return result
