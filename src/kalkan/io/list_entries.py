"""What a list importer reads out of a published list, and what the import did with it.

A reader (``un_sc``, ``ofac``, ``ftm``) turns each entry of its list into a ``ListItem``: the
record as a client would send it, the source's reference for it, the items written with it
(a person's passports) and the values it had to leave aside. ``list_import`` writes the
items into one agency.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kalkan.errors import KalkanError

#: Rejections and notes kept in a summary; the rest are only counted.
MAX_KEPT = 10_000


class MalformedList(KalkanError):
    """The file is not a list of the kind named (malformed, truncated, not UTF-8): nothing is imported."""

    status = 422
    code = "malformed_list"


@dataclass(frozen=True, slots=True)
class EntryFault:
    """One problem with one entry: which entry, which field of the source, what."""

    entry: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.field}: {self.reason}" if self.field else f"{self.entry}: {self.reason}"


@dataclass(slots=True)
class ListItem:
    """One record to write, from one entry of a list.

    ``key`` is the record's reference in the list's scheme (``"CDi.001"``; a document of that
    person ``"CDi.001#passport:OB0243318"``). ``fields`` is the record as a client sends it,
    without ``external_refs`` and ``restriction``, which the import adds. ``pointers`` names,
    for a field such as ``holder_id`` or ``source_id``, the key of the item it points to;
    ``attached`` items are written right after this one (they point to it). ``faults`` make the
    item unusable; ``notes`` say what was left out of it.
    """

    key: str
    entry: str
    fields: dict[str, Any]
    pointers: dict[str, str] = field(default_factory=dict)
    attached: list[ListItem] = field(default_factory=list)
    faults: list[EntryFault] = field(default_factory=list)
    notes: list[EntryFault] = field(default_factory=list)

    def fault(self, source_field: str, reason: str) -> None:
        self.faults.append(EntryFault(self.entry, source_field, reason))

    def note(self, source_field: str, reason: str) -> None:
        note = EntryFault(self.entry, source_field, reason)
        if note not in self.notes:
            self.notes.append(note)


@dataclass(slots=True)
class ListImportSummary:
    """What an import of a list did. Counts are of records (persons, organisations, documents, links)."""

    source: str
    entries: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    reinstated: int = 0  # cancelled when the entry left the list, active again now it is back
    rejected_entries: int = 0
    rejected: list[EntryFault] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[EntryFault] = field(default_factory=list)
    not_kept: int = 0
    rolled_back: bool = False

    @property
    def complete(self) -> bool:
        """Whether every entry went in."""
        return self.rejected_entries == 0 and not self.rolled_back

    def reject(self, faults: list[EntryFault]) -> None:
        self.rejected_entries += 1
        self._keep(self.rejected, faults)

    def note(self, notes: list[EntryFault]) -> None:
        self._keep(self.notes, notes)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def _keep(self, into: list[EntryFault], faults: list[EntryFault]) -> None:
        for each in faults:
            if len(into) < MAX_KEPT:
                into.append(each)
            else:
                self.not_kept += 1
