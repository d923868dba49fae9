"""What an import did: counts, and every rejected line with its field and reason."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kalkan.errors import Fault

#: Rejections kept in the summary; the rest are only counted (and passed to ``on_reject``),
#: so that importing a file of any size takes bounded memory.
MAX_KEPT_REJECTIONS = 10_000


@dataclass(frozen=True, slots=True)
class Rejection:
    """One problem with one line: its number, the field at fault ('' for the whole line), why."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {Fault(self.field, self.reason)}"


RejectionCallback = Callable[[Rejection], None]


@dataclass(slots=True)
class ImportSummary:
    """Counts of lines by outcome. ``rolled_back``: a strict import found faults and wrote nothing."""

    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_lines: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejections_not_kept: int = 0
    rolled_back: bool = False

    @property
    def complete(self) -> bool:
        """Whether every line went in."""
        return self.rejected_lines == 0 and not self.rolled_back

    @property
    def written(self) -> int:
        return self.created + self.updated

    def reject(self, rejection: Rejection) -> None:
        if len(self.rejected) < MAX_KEPT_REJECTIONS:
            self.rejected.append(rejection)
        else:
            self.rejections_not_kept += 1


@contextmanager
def rejections_csv(path: Path | None) -> Iterator[RejectionCallback | None]:
    """A callback writing each rejection as it is found to a CSV file (line, field, reason); None without a path."""
    if path is None:
        yield None
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "field", "reason"])

        def write(rejection: Rejection) -> None:
            writer.writerow([rejection.line, rejection.field, rejection.reason])

        yield write
