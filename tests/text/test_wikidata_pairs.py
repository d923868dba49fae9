"""Real name pairs from Wikidata: a Central Asian, Caucasian or Arabic name in Latin and in its own script.

Cyrillic and Latin spellings must share the loose key; Arabic-script and Latin spellings,
whose vowels the script does not write, must share the consonant skeleton.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kalkan.text import name_keys
from kalkan.text.normalise import script_counts

PAIRS_FILE = Path(__file__).parent / "data" / "wikidata_pairs.tsv"

# Pairs the keys are known to miss, and why.
KNOWN_MISSES = {
    "rezaei": "ض reads d in Arabic and z in Persian; رضائي has no letter that only Persian uses",
}


def _pairs() -> list[tuple[str, str]]:
    pairs = []
    for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            latin, letters, _count = line.split("\t")
            pairs.append((latin, letters.replace(" ", "")))
    return pairs


PAIRS = _pairs()
CASES = [
    pytest.param(
        latin, written, id=latin, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[latin])] if latin in KNOWN_MISSES else []
    )
    for latin, written in PAIRS
]


def test_the_sample_covers_both_scripts() -> None:
    scripts = {next(iter(script_counts(written))) for _, written in PAIRS}
    assert scripts == {"cyrillic", "arabic"}
    assert len(PAIRS) >= 70


@pytest.mark.parametrize(("latin", "written"), CASES)
def test_pair_shares_its_key(latin: str, written: str) -> None:
    latin_keys, written_keys = name_keys(latin), name_keys(written)
    if "cyrillic" in script_counts(written):
        assert latin_keys.loose_key == written_keys.loose_key
    else:
        assert latin_keys.skeleton_key == written_keys.skeleton_key
