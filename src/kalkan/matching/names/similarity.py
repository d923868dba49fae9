"""How alike two names are, and why: parts aligned in any order, each pair with the key that joined it.

Two parts are compared on the keys of ``kalkan.text``: the same loose key (one sound
spelling that competing romanisations share) is a full match; the same stem (Ivanov and
Ivanova) nearly one; the same consonant skeleton, which is all that Arabic script writes,
a strong one; otherwise the edit similarity of the loose keys (typos) if it is high
enough. An initial matches a part with the same first letter. Parts are then aligned
greedily, best pair first, each used once, so the order of the parts does not matter.

The name's similarity is a weighted Dice coefficient over the aligned parts: what the two
names share, over what they hold, where a part of the record that the query leaves out
counts ``RECORD_EXTRA_WEIGHT`` of its weight (records often hold fuller names than a
passport shows). Particles and patronymic markers weigh little (``parts.ROLE_WEIGHTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rapidfuzz.distance import Indel, Levenshtein

from kalkan.matching.names.parts import Part, PartRole, PreparedName

LOOSE: Final = "loose"
STEM: Final = "stem"
SKELETON: Final = "skeleton"
SPELLING: Final = "spelling"
INITIAL: Final = "initial"
JOINED: Final = "joined"

STEM_SIMILARITY: Final = 0.95
SKELETON_SIMILARITY: Final = 0.9
ARABIC_SKELETON_SIMILARITY: Final = 0.95
INITIAL_SIMILARITY: Final = 0.9
MIN_SPELLING_SIMILARITY: Final = 0.7
JOINED_SIMILARITY: Final = 0.95
TYPO_MIN_LENGTH: Final = 4
TYPO_SIMILARITY: Final = {1: 0.88, 2: 0.8}
RECORD_EXTRA_WEIGHT: Final = 0.8


@dataclass(frozen=True, slots=True)
class PartMatch:
    """One query part aligned with one record part."""

    query: str
    record: str
    via: str
    similarity: float


@dataclass(frozen=True, slots=True)
class NameMatch:
    """The similarity of two names and the aligned parts that make it."""

    query: str
    record: str
    score: float
    parts: tuple[PartMatch, ...]
    closeness: float = 0.0
    """How alike the aligned parts are spelled (0 to 1): orders names of equal score, never changes the score."""


def part_similarity(query: Part, record: Part) -> tuple[float, str]:
    """How alike two parts are (0 to 1), and the key that says so."""
    if query.role is PartRole.INITIAL or record.role is PartRole.INITIAL:
        if query.loose[:1] and query.loose[:1] == record.loose[:1]:
            return INITIAL_SIMILARITY, INITIAL
        return 0.0, ""
    if query.loose == record.loose:
        return 1.0, LOOSE
    if query.stem and query.stem == record.stem:
        return STEM_SIMILARITY, STEM
    best, via = 0.0, ""
    if query.skeleton == record.skeleton and len(query.skeleton) >= 2:
        best, via = (ARABIC_SKELETON_SIMILARITY if query.arabic or record.arabic else SKELETON_SIMILARITY), SKELETON
    spelling = max(_spelling(query.loose, record.loose), _spelling(query.plain, record.plain))
    if spelling > best and spelling >= MIN_SPELLING_SIMILARITY:
        best, via = spelling, SPELLING
    if query.arabic or record.arabic:
        # Vowels are not written: a near skeleton is as good a sign as a near spelling elsewhere.
        skeleton = Levenshtein.normalized_similarity(query.skeleton, record.skeleton) * 0.9
        if skeleton > best and skeleton >= MIN_SPELLING_SIMILARITY and len(query.skeleton) >= 3:
            best, via = skeleton, SKELETON
    return best, via


def _spelling(left: str, right: str) -> float:
    """Edit similarity, with one typo in a part of four letters or more (two in seven or more) worth a fixed amount."""
    similarity = Levenshtein.normalized_similarity(left, right)
    shortest = min(len(left), len(right))
    if shortest >= TYPO_MIN_LENGTH:
        distance = Levenshtein.distance(left, right, score_cutoff=2)
        if distance == 1 or (distance == 2 and shortest >= 2 * TYPO_MIN_LENGTH - 1):
            similarity = max(similarity, TYPO_SIMILARITY[distance])
    return similarity


def name_similarity(query: PreparedName, record: PreparedName) -> NameMatch:
    """The similarity of two names, parts aligned in any order, with the aligned pairs."""
    pairs: list[tuple[float, int, int, str]] = []
    for i, q in enumerate(query.parts):
        for j, r in enumerate(record.parts):
            similarity, via = part_similarity(q, r)
            if similarity > 0:
                pairs.append((similarity, i, j, via))
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    used_query: set[int] = set()
    used_record: set[int] = set()
    shared = 0.0
    close = 0.0
    aligned: list[PartMatch] = []
    for similarity, i, j, via in pairs:
        if i in used_query or j in used_record:
            continue
        used_query.add(i)
        used_record.add(j)
        q, r = query.parts[i], record.parts[j]
        shared += similarity * (q.weight + r.weight)
        close += closeness(q, r) * (q.weight + r.weight)
        aligned.append(PartMatch(q.text, r.text, via, round(similarity, 4)))
    record_weight = sum(part.weight * (1.0 if j in used_record else RECORD_EXTRA_WEIGHT) for j, part in enumerate(record.parts))
    total = query.weight + record_weight
    score = shared / total if total else 0.0
    spelled = close / total if total else 0.0
    joined = _joined_similarity(query, record)
    if joined > score:
        return NameMatch(query.text, record.text, joined, (PartMatch(query.text, record.text, JOINED, round(joined, 4)),), spelled)
    return NameMatch(query.text, record.text, min(1.0, score), tuple(aligned), spelled)


def closeness(query: Part, record: Part) -> float:
    """How alike two parts are spelled (0 to 1), the mean over the Latin readings and the loose keys: what orders parts of equal similarity.

    The same loose key says Ivanov, Ivanow and Iwanow are one name; of the three, Иванов
    (read "ivanov") is spelled most like Ivanov. Vowels count here, so that of the names
    sharing the skeleton of باميلا ("bamila"), Pamela comes before Bommel.
    """
    return (Indel.normalized_similarity(query.plain, record.plain) + Indel.normalized_similarity(query.loose, record.loose)) / 2


def _joined_similarity(query: PreparedName, record: PreparedName) -> float:
    """The names compared as one string each, spaces left out: PolPot and Pol Pot, SiemensAG and Siemens AG.

    Only where the two have different numbers of parts (a space missing or added), and worth
    a little less than the same parts aligned.
    """
    if len(query.parts) == len(record.parts):
        return 0.0
    left = "".join(part.loose for part in query.parts)
    right = "".join(part.loose for part in record.parts)
    similarity = Levenshtein.normalized_similarity(left, right)
    return similarity * JOINED_SIMILARITY if similarity >= MIN_SPELLING_SIMILARITY else 0.0


def best_name_match(queries: list[PreparedName], records: list[PreparedName]) -> NameMatch | None:
    """The best-scoring pair of a query name and a record name."""
    best: NameMatch | None = None
    for query in queries:
        for record in records:
            match = name_similarity(query, record)
            if best is None or (match.score, match.closeness) > (best.score, best.closeness):
                best = match
    return best
