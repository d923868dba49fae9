"""The fast first stage of a 1:N fingerprint search: minutia triplets in an inverted index.

Each minutia and two of its ``NEIGHBOURS`` nearest neighbours form a triplet. The triplet's
key describes the two pairs it is made of, each by the distance between the two minutiae,
the bearing of the neighbour seen from the anchor minutia's direction, and the turn from
the anchor's direction to the neighbour's: quantities that rotating or moving the finger
does not change. Each pair is quantised (``DISTANCE_BIN`` pixels, ``ANGLE_BINS`` sectors)
and the key joins the two pair codes in increasing order, so the order of the neighbours
does not matter: about 1.3 million possible keys, so two unrelated prints share few of them.
Each key also keeps the anchor minutia's direction (``DIRECTION_BINS`` sectors).

An enrolled template adds its distinct (key, direction) pairs to the index. A probe looks
up its own keys, also trying the next bin for every quantity that lies within
``PROBE_MARGIN`` of a bin's edge (noise then cannot move a shared triplet into another key
unseen). Every key a template shares with the probe is a vote for the rotation between
them (the template's anchor direction minus the probe's): a mate's votes agree on one
rotation, a stranger's chance agreements scatter over all of them. A template's score is
its most voted rotation (two neighbouring sectors together), divided by the square root of
its key count so that templates with many (spurious) minutiae do not win by their number;
the best-scored templates form the short list that the exact matcher
(``finger_match.match``) re-scores.

The keys sit in one array sorted by key (4 bytes a key, 4 for its template row, 1 for the
direction); keys added since the last sort wait in a second, unsorted array that is
searched as well, and the two are merged when the second grows past an eighth of the first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

NEIGHBOURS = 5
DISTANCE_BINS = 8
DISTANCE_BIN = 15.0
ANGLE_BINS = 12
PROBE_MARGIN = 0.3
PAIR_CODES = DISTANCE_BINS * ANGLE_BINS * ANGLE_BINS
KEYS = PAIR_CODES * PAIR_CODES
DIRECTION_BINS = 32
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


@dataclass(frozen=True, slots=True)
class Triplets:
    """A template's distinct triplet keys, in increasing order, with their anchor's direction sector."""

    keys: Keys
    directions: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.keys)


def triplet_keys(minutiae: Minutiae, *, margin: float = 0.0) -> Triplets:
    """The distinct triplets of a minutiae set (N x >=3: x, y, angle); with ``margin``, the
    keys of the neighbouring bins too (for probes)."""
    if len(minutiae) < 3:
        return Triplets(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8))
    codes = _pair_codes(_pair_quantities(minutiae), margin)
    sector = np.floor(minutiae[:, 2].astype(np.float64) / (2 * np.pi) * DIRECTION_BINS).astype(np.int64) % DIRECTION_BINS
    found = []
    for first in range(NEIGHBOURS):
        for second in range(first + 1, NEIGHBOURS):
            a, b = codes[:, first, :, None], codes[:, second, None, :]
            low, high = np.minimum(a, b), np.maximum(a, b)
            keys = np.where(low >= 0, (low * PAIR_CODES + high) * DIRECTION_BINS + sector[:, None, None], -1)
            found.append(keys.ravel())
    every = np.unique(np.concatenate(found))
    every = every[every >= 0]
    return Triplets(every // DIRECTION_BINS, (every % DIRECTION_BINS).astype(np.int8))


def _joined(
    sorted_keys: npt.NDArray[np.int64] | npt.NDArray[np.int32], queries: npt.NDArray[np.int64] | npt.NDArray[np.int32]
) -> tuple[Keys, Keys]:
    """Every (place in ``sorted_keys``, place in ``queries``) with equal keys."""
    low = np.searchsorted(sorted_keys, queries, "left")
    high = np.searchsorted(sorted_keys, queries, "right")
    lengths = high - low
    total = int(lengths.sum())
    found = np.repeat(low - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(total)
    return found.astype(np.int64), np.repeat(np.arange(len(queries)), lengths)


@dataclass(frozen=True, slots=True)
class _Postings:
    """Keys sorted, with the template row and anchor direction of each; then those added since, unsorted."""

    keys: npt.NDArray[np.int32]
    rows: npt.NDArray[np.int32]
    directions: npt.NDArray[np.int8]
    recent_keys: npt.NDArray[np.int32]
    recent_rows: npt.NDArray[np.int32]
    recent_directions: npt.NDArray[np.int8]

    @property
    def nbytes(self) -> int:
        return sum(int(getattr(self, name).nbytes) for name in self.__slots__)


class TripletIndex:
    """Template rows (0, 1, 2, ... in the order added) by their triplet keys."""

    def __init__(self) -> None:
        keys, rows, directions = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int8)
        self._postings = _Postings(keys, rows, directions, keys, rows, directions)
        self._key_counts = np.zeros(0, dtype=np.float32)
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return self._postings.nbytes + 4 * self._size

    def add(self, templates: list[Triplets]) -> None:
        """Append templates (their ``triplet_keys``), as rows ``len(self)``, ``len(self) + 1``, ..."""
        if not templates:
            return
        with self._lock:
            counts = np.array([len(t) for t in templates], dtype=np.int64)
            new_rows = np.repeat(np.arange(self._size, self._size + len(templates), dtype=np.int32), counts)
            old = self._postings
            keys = np.concatenate([old.recent_keys, *(t.keys for t in templates)]).astype(np.int32)  # KEYS < 2**31
            rows = np.concatenate([old.recent_rows, new_rows])
            directions = np.concatenate([old.recent_directions, *(t.directions for t in templates)])
            if len(keys) * MERGE_SHARE > len(old.keys):
                keys, rows, directions = (
                    np.concatenate(pair) for pair in ((old.keys, keys), (old.rows, rows), (old.directions, directions))
                )
                order = np.argsort(keys, kind="stable")
                postings = _Postings(keys[order], rows[order], directions[order], keys[:0], rows[:0], directions[:0])
            else:
                postings = _Postings(old.keys, old.rows, old.directions, keys, rows, directions)
            key_counts = np.concatenate([self._key_counts, np.maximum(counts, 1).astype(np.float32)])
            self._key_counts, self._postings, self._size = key_counts, postings, self._size + len(templates)

    def votes(self, probe: Triplets) -> npt.NDArray[np.float32]:
        """Each template's most voted rotation, over the square root of its key count."""
        postings, key_counts, size = self._postings, self._key_counts, self._size
        result = np.zeros(size, dtype=np.float32)
        places, asked = _joined(postings.keys, probe.keys)
        rows, turns = postings.rows[places], postings.directions[places].astype(np.int64) - probe.directions[asked]
        if len(postings.recent_keys):
            # The probe's keys are sorted: look the recent keys up in them.
            recent_asked, places = _joined(probe.keys, postings.recent_keys)
            rows = np.concatenate([rows, postings.recent_rows[places]])
            turns = np.concatenate([turns, postings.recent_directions[places].astype(np.int64) - probe.directions[recent_asked]])
        if len(rows) == 0:
            return result
        # A vote counts for its own rotation sector and for the one before: windows of two sectors.
        cells = rows.astype(np.int64) * DIRECTION_BINS
        windows = np.concatenate([cells + turns % DIRECTION_BINS, cells + (turns - 1) % DIRECTION_BINS])
        cell, count = np.unique(windows, return_counts=True)
        template = cell // DIRECTION_BINS
        starts = np.flatnonzero(np.concatenate([[True], template[1:] != template[:-1]]))
        best = np.maximum.reduceat(count, starts)
        result[template[starts]] = best / np.sqrt(key_counts[template[starts]])
        return result
