"""The two-stage fingerprint search: triplet votes find the mate, the exact matcher ranks it first."""

from __future__ import annotations

import numpy as np
import pytest

from kalkan.biometrics import finger_match, synthetic
from kalkan.biometrics.finger_gallery import FingerGallery, FingerTrace
from kalkan.biometrics.finger_index import PROBE_MARGIN, TripletIndex, Triplets, triplet_keys

SIZE = 2_000


@pytest.fixture(scope="module")
def world() -> tuple[list[np.ndarray], FingerGallery]:
    rng = np.random.default_rng(21)
    masters = [synthetic.master(rng, int(rng.integers(35, 60))) for _ in range(SIZE)]
    gallery = FingerGallery()
    # Records r0..r1999, each one finger, positions 1-10 in turn; added in two batches.
    rows = [(i + 1, f"r{i}", i % 10 + 1, synthetic.impression(m, rng)) for i, m in enumerate(masters)]
    gallery.add(rows[:1500])
    gallery.add(rows[1500:])
    return masters, gallery


def test_keys_ignore_where_the_finger_lies() -> None:
    rng = np.random.default_rng(22)
    minutiae = synthetic.master(rng, 40)
    moved = minutiae.copy()
    angle = 0.7
    c, s = np.cos(angle), np.sin(angle)
    moved[:, :2] = minutiae[:, :2] @ np.array([[c, s], [-s, c]], dtype=np.float32) + np.float32(60)
    moved[:, 2] = (minutiae[:, 2] + angle) % (2 * np.pi)
    own = triplet_keys(minutiae)
    assert len(own) > 50
    # Rounding may move a quantity across a bin's edge; the probe's margin covers that.
    assert np.isin(own.keys, triplet_keys(moved, margin=PROBE_MARGIN).keys).mean() > 0.95
    assert np.isin(own.keys, triplet_keys(synthetic.master(rng, 40), margin=PROBE_MARGIN).keys).mean() < 0.1
    # The anchors' directions turn with the finger: 0.7 rad is 3.6 of the 32 sectors.
    shared = np.intersect1d(own.keys, triplet_keys(moved).keys)
    turns = (
        triplet_keys(moved).directions[np.searchsorted(triplet_keys(moved).keys, shared)].astype(int)
        - own.directions[np.searchsorted(own.keys, shared)]
    ) % 32
    assert np.median(turns) in (3, 4)


def _triplets(keys: list[int], directions: list[int]) -> Triplets:
    return Triplets(np.array(keys, dtype=np.int64), np.array(directions, dtype=np.int8))


def test_votes_count_keys_that_agree_on_one_rotation_over_the_root_of_each_template_size() -> None:
    index = TripletIndex()
    index.add([_triplets([1, 2, 3, 4], [0, 0, 0, 0]), _triplets([3, 4, 5, 6, 7, 8, 9, 10, 11], [5, 20, 0, 0, 0, 0, 0, 0, 9])])
    index.add([_triplets([11, 12], [30, 0])])  # waits unsorted, still searched
    votes = index.votes(_triplets([3, 4, 11], [1, 1, 2]))
    # Template 0: both shared keys turned by 31 sectors, one window. Template 1: keys 3, 4 and
    # 11 turned by 4, 19 and 7 sectors: no two in one window. Template 2: key 11 turned by 28.
    assert votes.tolist() == pytest.approx([2 / 2, 1 / 3, 1 / np.sqrt(2)])
    neighbours = index.votes(_triplets([3, 4], [1, 2]))  # turns 31 and 30: neighbouring sectors, one window
    assert neighbours[0] == pytest.approx(2 / 2)


def test_the_mate_comes_first_and_few_templates_are_matched(world: tuple[list[np.ndarray], FingerGallery]) -> None:
    masters, gallery = world
    rng = np.random.default_rng(23)
    found = 0
    for truth in rng.choice(SIZE, 20, replace=False):
        trace = FingerTrace()
        hits = gallery.search(synthetic.impression(masters[truth], rng), limit=5, floor=0.0, allowed=set, trace=trace)
        found += hits[0].record_id == f"r{truth}"
        assert trace.matched == 100 < trace.voted  # the short list, not the gallery
    assert found >= 19


def test_scores_are_the_exact_matcher_s(world: tuple[list[np.ndarray], FingerGallery]) -> None:
    masters, gallery = world
    probe = synthetic.impression(masters[7], np.random.default_rng(24))
    hits = gallery.search(probe, limit=3, floor=0.0, allowed=set)
    assert [h.score for h in hits] == [finger_match.match(probe, gallery.minutiae(h.sample_id - 1)) for h in hits]
    assert (hits[0].record_id, hits[0].position) == ("r7", 8)


def test_only_visible_records_and_the_asked_finger_are_searched(world: tuple[list[np.ndarray], FingerGallery]) -> None:
    masters, gallery = world
    probe = synthetic.impression(masters[42], np.random.default_rng(25))
    asked: list[str] = []

    def hidden_42(records: list[str]) -> set[str]:
        asked.extend(records)
        return set(records) - {"r42"}

    assert "r42" not in [h.record_id for h in gallery.search(probe, limit=5, floor=0.0, allowed=hidden_42)]
    assert len(asked) == len(set(asked))  # each record asked about once
    assert gallery.search(probe, limit=1, floor=0.0, allowed=set, position=3)[0].record_id == "r42"
    wrong_finger = gallery.search(probe, limit=5, floor=0.0, allowed=set, position=4)
    assert "r42" not in [h.record_id for h in wrong_finger]
    assert {h.position for h in wrong_finger} <= {4}


def test_a_floor_keeps_impostors_out(world: tuple[list[np.ndarray], FingerGallery]) -> None:
    _, gallery = world
    rng = np.random.default_rng(26)
    stranger = synthetic.impression(synthetic.master(rng, 45), rng)
    assert gallery.search(stranger, limit=5, floor=0.1, allowed=set) == []
    assert len(gallery) == SIZE
    assert gallery.last_sample_id == SIZE
