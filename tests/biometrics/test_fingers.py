from __future__ import annotations

import numpy as np
import pytest

from kalkan.biometrics import finger_match, fingerprints, synthetic
from kalkan.biometrics.minutiae import FingerTemplate, Impression, from_iso19794_2, to_iso19794_2
from kalkan.errors import ValidationFailed


def test_impressions_of_one_finger_match_better_than_other_fingers() -> None:
    rng = np.random.default_rng(3)
    fingers = [synthetic.master(rng) for _ in range(20)]
    first = [synthetic.impression(f, rng) for f in fingers]
    second = [synthetic.impression(f, rng) for f in fingers]
    genuine = [finger_match.match(a, b) for a, b in zip(first, second, strict=True)]
    impostor = [finger_match.match(first[i], second[(i + 1) % 20]) for i in range(20)]
    assert np.median(genuine) > 5 * max(impostor)


def test_a_turned_finger_seen_in_part_still_matches() -> None:
    rng = np.random.default_rng(5)
    finger = synthetic.master(rng, 50)
    turned = synthetic.impression(finger, rng, window=0.6)
    angle = np.deg2rad(100)  # far beyond what a vote over small rotations would try
    c, s = np.cos(angle), np.sin(angle)
    turned[:, :2] = turned[:, :2] @ np.array([[c, s], [-s, c]]) + (400, 50)
    turned[:, 2] = (turned[:, 2] + angle) % (2 * np.pi)
    gallery = synthetic.impression(finger, rng)
    others = [synthetic.impression(synthetic.master(rng, 50), rng) for _ in range(20)]
    assert finger_match.match(turned, gallery) > 3 * max(finger_match.match(turned, o) for o in others)
    assert finger_match.match(gallery, gallery) == 1.0
    assert finger_match.match(gallery[:2], gallery) == 0.0


def test_an_image_gives_minutiae_and_its_second_impression_matches() -> None:
    first = fingerprints.extract(synthetic.ridge_image(5), position=2).template
    second = fingerprints.extract(synthetic.ridge_image(5, rotate=0.1, shift=(8, -6))).template
    other = fingerprints.extract(synthetic.ridge_image(6)).template
    assert len(first) >= fingerprints.MIN_MINUTIAE
    assert 0 < first.quality <= 100
    assert finger_match.match(first.minutiae, second.minutiae) > 5 * finger_match.match(first.minutiae, other.minutiae)


def test_a_blank_image_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"no fingerprint found|reliable minutiae"):
        fingerprints.extract(np.full((300, 300), 200, dtype=np.uint8))


def test_iso_19794_2_record_round_trips() -> None:
    minutiae = np.array([[10, 20, 0.5, 1], [100, 200, 3.0, 2]], dtype=np.float32)
    template = FingerTemplate(minutiae, 320, 400, position=7, impression=Impression.LIVE_SCAN_ROLLED, quality=55)
    record = to_iso19794_2(template)
    assert record[:8] == b"FMR\x00 20\x00"
    back = from_iso19794_2(record)
    assert (back.position, back.impression, back.quality, back.width) == (7, Impression.LIVE_SCAN_ROLLED, 55, 320)
    assert np.allclose(back.minutiae[:, :2], minutiae[:, :2])
    assert np.allclose(back.minutiae[:, 2], minutiae[:, 2], atol=0.03)
    assert list(back.minutiae[:, 3]) == [1, 2]


def test_an_iso_record_with_a_lying_length_is_refused() -> None:
    record = bytearray(to_iso19794_2(FingerTemplate(np.zeros((3, 4), dtype=np.float32), 100, 100)))
    record[8:12] = (10_000).to_bytes(4, "big")
    with pytest.raises(ValidationFailed, match="says it is 10000 bytes long"):
        from_iso19794_2(bytes(record))
    with pytest.raises(ValidationFailed, match="too short"):
        from_iso19794_2(bytes(record[:-8])[:8] + (len(record) - 8).to_bytes(4, "big") + bytes(record[12:-8]))
