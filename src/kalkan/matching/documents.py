"""The screening index of travel documents: which documents carry a number, in compact arrays.

A check looks up the number it was given and each reading one OCR confusion away from it
(0/O, 1/I, 5/S, 8/B, 2/Z); the index answers with the documents that carry any of these
numbers, or whose serial range covers one. It knows numbers only: the issuing state, type,
status and who may see a document are read from the store for the few candidates found, so
that the same number under another state comes back too (as a possible hit).

Layout, for a hundred million documents in about 1.6 GB:

- ``keys``: sorted int64 keys of numbers. A number of up to 12 characters is packed
  exactly (base 37, never negative); a longer one is hashed (BLAKE2b, 63 bits, made negative),
  so only long numbers can collide, and a collision only adds a candidate the store then
  rules out.
- ``rows``: the document row id (``store.documents``) of each key.
- ``recent``: keys added since the arrays were built, and documents of ``records`` (named by
  their record id), in a dict; merged into the arrays when it grows.
- ``ranges``: serial ranges by (prefix, width of the serial).
- ``inactive``: documents cancelled since the arrays were built, never returned; a merge
  drops the table's ones from the arrays and ranges.

``save`` writes the arrays (``.npy``, read back memory-mapped) with the change-log sequence the
index reflects; the screening layer loads the newest snapshot and catches up from the change log.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kalkan.model.document_ranges import serial_range, split_serial
from kalkan.model.mrz_checks import OCR_CONFUSIONS

Int64Array = npt.NDArray[np.int64]

#: Numbers up to this long are packed exactly into a key.
PACKED_LENGTH = 12
#: Entries of ``recent`` that trigger a merge into the sorted arrays.
MERGE_AT = 250_000
SNAPSHOT_FORMAT = 1
TABLE_PREFIX = "document:"

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = np.zeros(256, dtype=np.int64)
for _i, _char in enumerate(_ALPHABET, start=1):
    _VALUE[ord(_char)] = _i
_POWERS = np.array([37 ** (PACKED_LENGTH - 1 - i) for i in range(PACKED_LENGTH)], dtype=np.int64)


def number_key(number: str) -> int:
    if len(number) <= PACKED_LENGTH:
        key = 0
        for char in number.ljust(PACKED_LENGTH, "\0"):
            key = key * 37 + int(_VALUE[ord(char)])
        return key
    digest = int.from_bytes(hashlib.blake2b(number.encode(), digest_size=8).digest(), "big")
    return -((digest >> 1) + 1)


def number_keys(numbers: Sequence[str]) -> Int64Array:
    """``number_key`` of each number, vectorised for the short ones."""
    keys = np.empty(len(numbers), dtype=np.int64)
    if not numbers:
        return keys
    packed = b"".join(n.encode("ascii")[:PACKED_LENGTH].ljust(PACKED_LENGTH, b"\0") for n in numbers)
    codes = np.frombuffer(packed, dtype=np.uint8).reshape(len(numbers), PACKED_LENGTH)
    keys[:] = _VALUE[codes] @ _POWERS
    for i, number in enumerate(numbers):
        if len(number) > PACKED_LENGTH:
            keys[i] = number_key(number)
    return keys


def ocr_variants(number: str) -> list[str]:
    """Every reading of ``number`` with one character swapped for the one OCR confuses it with."""
    return [number[:i] + OCR_CONFUSIONS[c] + number[i + 1 :] for i, c in enumerate(number) if c in OCR_CONFUSIONS]


@dataclass(frozen=True, slots=True)
class Found:
    """A document the index names for a number: ``number`` is the reading that found it."""

    ref: str
    number: str
    in_range: bool


@dataclass(slots=True)
class DocumentIndex:
    keys: Int64Array = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    rows: Int64Array = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    recent: dict[int, set[str]] = field(default_factory=dict)
    ranges: dict[tuple[str, int], dict[str, tuple[int, int]]] = field(default_factory=dict)
    inactive: set[str] = field(default_factory=set)
    seq: int = 0  # the change-log sequence the index reflects
    applied: set[int] = field(default_factory=set)  # sequences at or below ``seq`` already applied (recent ones)
    #: Keys and rows of table rows added in bulk and not merged yet (merged before the next lookup).
    staged: list[tuple[Int64Array, Int64Array]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys) + sum(len(keys) for keys, _ in self.staged) + sum(len(refs) for refs in self.recent.values())

    # -- building -----------------------------------------------------------------

    def add_table_rows(self, ids: Sequence[int], numbers: Sequence[str], range_ends: Sequence[str | None], active: Sequence[bool]) -> None:
        """Rows of ``store.documents``, many at a time: a build, or a batch the change log names.

        Active rows are staged as arrays (no object per row) and merged before the next
        lookup; cancelled rows and serial ranges, which are few, are kept one by one.
        """
        if not ids:
            return
        row_ids = np.asarray(ids, dtype=np.int64)
        alive = np.asarray(active, dtype=bool)
        for i in np.flatnonzero(~alive).tolist():
            self.inactive.add(f"{TABLE_PREFIX}{ids[i]}")
        if self.inactive:  # a row cancelled earlier and active again (reinstated) is no longer inactive
            cancelled = {int(ref[len(TABLE_PREFIX) :]) for ref in self.inactive if ref.startswith(TABLE_PREFIX)}
            for row in cancelled.intersection(row_ids[alive].tolist()):
                self.inactive.discard(f"{TABLE_PREFIX}{row}")
        for i in [i for i, end in enumerate(range_ends) if end is not None]:
            self._add_range(f"{TABLE_PREFIX}{ids[i]}", numbers[i], range_ends[i])  # type: ignore[arg-type]
        kept = np.flatnonzero(alive)
        if len(kept):
            self.staged.append((number_keys([numbers[i] for i in kept.tolist()]), row_ids[kept]))

    def add(self, ref: str, number: str, range_end: str | None = None, *, active: bool = True) -> None:
        if not active:
            self.inactive.add(ref)
            return
        self.inactive.discard(ref)
        self.recent.setdefault(number_key(number), set()).add(ref)
        if range_end is not None:
            self._add_range(ref, number, range_end)
        if len(self.recent) >= MERGE_AT:
            self.merge()

    def _add_range(self, ref: str, first: str, last: str) -> None:
        try:
            span = serial_range(first, last)
        except ValueError:
            return  # the store validated it; a row it holds that no longer parses covers nothing
        self.ranges.setdefault((span.prefix, span.width), {})[ref] = (span.first, span.last)

    def merge(self) -> None:
        """Move staged rows and table rows of ``recent`` into the sorted arrays; drop inactive (cancelled) table rows."""
        new_keys = [keys for keys, _ in self.staged]
        new_rows = [rows for _, rows in self.staged]
        kept: dict[int, set[str]] = {}
        loose_keys: list[int] = []
        loose_rows: list[int] = []
        for key, refs in self.recent.items():
            for ref in refs:
                if ref.startswith(TABLE_PREFIX):
                    loose_keys.append(key)
                    loose_rows.append(int(ref[len(TABLE_PREFIX) :]))
                else:
                    kept.setdefault(key, set()).add(ref)
        new_keys.append(np.array(loose_keys, dtype=np.int64))
        new_rows.append(np.array(loose_rows, dtype=np.int64))
        keys, rows = _sorted_distinct(np.concatenate(new_keys), np.concatenate(new_rows))
        base_keys, base_rows = np.asarray(self.keys), np.asarray(self.rows)
        dead = {ref for ref in self.inactive if ref.startswith(TABLE_PREFIX)}
        if dead:
            dead_rows = np.array([int(ref[len(TABLE_PREFIX) :]) for ref in dead], dtype=np.int64)
            base_alive, new_alive = ~np.isin(base_rows, dead_rows), ~np.isin(rows, dead_rows)
            base_keys, base_rows, keys, rows = base_keys[base_alive], base_rows[base_alive], keys[new_alive], rows[new_alive]
            for bucket in self.ranges.values():
                for ref in dead & bucket.keys():
                    del bucket[ref]
            self.ranges = {span: bucket for span, bucket in self.ranges.items() if bucket}
            self.inactive -= dead  # a row written again later is added afresh
        self.keys, self.rows = _merged(base_keys, base_rows, keys, rows)
        self.recent, self.staged = kept, []

    # -- looking up ---------------------------------------------------------------

    def find(self, numbers: Sequence[str]) -> list[list[Found]]:
        """For each number: the documents carrying it or a reading one OCR confusion away, or covering one in a range."""
        if self.staged:
            self.merge()
        readings = [[number, *ocr_variants(number)] for number in numbers]
        flat = [reading for group in readings for reading in group]
        keys = number_keys(flat)
        low = np.searchsorted(self.keys, keys, side="left")
        high = np.searchsorted(self.keys, keys, side="right")
        # Most readings are in no array, no recent entry and no range: look only where there is something.
        table = {int(at): self.rows[low[at] : high[at]].tolist() for at in np.flatnonzero(high > low)}
        recent, inactive, covering = self.recent, self.inactive, self._covering if self.ranges else None
        key_list = keys.tolist() if recent else None
        answers: list[list[Found]] = []
        at = 0
        for group in readings:
            found: dict[str, Found] = {}
            for reading in group:
                refs = [f"{TABLE_PREFIX}{row}" for row in table[at]] if at in table else []
                if key_list is not None:
                    refs += recent.get(key_list[at], ())
                for ref in refs:
                    if ref not in inactive and ref not in found:
                        found[ref] = Found(ref, reading, in_range=False)
                if covering is not None:
                    for ref in covering(reading):
                        if ref not in inactive and ref not in found:
                            found[ref] = Found(ref, reading, in_range=True)
                at += 1
            answers.append(list(found.values()))
        return answers

    def _covering(self, number: str) -> list[str]:
        prefix, serial = split_serial(number)
        bucket = self.ranges.get((prefix, len(serial))) if serial else None
        if not bucket:
            return []
        value = int(serial)
        return [ref for ref, (first, last) in bucket.items() if first <= value <= last]

    # -- saving -------------------------------------------------------------------

    def save(self, directory: Path) -> Path:
        """Write a snapshot under ``directory`` and point ``directory/CURRENT`` at it; return its folder."""
        self.merge()
        directory.mkdir(parents=True, exist_ok=True)
        name = f"documents-{self.seq}-{os.getpid()}"
        staging = directory / f"{name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        np.save(staging / "keys.npy", np.asarray(self.keys))
        np.save(staging / "rows.npy", np.asarray(self.rows))
        meta = {
            "format": SNAPSHOT_FORMAT,
            "seq": self.seq,
            "applied": sorted(self.applied),
            "recent": [[key, sorted(refs)] for key, refs in self.recent.items()],
            "ranges": [
                [prefix, width, ref, first, last]
                for (prefix, width), bucket in self.ranges.items()
                for ref, (first, last) in bucket.items()
            ],
            "inactive": sorted(self.inactive),
        }
        (staging / "meta.json").write_text(json.dumps(meta))
        final = directory / name
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        pointer = directory / f"CURRENT.{os.getpid()}"
        pointer.write_text(name)
        pointer.replace(directory / "CURRENT")
        for old in directory.glob("documents-*"):
            if old.name not in (name, f"{name}.partial") and old.is_dir() and not old.name.endswith(".partial"):
                shutil.rmtree(old, ignore_errors=True)
        return final

    @classmethod
    def load(cls, directory: Path) -> DocumentIndex | None:
        """The snapshot ``directory/CURRENT`` names, memory-mapped; None if there is none or it is unreadable."""
        try:
            folder = directory / (directory / "CURRENT").read_text().strip()
            meta = json.loads((folder / "meta.json").read_text())
            if meta.get("format") != SNAPSHOT_FORMAT:
                return None
            keys = np.load(folder / "keys.npy", mmap_mode="r")
            rows = np.load(folder / "rows.npy", mmap_mode="r")
        except (OSError, ValueError):
            return None
        ranges: dict[tuple[str, int], dict[str, tuple[int, int]]] = {}
        for prefix, width, ref, first, last in meta["ranges"]:
            ranges.setdefault((prefix, width), {})[ref] = (first, last)
        return cls(
            keys=keys,
            rows=rows,
            recent={int(key): set(refs) for key, refs in meta["recent"]},
            ranges=ranges,
            inactive=set(meta["inactive"]),
            seq=int(meta["seq"]),
            applied=set(meta["applied"]),
        )


def _sorted_distinct(keys: Int64Array, rows: Int64Array) -> tuple[Int64Array, Int64Array]:
    """The (key, row) pairs in order of key then row, each once (a row written again is indexed once)."""
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    if len(keys) > 1:
        distinct = np.concatenate([[True], (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])])
        keys, rows = keys[distinct], rows[distinct]
    return keys, rows


def _merged(base_keys: Int64Array, base_rows: Int64Array, keys: Int64Array, rows: Int64Array) -> tuple[Int64Array, Int64Array]:
    """Two sorted, distinct sets of pairs as one, without sorting the larger again.

    A pair already in ``base`` (a row written again) is left out of the new ones first; the
    rest go in at their places: one pass over ``base`` however few rows are new.
    """
    if not len(base_keys):
        return keys, rows
    if not len(keys):
        return base_keys, base_rows
    low = np.searchsorted(base_keys, keys, side="left")
    high = np.searchsorted(base_keys, keys, side="right")
    fresh = np.ones(len(keys), dtype=bool)
    known = np.flatnonzero(high > low)  # the key is there already: is the row?
    if len(known):
        counts = (high - low)[known]
        places = np.repeat(low[known] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        held = set(zip(base_keys[places].tolist(), base_rows[places].tolist(), strict=True))
        fresh[known] = [pair not in held for pair in zip(keys[known].tolist(), rows[known].tolist(), strict=True)]
    keys, rows, at = keys[fresh], rows[fresh], high[fresh]
    return np.insert(base_keys, at, keys), np.insert(base_rows, at, rows)


def build(chunks: Iterable[tuple[Sequence[int], Sequence[str], Sequence[str | None], Sequence[bool]]]) -> DocumentIndex:
    """An index of table rows given in chunks of (ids, numbers, range ends, active)."""
    index = DocumentIndex()
    for ids, numbers, range_ends, active in chunks:
        index.add_table_rows(ids, numbers, range_ends, active)
    index.merge()
    return index
