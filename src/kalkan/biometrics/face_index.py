"""1:N face search over every enrolled face: a compact first stage, then exact scores for a short list.

Each face is held rotated into the principal axes of the gallery (an orthonormal basis, so
every inner product, and so every cosine similarity, is unchanged): the first ``HEAD``
values, where most of the variance lies, in one contiguous float32 matrix; the rest, the
tail, in another. A search scores every face on the head alone (one matrix-vector product
over three eighths of the data), takes the best of those partial scores (``SHORTLIST``, or a 200th of a large gallery), and
scores them exactly (head + tail), so every candidate returned carries the score a
comparison with every face would give it.

Whether the best face is always on the short list cannot be proven here: with dlib's
embeddings the variance is spread over many axes (the development set's impostor scores
suggest about 56 effective ones), so no bound on the tail is tight enough to skip faces
safely. It is measured instead: ``bench/biometrics.py`` compares the first candidate with
exact search over every face, for probes of enrolled people and of people not enrolled, in
the same run (docs/biometrics.md has the figures).

Candidates are filtered by the caller's visibility before anything is returned: ``allowed``
is asked about record ids in order of score, a batch at a time, until ``limit`` visible
records are found; the short list widens when it holds too few. Appends publish a new
snapshot of the arrays, so searches read without a lock while enrolments go on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kalkan.biometrics.faces import EMBEDDING_SIZE

#: Values of each rotated face in the first stage's matrix.
HEAD = 48
#: The basis is refitted when the gallery has grown this many times since the last fit, until
#: it was fitted on ``SETTLED`` faces (more add nothing: it is a 128 x 128 second moment).
REFIT_GROWTH = 4
SETTLED = 65_536
FIT_SAMPLE = 20_000
CHUNK = 65_536
#: Faces scored exactly after the first stage: this share of the gallery, at least ``SHORTLIST``
#: (and more when too few of them are visible to the caller).
SHORTLIST = 2048
SHORTLIST_SHARE = 1 / 200
SAMPLE_FOR_THRESHOLD = 16_384

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class IndexHit:
    sample_id: int
    record_id: str
    score: float


@dataclass(slots=True)
class SearchTrace:
    """What one search did: how many faces it scored exactly out of how many."""

    rescored: int = 0
    gallery: int = 0


@dataclass(frozen=True, slots=True)
class _State:
    """One published snapshot: rows ``[:size]`` of every array are complete and never change."""

    basis: Vector  # D x D, columns are the axes: rotated = vector @ basis
    head: Vector  # capacity x HEAD
    tail: Vector  # capacity x (D - HEAD)
    tail_norm: Vector  # capacity
    sample_ids: npt.NDArray[np.int64]
    record_rows: npt.NDArray[np.int32]
    size: int


@dataclass
class _Selection:
    """Candidates in order of exact score, filtered to visible records a batch at a time."""

    allowed: Callable[[list[str]], set[str]]
    records: list[str]
    one_per_record: bool
    permitted: set[str] = field(default_factory=set)
    asked: set[str] = field(default_factory=set)

    def pick(self, state: _State, rows: npt.NDArray[np.int64], scores: Vector, limit: int, floor: float) -> list[IndexHit]:
        keep = scores >= floor
        rows, scores = rows[keep], scores[keep]
        order = np.lexsort((rows, -scores))
        rows, scores = rows[order], scores[order]
        hits: list[IndexHit] = []
        chosen: set[str] = set()
        batch = max(4 * limit, 64)
        for start in range(0, len(rows), batch):
            names = [self.records[int(r)] for r in state.record_rows[rows[start : start + batch]]]
            unknown = sorted(set(names) - self.asked)
            if unknown:
                self.permitted |= self.allowed(unknown)
                self.asked.update(unknown)
            for i, record_id in enumerate(names, start):
                if record_id in self.permitted and record_id not in chosen:
                    if self.one_per_record:
                        chosen.add(record_id)
                    hits.append(IndexHit(int(state.sample_ids[rows[i]]), record_id, float(scores[i])))
                    if len(hits) == limit:
                        return hits
        return hits


class VectorIndex:
    """Unit vectors with their sample and record ids, searched exactly through a bounded first stage."""

    def __init__(self, dimensions: int = EMBEDDING_SIZE, head: int = HEAD, shortlist: int = SHORTLIST) -> None:
        self.dimensions = dimensions
        self.head_size = min(head, dimensions)
        self.shortlist = shortlist
        self._records: list[str] = []
        self._record_row: dict[str, int] = {}
        self._fitted_on = 0
        self._lock = threading.Lock()
        self._state = self._allocate(np.eye(dimensions, dtype=np.float32), 0)
        self.last_sample_id = 0

    def __len__(self) -> int:
        return self._state.size

    @property
    def nbytes(self) -> int:
        """Bytes held per the gallery: head, tail, tail length, sample id, record row."""
        return int(self._state.size * (self.dimensions * 4 + 4 + 8 + 4))

    # -- building ----------------------------------------------------------------------

    def add(self, rows: Iterable[tuple[int, str, Vector]]) -> int:
        """Append (sample id, record id, vector) rows; returns how many were added."""
        listed = list(rows)
        if not listed:
            return 0
        self.add_matrix(
            np.array([r[0] for r in listed], dtype=np.int64), [r[1] for r in listed], np.array([r[2] for r in listed], dtype=np.float32)
        )
        return len(listed)

    def add_matrix(self, sample_ids: npt.NDArray[np.int64], record_ids: list[str], vectors: Vector) -> None:
        """Append rows in bulk (loads, benchmarks); refits the basis when the gallery has grown enough."""
        if len(sample_ids) != len(record_ids) or vectors.shape != (len(sample_ids), self.dimensions):
            raise ValueError(f"{len(sample_ids)} ids, {len(record_ids)} records and vectors of shape {vectors.shape} do not agree")
        with self._lock:
            state = self._state
            need = state.size + len(sample_ids)
            if need > len(state.sample_ids):
                state = self._allocate(state.basis, max(1024, need, 2 * len(state.sample_ids)), state)
            rows = np.empty(len(record_ids), dtype=np.int32)
            for i, record_id in enumerate(record_ids):
                row = self._record_row.get(record_id)
                if row is None:
                    row = self._record_row[record_id] = len(self._records)
                    self._records.append(record_id)
                rows[i] = row
            self._write(state, state.size, vectors.astype(np.float32, copy=False))
            state.sample_ids[state.size : need] = sample_ids
            state.record_rows[state.size : need] = rows
            state = _State(state.basis, state.head, state.tail, state.tail_norm, state.sample_ids, state.record_rows, need)
            if self._fitted_on < SETTLED and need >= max(256, REFIT_GROWTH * self._fitted_on):
                state = self._refit(state)
            self._state = state
            if len(sample_ids):
                self.last_sample_id = max(self.last_sample_id, int(sample_ids.max()))

    def _allocate(self, basis: Vector, capacity: int, old: _State | None = None) -> _State:
        head = np.zeros((capacity, self.head_size), dtype=np.float32)
        tail = np.zeros((capacity, self.dimensions - self.head_size), dtype=np.float32)
        tail_norm = np.zeros(capacity, dtype=np.float32)
        sample_ids = np.zeros(capacity, dtype=np.int64)
        record_rows = np.zeros(capacity, dtype=np.int32)
        size = 0
        if old is not None:
            size = old.size
            for new, previous in ((head, old.head), (tail, old.tail), (tail_norm, old.tail_norm)):
                new[:size] = previous[:size]
            sample_ids[:size], record_rows[:size] = old.sample_ids[:size], old.record_rows[:size]
        return _State(basis, head, tail, tail_norm, sample_ids, record_rows, size)

    def _write(self, state: _State, at: int, vectors: Vector) -> None:
        rotated = vectors @ state.basis
        end = at + len(vectors)
        state.head[at:end] = rotated[:, : self.head_size]
        state.tail[at:end] = rotated[:, self.head_size :]
        state.tail_norm[at:end] = np.linalg.norm(rotated[:, self.head_size :], axis=1)

    def _refit(self, state: _State) -> _State:
        """The principal axes of (a sample of) the gallery, and every row rotated into them, a chunk at a time."""
        step = max(1, state.size // FIT_SAMPLE)
        sample = self._unrotated(state, np.arange(0, state.size, step)).astype(np.float64)
        _, axes = np.linalg.eigh(sample.T @ sample)
        basis = np.ascontiguousarray(axes[:, ::-1], dtype=np.float32)  # largest variance first
        fresh = self._allocate(basis, len(state.sample_ids))
        for start in range(0, state.size, CHUNK):
            rows = np.arange(start, min(start + CHUNK, state.size))
            self._write(fresh, start, self._unrotated(state, rows))
        fresh.sample_ids[: state.size], fresh.record_rows[: state.size] = state.sample_ids[: state.size], state.record_rows[: state.size]
        self._fitted_on = state.size
        return _State(basis, fresh.head, fresh.tail, fresh.tail_norm, fresh.sample_ids, fresh.record_rows, state.size)

    @staticmethod
    def _unrotated(state: _State, rows: npt.NDArray[np.int64]) -> Vector:
        result: Vector = np.hstack([state.head[rows], state.tail[rows]]) @ state.basis.T
        return result

    def vectors(self) -> Vector:
        """Every vector in the caller's basis (a copy), rows in the order they were added."""
        state = self._state
        return self._unrotated(state, np.arange(state.size))

    # -- searching ---------------------------------------------------------------------

    def search(
        self,
        probe: Vector,
        *,
        limit: int,
        floor: float,
        allowed: Callable[[list[str]], set[str]],
        one_per_record: bool = True,
        trace: SearchTrace | None = None,
    ) -> list[IndexHit]:
        """The ``limit`` best samples of records ``allowed`` to the caller scoring >= ``floor``, exactly
        as a comparison with every sample would rank them; with ``one_per_record``, only the best
        sample of each record."""
        state = self._state
        if state.size == 0 or limit <= 0:
            return []
        rotated = probe.astype(np.float32) @ state.basis
        probe_head, probe_tail = rotated[: self.head_size], rotated[self.head_size :]
        approx = state.head[: state.size] @ probe_head
        selection = _Selection(allowed, self._records, one_per_record)
        shortlist = max(self.shortlist, round(state.size * SHORTLIST_SHARE), 4 * limit)
        while True:
            rows = _best(approx, shortlist)
            take = len(rows)
            scores: Vector = approx[rows] + state.tail[rows] @ probe_tail
            hits = selection.pick(state, rows, scores, limit, floor)
            # Widen while too few visible candidates were found and more could still reach the floor.
            if len(hits) >= limit or take >= state.size or float(scores.max(initial=-2.0)) < floor:
                break
            shortlist *= 4
        if trace is not None:
            trace.rescored, trace.gallery = take, state.size
        return hits


def _best(scores: Vector, count: int) -> npt.NDArray[np.int64]:
    """Rows of at least ``count`` of the highest ``scores`` (all when there are fewer), in no order.

    A full partial sort of a million scores costs more than the first stage's product; instead
    the threshold is read off a sample of the scores, aiming at one and a half times
    ``count``, and the exact partial sort is kept for when the sample's guess falls short.
    """
    size = len(scores)
    if count >= size:
        return np.arange(size)
    if size > 16 * SAMPLE_FOR_THRESHOLD:
        sample = scores[:: size // SAMPLE_FOR_THRESHOLD]
        rank = min(len(sample) - 1, int(len(sample) * (1.5 * count / size)))
        threshold = np.partition(sample, len(sample) - 1 - rank)[len(sample) - 1 - rank]
        rows = np.flatnonzero(scores >= threshold)
        if count <= len(rows) <= 4 * count:
            return rows
    result: npt.NDArray[np.int64] = np.argpartition(scores, size - count)[size - count :]
    return result
