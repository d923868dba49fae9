"""The face index against brute force over every face: the same candidates, visibility honoured."""

from __future__ import annotations

import numpy as np
import pytest

from kalkan.biometrics import synthetic
from kalkan.biometrics.face_index import VectorIndex

SIZE = 20_000


@pytest.fixture(scope="module")
def gallery() -> tuple[np.ndarray, np.ndarray, VectorIndex]:
    rng = np.random.default_rng(11)
    vectors, points = synthetic.face_gallery(rng, SIZE + 40)
    index = VectorIndex(shortlist=256)
    # Two samples for the records r0..r99: sample ids 1..SIZE, records r(i % (SIZE - 100)).
    records = [f"r{i % (SIZE - 100)}" for i in range(SIZE)]
    index.add_matrix(np.arange(1, SIZE + 1, dtype=np.int64), records, vectors[:SIZE])
    return vectors, points, index


def _exact(vectors: np.ndarray, probe: np.ndarray, allowed: set[str] | None = None) -> list[tuple[str, float]]:
    """Brute force: the best sample of each record, best first."""
    scores = vectors[:SIZE] @ probe
    best: dict[str, float] = {}
    for i in np.argsort(-scores, kind="stable"):
        record = f"r{i % (SIZE - 100)}"
        if (allowed is None or record in allowed) and record not in best:
            best[record] = float(scores[i])
        if len(best) == 10:
            break
    return list(best.items())


def test_the_rotation_keeps_every_vector(gallery: tuple[np.ndarray, np.ndarray, VectorIndex]) -> None:
    vectors, _, index = gallery
    assert np.allclose(index.vectors(), vectors[:SIZE], atol=1e-5)
    assert index.nbytes == SIZE * 528


def test_probes_of_enrolled_faces_get_the_candidates_of_brute_force(gallery: tuple[np.ndarray, np.ndarray, VectorIndex]) -> None:
    vectors, points, index = gallery
    rng = np.random.default_rng(12)
    picks = rng.choice(SIZE, 30, replace=False)
    for pick, probe in zip(picks, synthetic.face_probes(rng, points[picks]), strict=True):
        hits = index.search(probe, limit=10, floor=-1.0, allowed=set)
        assert hits[0].sample_id == pick + 1
        assert hits[0].record_id == _exact(vectors, probe)[0][0]
        # Every candidate carries its exact score, best first (the rest of the list is the
        # short list's best, not promised to be brute force's 2nd to 10th).
        assert [h.score for h in hits] == pytest.approx([float(vectors[h.sample_id - 1] @ probe) for h in hits], abs=1e-5)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_people_not_enrolled_get_the_first_candidate_of_brute_force(gallery: tuple[np.ndarray, np.ndarray, VectorIndex]) -> None:
    vectors, _, index = gallery
    for probe in vectors[SIZE:]:
        hits = index.search(probe, limit=1, floor=-1.0, allowed=set)
        assert [h.record_id for h in hits] == [_exact(vectors, probe)[0][0]]


def test_only_visible_records_are_returned_and_the_short_list_widens_to_find_them(
    gallery: tuple[np.ndarray, np.ndarray, VectorIndex],
) -> None:
    vectors, _, index = gallery
    visible = {f"r{i}" for i in range(0, SIZE - 100, 997)}  # 20 records of 19,900
    asked: list[list[str]] = []

    def allowed(records: list[str]) -> set[str]:
        asked.append(records)
        return visible & set(records)

    probe = vectors[5]
    hits = index.search(probe, limit=5, floor=-1.0, allowed=allowed)
    assert [h.record_id for h in hits] == [r for r, _ in _exact(vectors, probe, visible)][:5]
    assert {h.record_id for h in hits} <= visible
    assert len(asked) > 1  # asked a batch at a time, not about the whole gallery at once
    assert max(len(batch) for batch in asked) <= 256 * 4


def test_a_floor_leaves_out_weak_candidates_and_one_sample_per_record(gallery: tuple[np.ndarray, np.ndarray, VectorIndex]) -> None:
    vectors, _, index = gallery
    probe = vectors[3]  # r3 is enrolled twice (samples 4 and 19,904)
    hits = index.search(probe, limit=10, floor=0.9, allowed=set)
    assert hits[0].record_id == "r3"
    assert all(h.score >= 0.9 for h in hits)
    assert len({h.record_id for h in hits}) == len(hits)
    both = index.search(probe, limit=2, floor=-1.0, allowed=lambda r: {"r3"} & set(r), one_per_record=False)
    assert sorted(h.sample_id for h in both) == [4, SIZE - 100 + 4]


def test_faces_added_after_a_search_are_found(gallery: tuple[np.ndarray, np.ndarray, VectorIndex]) -> None:
    vectors, _, _ = gallery
    index = VectorIndex()
    index.add((i + 1, f"x{i}", vectors[i]) for i in range(300))  # crosses the first refit
    assert index.search(vectors[7], limit=1, floor=-1.0, allowed=set)[0].sample_id == 8
    index.add([(1000, "late", vectors[SIZE + 1])])
    assert index.search(vectors[SIZE + 1], limit=1, floor=-1.0, allowed=set)[0].record_id == "late"
    assert index.last_sample_id == 1000
    assert len(index) == 301
