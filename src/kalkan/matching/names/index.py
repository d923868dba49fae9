"""The candidate index over every name of every person and organisation, in compact arrays.

Layout (one numpy column per field, ``arrays.Column``):

- records (row r): record id, kind, whether it is live, version, owner, restriction mode,
  hit disclosure, listed agencies, gender, dates of birth, nationalities, document numbers,
  and the span of its names;
- names (row n): its record row, its kind, its text (in one UTF-8 blob), the span of its parts;
- parts (row p): the vocabulary ids of its text, plain spelling, loose key, skeleton and
  stem, its role, whether it is written in Arabic script;
- postings: for each key (a loose key, a stem, a skeleton) the names that have it, as CSR
  (offsets + name ids) for the names present when the arrays were last packed, and a small
  dict for names added since;
- typos: every loose key's and every skeleton's one-deletion neighbourhood (SymSpell),
  hashed, sorted, so that a query part finds the keys one edit away with a binary search.

A changed record gets a new row and its old row is marked dead; ``pack`` rebuilds the
postings without the dead rows (``storage.save`` packs before it writes).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Final

import numpy as np
from rapidfuzz.distance import Levenshtein

from kalkan.matching.features import DateSpan, Subject
from kalkan.matching.names.arrays import Array, Column, Vocabulary
from kalkan.matching.names.parts import NameInputError, Part, PartRole, PreparedName, prepare_name

KINDS: Final = ("person", "organisation")
MODES: Final = ("all", "only", "except", "owner")
DISCLOSURES: Final = ("nothing", "contact_owner")
GENDERS: Final = ("", "male", "female")
NAME_KINDS: Final = ("primary", "alias", "weak_alias", "original_script", "birth_name")

#: Keys shared by more names than this are used to rank candidates, not to find them.
COMMON_KEY: Final = 50_000
#: How much sharing each kind of key says, as a share of the key's rarity, in the rough ranking.
KEY_LEVELS: Final = {"loose": 1.0, "stem": 0.95, "skeleton": 0.85, "typo": 0.8, "near skeleton": 0.7}
#: Loose keys shorter than this get no typo neighbours (one edit in three letters is another name).
MIN_TYPO_LENGTH: Final = 4

#: Parts kept decoded for scoring (part ids never change meaning: a changed record gets new parts).
_PART_CACHE: Final = 200_000
#: Names whose rough weight is below this share of the best one's are not scored.
_ROUGH_SHARE: Final = 0.6
#: Names of one record scored at most.
_NAMES_PER_RECORD: Final = 2

_SKELETON: Final = "#"
_TEXT: Final = "="
_DOCUMENT: Final = "!"


class Visibility(IntEnum):
    SEEN = 1  # the caller's agency may see the record
    CONTACT = 2  # it may not, but the owner lets a hit say "contact us"


@dataclass(frozen=True, slots=True)
class IndexedName:
    value: str
    kind: str = "primary"
    script: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class IndexedRecord:
    """A person or organisation as the index takes it in."""

    record_id: str
    kind: str
    version: int
    owner: str
    mode: str
    disclosure: str
    listed: tuple[str, ...]
    names: tuple[IndexedName, ...]
    subject: Subject


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record row found for a query, with the names of it that were found."""

    row: int
    names: tuple[int, ...]
    visibility: Visibility


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


def _neighbourhood(key: str, prefix: str = "") -> list[int]:
    """Hashes of a key and of its one-deletion variants, each written after ``prefix`` (which keeps skeletons apart)."""
    return [_hash(prefix + variant) for variant in _deletions(key) | {key}]


class NameIndex:
    """Names of persons and organisations, searchable by their keys."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.agencies = Vocabulary()
        self.countries = Vocabulary()
        # records
        self.record_ids = Column("S32")
        self.record_kind = Column(np.uint8)
        self.record_live = Column(np.bool_)
        self.record_version = Column(np.int32)
        self.record_owner = Column(np.int16)
        self.record_mode = Column(np.uint8)
        self.record_disclosure = Column(np.uint8)
        self.record_gender = Column(np.uint8)
        self.record_listed = Column(np.int64)  # start in ``listed``; the count is the next start
        self.record_dates = Column(np.int64)
        self.record_countries = Column(np.int64)
        self.record_documents = Column(np.int64)
        self.record_names = Column(np.int64)
        self.listed = Column(np.int16)
        self.date_first = Column(np.int32)
        self.date_last = Column(np.int32)
        self.nationality = Column(np.int16)
        self.documents = Column(np.int32)
        # names
        self.name_record = Column(np.int32)
        self.name_kind = Column(np.uint8)
        self.name_text = Column(np.int64)  # start in ``text``; the end is the next start
        self.name_parts = Column(np.int64)  # start in the part columns; the end is the next start
        self.text = Column(np.uint8)
        # parts
        self.part_text = Column(np.int32)
        self.part_plain = Column(np.int32)
        self.part_loose = Column(np.int32)
        self.part_skeleton = Column(np.int32)
        self.part_stem = Column(np.int32)
        self.part_role = Column(np.uint8)
        self.part_arabic = Column(np.bool_)
        # postings: packed CSR plus what came since
        self.posting_offsets: Array = np.zeros(1, dtype=np.int64)
        self.posting_names: Array = np.zeros(0, dtype=np.int32)
        self.recent_postings: dict[int, list[int]] = {}
        # typo neighbourhoods: packed sorted hashes plus what came since
        self.typo_hashes: Array = np.zeros(0, dtype=np.uint32)
        self.typo_keys: Array = np.zeros(0, dtype=np.int32)
        self.recent_typos: dict[int, list[int]] = {}
        self.typo_known = Column(np.bool_)  # by vocabulary id: whether its neighbourhood is in
        self._rows: dict[str, int] | None = None
        #: Versions already applied of records the index does not hold (cancelled ones, travel documents).
        self.applied: dict[str, int] = {}
        self._parts: dict[int, Part] = {}
        self.skipped_names = 0
        # sentinels: the end of the last span of each spanned column
        for column in (self.record_listed, self.record_dates, self.record_countries, self.record_documents, self.record_names):
            column.append(0)
        self.name_text.append(0)
        self.name_parts.append(0)

    # -- size ------------------------------------------------------------------

    @property
    def record_count(self) -> int:
        return len(self.record_ids)

    @property
    def live_count(self) -> int:
        return int(self.record_live.view.sum())

    @property
    def name_count(self) -> int:
        return len(self.name_record)

    def nbytes(self) -> int:
        """Bytes held by the arrays (the vocabularies' Python strings not counted)."""
        columns = [value for value in vars(self).values() if isinstance(value, Column)]
        arrays = [self.posting_offsets, self.posting_names, self.typo_hashes, self.typo_keys]
        return sum(column.view.nbytes for column in columns) + sum(array.nbytes for array in arrays)

    # -- writing ---------------------------------------------------------------

    def rows(self) -> dict[str, int]:
        """Live rows by record id (built on first use)."""
        if self._rows is None:
            live = np.flatnonzero(self.record_live.view)
            ids = self.record_ids.view[live]
            self._rows = {ids[i].decode(): int(row) for i, row in enumerate(live)}
        return self._rows

    def version_of(self, record_id: str) -> int | None:
        row = self.rows().get(record_id)
        return None if row is None else int(self.record_version.view[row])

    def remove(self, record_id: str) -> bool:
        row = self.rows().pop(record_id, None)
        if row is None:
            return False
        self.record_live.set(row, False)
        return True

    def add(self, record: IndexedRecord) -> int:
        """Index a record (replacing the row it had); returns its row."""
        self.remove(record.record_id)
        row = self.record_count
        self.record_ids.append(record.record_id.encode())
        self.record_kind.append(KINDS.index(record.kind))
        self.record_live.append(True)
        self.record_version.append(record.version)
        self.record_owner.append(self.agencies.add(record.owner))
        self.record_mode.append(MODES.index(record.mode))
        self.record_disclosure.append(DISCLOSURES.index(record.disclosure))
        self.record_gender.append(GENDERS.index(record.subject.gender or ""))
        self.listed.extend([self.agencies.add(code) for code in record.listed])
        self.record_listed.append(len(self.listed))
        for span in record.subject.birth_dates:
            self.date_first.append(span.earliest.toordinal())
            self.date_last.append(span.latest.toordinal())
        self.record_dates.append(len(self.date_first))
        self.nationality.extend([self.countries.add(code) for code in sorted(record.subject.nationalities)])
        self.record_countries.append(len(self.nationality))
        self.documents.extend([self.vocabulary.add(_DOCUMENT + number) for number in sorted(record.subject.documents)])
        self.record_documents.append(len(self.documents))
        organisation = record.kind == "organisation"
        for name in record.names:
            try:
                prepared = prepare_name(name.value, organisation=organisation, script=name.script, lang=name.lang)
            except NameInputError:
                self.skipped_names += 1  # a stored name without letters cannot be matched by name
                continue
            self._add_name(row, name, prepared)
        self.record_names.append(self.name_count)
        if self._rows is not None:
            self._rows[record.record_id] = row
        return row

    def _add_name(self, row: int, name: IndexedName, prepared: PreparedName) -> None:
        name_id = self.name_count
        self.name_record.append(row)
        self.name_kind.append(NAME_KINDS.index(name.kind) if name.kind in NAME_KINDS else 0)
        self.text.extend(np.frombuffer(name.value.encode(), dtype=np.uint8))
        self.name_text.append(len(self.text))
        keys: set[int] = set()
        vocabulary = self.vocabulary
        columns: tuple[list[int], ...] = ([], [], [], [], [], [], [])
        for part in prepared.parts:
            loose = vocabulary.add(part.loose)
            stem = vocabulary.add(part.stem)
            skeleton = vocabulary.add(_SKELETON + part.skeleton)
            values = (
                vocabulary.add(_TEXT + part.text),
                vocabulary.add(_TEXT + part.plain),
                loose,
                skeleton,
                stem,
                int(part.role),
                part.arabic,
            )
            for column, value in zip(columns, values, strict=True):
                column.append(value)
            if part.role in (PartRole.NAME, PartRole.PATRONYMIC, PartRole.ORGANISATION_WORD):
                keys.update((loose, stem))
                if len(part.skeleton) >= 2:
                    keys.add(skeleton)
                self._add_typos(loose, part.loose)
                self._add_typos(skeleton, part.skeleton, _SKELETON)
        targets = (self.part_text, self.part_plain, self.part_loose, self.part_skeleton, self.part_stem, self.part_role, self.part_arabic)
        for target, column in zip(targets, columns, strict=True):
            target.extend(column)
        self.name_parts.append(len(self.part_loose))
        for key in keys:
            self.recent_postings.setdefault(key, []).append(name_id)

    def _add_typos(self, key_id: int, key: str, prefix: str = "") -> None:
        """Put a loose key's (or, with the prefix ``#``, a skeleton's) one-deletion neighbourhood in the typo table."""
        if len(self.typo_known) <= key_id:
            self.typo_known.extend(np.zeros(key_id + 1 - len(self.typo_known), dtype=np.bool_))
        if self.typo_known.view[key_id] or len(key) < MIN_TYPO_LENGTH:
            return
        self.typo_known.set(key_id, True)
        for variant in _neighbourhood(key, prefix):
            self.recent_typos.setdefault(variant, []).append(key_id)

    def pack(self) -> None:
        """Rebuild the postings and typo arrays from the live names, folding in what came since."""
        live_names = np.flatnonzero(self.record_live.view[self.name_record.view])
        starts, ends = self.name_parts.view[:-1][live_names], self.name_parts.view[1:][live_names]
        counts = ends - starts
        part_ids = np.repeat(starts, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        owners = np.repeat(live_names, counts).astype(np.int32)
        roles = self.part_role.view[part_ids]
        indexed = np.isin(roles, [PartRole.NAME, PartRole.PATRONYMIC, PartRole.ORGANISATION_WORD])
        part_ids, owners = part_ids[indexed], owners[indexed]
        skeleton_ids = self.part_skeleton.view[part_ids]
        long_skeleton = np.array([len(self.vocabulary.strings[int(k)]) >= 3 for k in range(len(self.vocabulary))], dtype=np.bool_)
        skeleton_kept = long_skeleton[skeleton_ids]
        keys = np.concatenate([self.part_loose.view[part_ids], self.part_stem.view[part_ids], skeleton_ids[skeleton_kept]])
        names = np.concatenate([owners, owners, owners[skeleton_kept]])
        pairs = np.unique(keys.astype(np.int64) << 32 | names.astype(np.int64))
        keys, names = (pairs >> 32).astype(np.int64), (pairs & 0xFFFFFFFF).astype(np.int32)
        self.posting_offsets = np.searchsorted(keys, np.arange(len(self.vocabulary) + 1)).astype(np.int64)
        self.posting_names = names
        self.recent_postings = {}
        self._pack_typos(np.unique(self.part_loose.view[part_ids]), np.unique(skeleton_ids))

    def _pack_typos(self, loose_ids: Array, skeleton_ids: Array) -> None:
        hashes: list[int] = []
        keys: list[int] = []
        known = np.zeros(len(self.vocabulary), dtype=np.bool_)
        strings = self.vocabulary.strings
        for key_ids, prefix in ((loose_ids, ""), (skeleton_ids, _SKELETON)):
            for key_id in key_ids.tolist():
                key = strings[key_id][len(prefix) :]
                if len(key) < MIN_TYPO_LENGTH:
                    continue
                known[key_id] = True
                variants = _neighbourhood(key, prefix)
                hashes.extend(variants)
                keys.extend([key_id] * len(variants))
        order = np.argsort(np.asarray(hashes, dtype=np.uint32), kind="stable")
        self.typo_hashes = np.asarray(hashes, dtype=np.uint32)[order]
        self.typo_keys = np.asarray(keys, dtype=np.int32)[order]
        self.typo_known = Column(np.bool_, known)
        self.recent_typos = {}

    # -- reading ---------------------------------------------------------------

    def postings(self, key: int) -> Array:
        """The names (possibly of dead rows) that have a key, in ascending order."""
        packed = (
            self.posting_names[self.posting_offsets[key] : self.posting_offsets[key + 1]] if key + 1 < len(self.posting_offsets) else None
        )
        recent = self.recent_postings.get(key)
        if recent is None:
            return packed if packed is not None else np.zeros(0, dtype=np.int32)
        recent_array = np.asarray(recent, dtype=np.int32)
        return recent_array if packed is None else np.concatenate([packed, recent_array])

    def typo_neighbours(self, key: str, prefix: str = "") -> list[int]:
        """Vocabulary ids of loose keys (skeletons, with the prefix ``#``) one edit (or one transposition) from ``key``, itself excluded.

        Loose keys of eight letters or more reach two edits; skeletons, whose letters are
        fewer and each one says more, one.
        """
        if len(key) < MIN_TYPO_LENGTH:
            return []
        found: set[int] = set()
        hashes = np.asarray(_neighbourhood(key, prefix), dtype=np.uint32)
        left = np.searchsorted(self.typo_hashes, hashes, side="left")
        right = np.searchsorted(self.typo_hashes, hashes, side="right")
        for start, stop in zip(left.tolist(), right.tolist(), strict=True):
            found.update(self.typo_keys[start:stop].tolist())
        for value in hashes.tolist():
            found.update(self.recent_typos.get(value, ()))
        strings = self.vocabulary.strings
        limit = 1 if len(key) < 8 or prefix else 2
        key = prefix + key
        skeleton = bool(prefix)
        return [
            k
            for k in found
            if strings[k] != key
            and strings[k].startswith(_SKELETON) is skeleton
            and Levenshtein.distance(strings[k], key, score_cutoff=limit) <= limit
        ]

    def part(self, part_id: int) -> Part:
        cached = self._parts.get(part_id)
        if cached is not None:
            return cached
        if len(self._parts) >= _PART_CACHE:
            self._parts.clear()
        strings = self.vocabulary.strings
        cached = self._parts[part_id] = Part(
            text=strings[int(self.part_text.view[part_id])][1:],
            plain=strings[int(self.part_plain.view[part_id])][1:],
            loose=strings[int(self.part_loose.view[part_id])],
            skeleton=strings[int(self.part_skeleton.view[part_id])][1:],
            stem=strings[int(self.part_stem.view[part_id])],
            role=PartRole(int(self.part_role.view[part_id])),
            arabic=bool(self.part_arabic.view[part_id]),
        )
        return cached

    def prepared(self, name_id: int) -> PreparedName:
        start, end = int(self.name_parts.view[name_id]), int(self.name_parts.view[name_id + 1])
        return PreparedName(self.name_value(name_id), tuple(self.part(p) for p in range(start, end)))

    def name_value(self, name_id: int) -> str:
        start, end = int(self.name_text.view[name_id]), int(self.name_text.view[name_id + 1])
        return bytes(self.text.view[start:end]).decode()

    def record_id(self, row: int) -> str:
        return bytes(self.record_ids.view[row]).decode()

    def owner(self, row: int) -> str:
        return self.agencies.strings[int(self.record_owner.view[row])]

    def names_of(self, row: int) -> range:
        return range(int(self.record_names.view[row]), int(self.record_names.view[row + 1]))

    def subject(self, row: int) -> Subject:
        dates = range(int(self.record_dates.view[row]), int(self.record_dates.view[row + 1]))
        countries = range(int(self.record_countries.view[row]), int(self.record_countries.view[row + 1]))
        documents = range(int(self.record_documents.view[row]), int(self.record_documents.view[row + 1]))
        gender = GENDERS[int(self.record_gender.view[row])]
        return Subject(
            birth_dates=tuple(
                DateSpan(date.fromordinal(int(self.date_first.view[i])), date.fromordinal(int(self.date_last.view[i]))) for i in dates
            ),
            nationalities=frozenset(self.countries.strings[int(self.nationality.view[i])] for i in countries),
            gender=gender or None,
            documents=frozenset(self.vocabulary.strings[int(self.documents.view[i])][1:] for i in documents),
        )

    # -- searching -------------------------------------------------------------

    def visibility(self, rows: Array, agency: str) -> Array:
        """For each row: 0 hidden, ``Visibility.SEEN``, or ``Visibility.CONTACT`` (the rule of ``access.policy``)."""
        agency_id = self.agencies.get(agency)
        owner = self.record_owner.view[rows]
        mode = self.record_mode.view[rows]
        seen = mode == MODES.index("all")
        if agency_id is not None:
            seen |= owner == agency_id
        for i in np.flatnonzero((mode == MODES.index("only")) | (mode == MODES.index("except"))).tolist():
            row = int(rows[i])
            listed = (
                agency_id is not None and agency_id in self.listed.view[self.record_listed.view[row] : self.record_listed.view[row + 1]]
            )
            seen[i] = seen[i] or (listed if mode[i] == MODES.index("only") else not listed)
        contact = ~seen & (self.record_disclosure.view[rows] == DISCLOSURES.index("contact_owner"))
        return np.where(seen, int(Visibility.SEEN), np.where(contact, int(Visibility.CONTACT), 0)).astype(np.uint8)

    def search(self, queries: Sequence[PreparedName], kind: str, agency: str, limit: int = 50) -> list[Candidate]:
        """The records of ``kind`` whose names share keys with the query names, roughly ranked, best first.

        Only live records that ``agency`` may see, or whose owner allows a hit to say
        "contact us", are returned; at most ``limit`` names are passed on for scoring.
        """
        names, weights = self._found(queries)
        if len(names) == 0:
            return []
        rows = self.name_record.view[names]
        keep = self.record_live.view[rows] & (self.record_kind.view[rows] == KINDS.index(kind))
        names, weights, rows = names[keep], weights[keep], rows[keep]
        visibility = self.visibility(rows, agency)
        keep = visibility > 0
        names, weights, rows, visibility = names[keep], weights[keep], rows[keep], visibility[keep]
        if len(names) == 0:
            return []
        strong = weights >= _ROUGH_SHARE * weights.max()
        names, weights, rows, visibility = names[strong], weights[strong], rows[strong], visibility[strong]
        if len(names) > limit:
            best = np.argpartition(-weights, limit - 1)[:limit]
            names, weights, rows, visibility = names[best], weights[best], rows[best], visibility[best]
        order = np.lexsort((names, -weights))
        found: dict[int, list[int]] = {}
        seen: dict[int, int] = {}
        for i in order.tolist():
            row = int(rows[i])
            kept = found.setdefault(row, [])
            if len(kept) < _NAMES_PER_RECORD:
                kept.append(int(names[i]))
            seen[row] = int(visibility[i])
        return [Candidate(row, tuple(name_ids), Visibility(seen[row])) for row, name_ids in found.items()]

    def _found(self, queries: Iterable[PreparedName]) -> tuple[Array, Array]:
        """Names sharing keys with any query name, each with a rough weight.

        A query part gives each name it reaches the best, over the keys that reached it, of
        the key's rarity (idf) times how much the key says (``KEY_LEVELS``: the loose key
        most, a typo neighbour least); a name's weight is the sum over the query parts.
        """
        total = max(self.name_count, 1)
        found_names: list[Array] = []
        found_weights: list[Array] = []
        common: list[tuple[Array, Array]] = []
        for query in queries:
            for part in query.parts:
                if part.role not in (PartRole.NAME, PartRole.PATRONYMIC, PartRole.ORGANISATION_WORD):
                    continue
                keyed = self._part_postings(part)
                if not keyed:
                    continue
                names = np.concatenate([array for array, _ in keyed])
                weights = np.concatenate(
                    [
                        np.full(len(array), level * math.log(1 + total / (1 + len(array))) * part.weight, dtype=np.float32)
                        for array, level in keyed
                    ]
                )
                names, weights = _best_per_name(names, weights)
                if min(len(array) for array, _ in keyed) > COMMON_KEY:
                    common.append((names, weights))
                    continue
                found_names.append(names)
                found_weights.append(weights)
        if not found_names and common:
            rarest = min(common, key=lambda item: len(item[0]))
            common.remove(rarest)
            found_names, found_weights = [rarest[0]], [rarest[1]]
        if not found_names:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        names, inverse = np.unique(np.concatenate(found_names), return_inverse=True)
        weights = np.bincount(inverse, weights=np.concatenate(found_weights)).astype(np.float32)
        for hits, hit_weights in common:
            position = np.searchsorted(hits, names)
            inside = position < len(hits)
            matched = np.zeros(len(names), dtype=np.bool_)
            matched[inside] = hits[position[inside]] == names[inside]
            weights[matched] += hit_weights[position[matched]]
        return names, weights

    def _part_postings(self, part: Part) -> list[tuple[Array, float]]:
        """The postings of every key of a query part that the index holds, each with its ``KEY_LEVELS`` level."""
        levels: dict[int, float] = {}
        texts = [(part.loose, KEY_LEVELS["loose"]), (part.stem, KEY_LEVELS["stem"])]
        if len(part.skeleton) >= 2:
            texts.append((_SKELETON + part.skeleton, KEY_LEVELS["skeleton"]))
        for text, level in texts:
            key = self.vocabulary.get(text)
            if key is not None and levels.get(key, 0.0) < level:
                levels[key] = level
        for key in self.typo_neighbours(part.loose):
            levels.setdefault(key, KEY_LEVELS["typo"])
        for key in self.typo_neighbours(part.skeleton, _SKELETON):
            levels.setdefault(key, KEY_LEVELS["near skeleton"])
        keyed = [(self.postings(key), level) for key, level in sorted(levels.items())]
        return [(array, level) for array, level in keyed if len(array)]


def _best_per_name(names: Array, weights: Array) -> tuple[Array, Array]:
    """Each distinct name once (ascending), with the highest of its weights."""
    order = np.lexsort((-weights, names))
    names, weights = names[order], weights[order]
    first = np.ones(len(names), dtype=np.bool_)
    first[1:] = names[1:] != names[:-1]
    return names[first], weights[first]
