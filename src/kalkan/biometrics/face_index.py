"""Exact 1:N face search over every enrolled face, held in one float32 matrix.

Exact search keeps rank-1 what it is by construction (no approximate index to miss the
true mate); at 1 million 128-d templates it is one matrix-vector product over 512 MB, well
under 100 ms on two cores (``bench/biometrics.py``). Candidates are filtered by the
caller's visibility before anything is returned: the index asks ``allowed`` about the best
record ids and widens its short list until it has ``limit`` visible candidates or the
scores fall below ``floor``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kalkan.biometrics.faces import EMBEDDING_SIZE


@dataclass(frozen=True, slots=True)
class IndexHit:
    sample_id: int
    record_id: str
    score: float


class VectorIndex:
    """Rows of unit vectors with their sample and record ids; appends amortised, reads lock-free."""

    def __init__(self, dimensions: int = EMBEDDING_SIZE) -> None:
        self.dimensions = dimensions
        self._vectors = np.zeros((0, dimensions), dtype=np.float32)
        self._sample_ids = np.zeros(0, dtype=np.int64)
        self._record_rows = np.zeros(0, dtype=np.int32)
        self._records: list[str] = []
        self._record_row: dict[str, int] = {}
        self._size = 0
        self._lock = threading.Lock()
        self.last_sample_id = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return int(self._size * (self.dimensions * 4 + 8 + 4))

    def add(self, rows: Iterable[tuple[int, str, npt.NDArray[np.float32]]]) -> int:
        """Append (sample id, record id, vector) rows; returns how many were added."""
        added = 0
        with self._lock:
            for sample_id, record_id, vector in rows:
                if self._size == len(self._sample_ids):
                    self._grow(max(1024, 2 * self._size))
                row = self._record_row.get(record_id)
                if row is None:
                    row = self._record_row[record_id] = len(self._records)
                    self._records.append(record_id)
                self._vectors[self._size] = vector
                self._sample_ids[self._size] = sample_id
                self._record_rows[self._size] = row
                self._size += 1
                self.last_sample_id = max(self.last_sample_id, sample_id)
                added += 1
        return added

    def add_matrix(self, sample_ids: npt.NDArray[np.int64], record_ids: list[str], vectors: npt.NDArray[np.float32]) -> None:
        """Bulk append (benchmarks, index loads)."""
        with self._lock:
            need = self._size + len(sample_ids)
            if need > len(self._sample_ids):
                self._grow(need)
            rows = np.empty(len(record_ids), dtype=np.int32)
            for i, record_id in enumerate(record_ids):
                row = self._record_row.get(record_id)
                if row is None:
                    row = self._record_row[record_id] = len(self._records)
                    self._records.append(record_id)
                rows[i] = row
            self._vectors[self._size : need] = vectors
            self._sample_ids[self._size : need] = sample_ids
            self._record_rows[self._size : need] = rows
            self._size = need
            if len(sample_ids):
                self.last_sample_id = max(self.last_sample_id, int(sample_ids.max()))

    def _grow(self, capacity: int) -> None:
        vectors = np.zeros((capacity, self.dimensions), dtype=np.float32)
        vectors[: self._size] = self._vectors[: self._size]
        sample_ids = np.zeros(capacity, dtype=np.int64)
        sample_ids[: self._size] = self._sample_ids[: self._size]
        record_rows = np.zeros(capacity, dtype=np.int32)
        record_rows[: self._size] = self._record_rows[: self._size]
        self._vectors, self._sample_ids, self._record_rows = vectors, sample_ids, record_rows

    def scores(self, probe: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Cosine similarity of ``probe`` with every row."""
        result: npt.NDArray[np.float32] = self._vectors[: self._size] @ probe.astype(np.float32)
        return result

    def search(
        self,
        probe: npt.NDArray[np.float32],
        *,
        limit: int,
        floor: float,
        allowed: Callable[[list[str]], set[str]],
        scores: npt.NDArray[np.float32] | None = None,
        one_per_record: bool = True,
    ) -> list[IndexHit]:
        """The ``limit`` best samples of records ``allowed`` to the caller scoring >= ``floor``;
        with ``one_per_record``, only the best sample of each record."""
        if self._size == 0 or limit <= 0:
            return []
        all_scores = self.scores(probe) if scores is None else scores
        shortlist = max(4 * limit, 64)
        asked: set[str] = set()
        permitted: set[str] = set()
        while True:
            take = min(shortlist, self._size)
            top = np.argpartition(-all_scores, take - 1)[:take] if take < self._size else np.arange(self._size)
            top = top[np.argsort(-all_scores[top], kind="stable")]
            top = top[all_scores[top] >= floor]
            records = [self._records[int(self._record_rows[i])] for i in top]
            unknown = sorted(set(records) - asked)
            if unknown:
                permitted |= allowed(unknown)
                asked.update(unknown)
            hits: list[IndexHit] = []
            chosen: set[str] = set()
            for i, record_id in zip(top, records, strict=True):
                if record_id in permitted and record_id not in chosen:
                    if one_per_record:
                        chosen.add(record_id)
                    hits.append(IndexHit(int(self._sample_ids[i]), record_id, float(all_scores[i])))
            if len(hits) >= limit or take >= self._size or len(top) < take:
                return hits[:limit]
            shortlist *= 4
