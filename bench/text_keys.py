"""How far name keys alone go across scripts: Wikidata name tokens in Latin and in Cyrillic / Arabic script.

For each pair (a Latin token and the same name written in Cyrillic or Arabic script, from
Wikidata, with how often the pair occurs) it asks whether the two sides get the same key:

- plain: the first readable romanisation of the script side equals the Latin token
  (diacritics stripped) -- what a single transliteration gives;
- any readable: one of the readable romanisations equals it;
- loose: the loose keys are equal;
- skeleton: the consonant skeletons are equal;
- loose or skeleton.

Figures are given per distinct pair and weighted by occurrences. It also times
``name_keys`` on 50,000 full names (one process, one core). Run from the project root: ``.venv/bin/python bench/text_keys.py``;
it reads ../shared/data/translit/ and writes bench/results/text_keys.txt.
"""

from __future__ import annotations

import contextlib
import csv
import re
import sys
import time
from collections import Counter
from pathlib import Path

from kalkan.text import name_keys
from kalkan.text.normalise import expand_latin, strip_diacritics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "translit"
FILES = {"Cyrillic": "wd_russian_80.tsv", "Arabic": "wd_arabic_80.tsv"}
FULL_NAMES = ROOT.parent / "shared" / "data" / "names" / "negatives_us.csv"
RESULTS = ROOT / "bench" / "results" / "text_keys.txt"
# Latin tokens with the surname and given-name endings of Russia, the Caucasus and Central Asia.
REGIONAL = re.compile(r"(ov|ev|yev|ova|eva|in|ina|sky|skiy|skii|ski|enko|ich|vna|yan|shvili|dze|uly|bek|jon|zoda|zade|ullo|iddin)$")
MEASURES = ("plain", "any readable", "loose", "skeleton", "loose or skeleton")


def read_pairs(path: Path) -> list[tuple[str, str, int]]:
    """(Latin token, script token, count) from a file of lines "latin<TAB>l e t t e r s<TAB>count"."""
    pairs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                continue
            latin, letters, count = fields
            pairs.append((latin, letters.replace(" ", ""), int(count)))
    return pairs


def agreement(latin: str, written: str) -> dict[str, bool] | None:
    try:
        latin_keys, written_keys = name_keys(latin), name_keys(written)
    except ValueError:
        return None
    latin_plain = {strip_diacritics(latin.lower()), expand_latin(latin.lower())}
    loose = "".join(latin_keys.loose) == "".join(written_keys.loose)
    skeleton = "".join(latin_keys.skeleton) == "".join(written_keys.skeleton)
    return {
        "plain": written_keys.readable[0].replace("-", "").replace(" ", "") in latin_plain,
        "any readable": any(spelling.replace("-", "").replace(" ", "") in latin_plain for spelling in written_keys.readable),
        "loose": loose,
        "skeleton": skeleton,
        "loose or skeleton": loose or skeleton,
    }


def measure(script: str, pairs: list[tuple[str, str, int]], label: str = "") -> list[str]:
    distinct: Counter[str] = Counter()
    weighted: Counter[str] = Counter()
    counted = total_weight = 0
    for latin, written, count in pairs:
        result = agreement(latin, written)
        if result is None:
            continue
        counted += 1
        total_weight += count
        for name, agrees in result.items():
            distinct[name] += agrees
            weighted[name] += agrees * count
    lines = [f"{script}{label}: {counted:,} distinct pairs ({total_weight:,} occurrences) from {FILES[script]}"]
    for name in MEASURES:
        lines.append(
            f"  {name:<18} {100 * distinct[name] / counted:5.1f}% of pairs   {100 * weighted[name] / total_weight:5.1f}% of occurrences"
        )
    return lines


def throughput(names: list[str], what: str) -> str:
    start = time.perf_counter()
    for name in names:
        with contextlib.suppress(ValueError):
            name_keys(name)
    elapsed = time.perf_counter() - start
    return f"name_keys: {len(names) / elapsed:,.0f} names per second on {len(names):,} {what}"


def read_full_names() -> list[str]:
    with FULL_NAMES.open(encoding="utf-8", newline="") as rows:
        return [row["full_name"] for row in csv.DictReader(rows)]


def main() -> int:
    missing = [str(path) for path in [*(DATA / name for name in FILES.values()), FULL_NAMES] if not path.is_file()]
    if missing:
        print("missing data file(s): " + ", ".join(missing) + " (see shared/data/README.md)", file=sys.stderr)
        return 1
    full_names = read_full_names()
    lines = [
        throughput(full_names, "full names (names/negatives_us.csv), first pass: token caches cold"),
        throughput(full_names, "full names, second pass: token caches warm"),
    ]
    for script, name in FILES.items():
        pairs = read_pairs(DATA / name)
        lines += measure(script, pairs)
        if script == "Cyrillic":
            regional = [pair for pair in pairs if REGIONAL.search(pair[0])]
            lines += measure(script, regional, ", Latin side with a regional ending (-ov, -eva, -sky, -enko, -bek, -zoda...)")
    report = "\n".join(lines) + "\n"
    print(report, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
