"""Every enrolled fingerprint in memory, searched 1:N in two stages.

The first stage (``finger_index.TripletIndex``) ranks every template by the minutia
triplets it shares with the probe; the visible ones among the best-voted, ``shortlist`` of
them, go to the exact matcher (``finger_match.match``), which scores them; the best sample
of each record scoring at least ``floor`` is a candidate. Minutiae are held in one float32
array with the offsets of each template (x, y, angle; 12 bytes a minutia), not as an object
per template.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kalkan.biometrics import finger_match
from kalkan.biometrics.finger_index import PROBE_MARGIN, TripletIndex, triplet_keys

Minutiae = npt.NDArray[np.float32]

#: Templates re-scored by the exact matcher: this share of the gallery, within these bounds.
SHORTLIST_SHARE = 1 / 500
SHORTLIST_MIN, SHORTLIST_MAX = 100, 400


@dataclass(frozen=True, slots=True)
class FingerHit:
    sample_id: int
    record_id: str
    score: float
    position: int


@dataclass(slots=True)
class FingerTrace:
    """What one search did: templates voted for, asked about, and matched exactly."""

    voted: int = 0
    matched: int = 0
    gallery: int = 0


def shortlist_size(gallery: int) -> int:
    return min(gallery, max(SHORTLIST_MIN, min(SHORTLIST_MAX, round(gallery * SHORTLIST_SHARE))))


class FingerGallery:
    def __init__(self) -> None:
        self.index = TripletIndex()
        self._points = np.zeros((0, 3), dtype=np.float32)
        self._offsets = np.zeros(1, dtype=np.int64)
        self._sample_ids: list[int] = []
        self._records: list[str] = []
        self._positions: list[int] = []
        self._lock = threading.Lock()
        self.last_sample_id = 0

    def __len__(self) -> int:
        return len(self._sample_ids)

    @property
    def nbytes(self) -> int:
        """Bytes held: the triplet index, the minutiae, and per template its offset, sample id and position."""
        return self.index.nbytes + int(self._offsets[-1]) * 12 + len(self) * (8 + 8 + 4)

    def add(self, rows: Iterable[tuple[int, str, int, Minutiae]]) -> int:
        """Append (sample id, record id, finger position, minutiae) rows; returns how many."""
        listed = list(rows)
        if not listed:
            return 0
        keys = [triplet_keys(minutiae) for *_, minutiae in listed]
        with self._lock:
            points = np.concatenate([m[:, :3].astype(np.float32) for *_, m in listed])
            used = int(self._offsets[-1])
            if used + len(points) > len(self._points):  # grow by doubling: appends stay cheap
                grown = np.zeros((max(4096, 2 * (used + len(points))), 3), dtype=np.float32)
                grown[:used] = self._points[:used]
                self._points = grown
            self._points[used : used + len(points)] = points
            lengths = np.array([len(m) for *_, m in listed], dtype=np.int64)
            self._offsets = np.concatenate([self._offsets, used + np.cumsum(lengths)])
            for sample_id, record_id, position, _ in listed:
                self._sample_ids.append(sample_id)
                self._records.append(record_id)
                self._positions.append(position)
                self.last_sample_id = max(self.last_sample_id, sample_id)
            self.index.add(keys)
        return len(listed)

    def minutiae(self, row: int) -> Minutiae:
        result: Minutiae = self._points[self._offsets[row] : self._offsets[row + 1]]
        return result

    def search(
        self,
        probe: Minutiae,
        *,
        limit: int,
        floor: float,
        allowed: Callable[[list[str]], set[str]],
        position: int | None = None,
        shortlist: int | None = None,
        trace: FingerTrace | None = None,
    ) -> list[FingerHit]:
        """The ``limit`` best records ``allowed`` to the caller scoring at least ``floor``; with a
        ``position`` (1-10), only samples of that finger or of an unknown one (0)."""
        size = len(self)
        if size == 0 or limit <= 0:
            return []
        wanted = shortlist or shortlist_size(size)
        votes = self.index.votes(triplet_keys(probe, margin=PROBE_MARGIN))
        voted = np.flatnonzero(votes > 0)
        voted = voted[np.lexsort((voted, -votes[voted]))]
        chosen: list[int] = []
        permitted: set[str] = set()
        asked: set[str] = set()
        for start in range(0, len(voted), wanted):
            batch = [int(row) for row in voted[start : start + wanted]]
            if position:
                batch = [row for row in batch if self._positions[row] in (0, position)]
            unknown = sorted({self._records[row] for row in batch} - asked)
            if unknown:
                permitted |= allowed(unknown)
                asked.update(unknown)
            chosen.extend(row for row in batch if self._records[row] in permitted)
            if len(chosen) >= wanted:
                break
        chosen = chosen[:wanted]
        local = finger_match.local_structures(probe)
        best: dict[str, FingerHit] = {}
        for row in chosen:
            score = finger_match.match(probe, self.minutiae(row), local_a=local)
            record_id = self._records[row]
            if score >= floor and (record_id not in best or score > best[record_id].score):
                best[record_id] = FingerHit(self._sample_ids[row], record_id, score, self._positions[row])
        if trace is not None:
            trace.voted, trace.matched, trace.gallery = len(voted), len(chosen), size
        return sorted(best.values(), key=lambda hit: (-hit.score, hit.record_id))[:limit]
