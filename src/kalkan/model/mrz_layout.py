"""Where each field sits in each format of zone, and how text as scanners send it becomes lines.

Positions follow ICAO Doc 9303 parts 4 to 7 (1-based, as the specification numbers them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kalkan.errors import Fault
from kalkan.model.mrz_checks import MRZ_CHARACTERS
from kalkan.model.mrz_types import MRZError, MRZFormat

#: Input longer than this is refused before any work: the longest zone has 90 characters.
MAX_INPUT_CHARACTERS = 200


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``position`` to ``position + length - 1`` of line ``line`` (both 1-based)."""

    line: int
    position: int
    length: int

    def of(self, lines: Sequence[str]) -> str:
        start = self.position - 1
        return lines[self.line - 1][start : start + self.length]

    def cells(self) -> Iterator[tuple[int, int]]:
        """(line, position) of each character, 1-based."""
        for offset in range(self.length):
            yield self.line, self.position + offset


@dataclass(frozen=True, slots=True)
class Layout:
    format: MRZFormat
    width: int
    line_count: int
    document_code: Span
    issuing_state: Span
    name: Span
    document_number: Span
    number_check: Span
    nationality: Span
    birth_date: Span
    birth_check: Span
    sex: Span
    expiry_date: Span
    expiry_check: Span
    optional_data: Span
    optional_check: Span | None = None  # TD3: the personal number's check digit
    optional_data_2: Span | None = None  # TD1: line 2
    composite: Span | None = None
    composite_covers: tuple[Span, ...] = ()
    number_overflows: bool = False  # TD1, TD2: numbers over 9 characters continue in the optional data


def _two_lines(format: MRZFormat, width: int, optional_length: int, *, personal_check: bool = False, composite: bool = False) -> Layout:
    end = 29 + optional_length  # the position after the optional data
    return Layout(
        format=format,
        width=width,
        line_count=2,
        document_code=Span(1, 1, 2),
        issuing_state=Span(1, 3, 3),
        name=Span(1, 6, width - 5),
        document_number=Span(2, 1, 9),
        number_check=Span(2, 10, 1),
        nationality=Span(2, 11, 3),
        birth_date=Span(2, 14, 6),
        birth_check=Span(2, 20, 1),
        sex=Span(2, 21, 1),
        expiry_date=Span(2, 22, 6),
        expiry_check=Span(2, 28, 1),
        optional_data=Span(2, 29, optional_length),
        optional_check=Span(2, end, 1) if personal_check else None,
        composite=Span(2, width, 1) if composite else None,
        composite_covers=(Span(2, 1, 10), Span(2, 14, 7), Span(2, 22, width - 22)) if composite else (),
        number_overflows=format is MRZFormat.TD2,
    )


LAYOUTS: dict[MRZFormat, Layout] = {
    MRZFormat.TD1: Layout(
        format=MRZFormat.TD1,
        width=30,
        line_count=3,
        document_code=Span(1, 1, 2),
        issuing_state=Span(1, 3, 3),
        document_number=Span(1, 6, 9),
        number_check=Span(1, 15, 1),
        optional_data=Span(1, 16, 15),
        birth_date=Span(2, 1, 6),
        birth_check=Span(2, 7, 1),
        sex=Span(2, 8, 1),
        expiry_date=Span(2, 9, 6),
        expiry_check=Span(2, 15, 1),
        nationality=Span(2, 16, 3),
        optional_data_2=Span(2, 19, 11),
        composite=Span(2, 30, 1),
        composite_covers=(Span(1, 6, 25), Span(2, 1, 7), Span(2, 9, 7), Span(2, 19, 11)),
        name=Span(3, 1, 30),
        number_overflows=True,
    ),
    MRZFormat.TD2: _two_lines(MRZFormat.TD2, 36, 7, composite=True),
    MRZFormat.TD3: _two_lines(MRZFormat.TD3, 44, 14, personal_check=True, composite=True),
    MRZFormat.MRVA: _two_lines(MRZFormat.MRVA, 44, 16),
    MRZFormat.MRVB: _two_lines(MRZFormat.MRVB, 36, 8),
}

#: One line run together, by its length.
_RUN_TOGETHER = {90: (3, 30), 72: (2, 36), 88: (2, 44)}


def split_lines(text: str | Sequence[str]) -> list[str]:
    """The lines of a zone as keyboard-wedge scanners and OCR send it.

    Line ends may be CR LF, LF or CR; whitespace inside and around lines is dropped (it is
    not an MRZ character, so positions count without it); a-z is upper-cased (nothing else
    is touched, so that a bad character is reported as it came); blank lines are skipped;
    a single line of 90, 72 or 88 characters is split into the lines it runs together.
    Raises MRZError for input far longer than a zone, for no input, and for a line count no
    zone has.
    """
    if isinstance(text, str):
        size = len(text)
        raw_lines = text.splitlines()
    else:
        if len(text) > 10:
            raise MRZError(Fault("", f"{len(text)} lines: a zone has 2 lines (TD2, TD3, visas) or 3 (TD1)"))
        raw_lines = list(text)
        size = sum(len(line) for line in raw_lines)
    if size > MAX_INPUT_CHARACTERS:
        raise MRZError(Fault("", f"input of {size} characters is far longer than a machine-readable zone (at most 90)"))
    lines = [_clean(line) for line in raw_lines]
    lines = [line for line in lines if line]
    if not lines:
        raise MRZError(Fault("", "no machine-readable zone: the input is empty"))
    if len(lines) == 1:
        shape = _RUN_TOGETHER.get(len(lines[0]))
        if shape is None:
            raise MRZError(
                Fault("", f"1 line of {len(lines[0])} characters: a zone has 2 or 3 lines (or one run-together line of 72, 88 or 90)")
            )
        count, width = shape
        return [lines[0][i * width : (i + 1) * width] for i in range(count)]
    if len(lines) > 3:
        raise MRZError(Fault("", f"{len(lines)} lines: a zone has 2 lines (TD2, TD3, visas) or 3 (TD1)"))
    return lines


def _clean(line: str) -> str:
    return "".join(c.upper() if "a" <= c <= "z" else c for c in line if not c.isspace())


def character_faults(lines: Sequence[str]) -> list[Fault]:
    """``line 2, position 14: character 'é' not allowed in an MRZ``, for each such character."""
    return [
        Fault(f"line {number}, position {position}", f"character {char!r} not allowed in an MRZ")
        for number, line in enumerate(lines, start=1)
        for position, char in enumerate(line, start=1)
        if char not in MRZ_CHARACTERS
    ]


def choose_layout(lines: Sequence[str]) -> Layout:
    """The layout the lines are meant to have; raises MRZError naming each line of the wrong length.

    Three lines are TD1; two are TD2/MRV-B (36) or TD3/MRV-A (44), whichever the lengths are
    nearer, visas told apart by the document code starting with 'V'.
    """
    if len(lines) == 3:
        format = MRZFormat.TD1
    else:
        is_visa = lines[0].startswith("V")
        if sum(abs(len(line) - 36) for line in lines) < sum(abs(len(line) - 44) for line in lines):
            format = MRZFormat.MRVB if is_visa else MRZFormat.TD2
        else:
            format = MRZFormat.MRVA if is_visa else MRZFormat.TD3
    layout = LAYOUTS[format]
    faults = [
        Fault(f"line {number}", f"{len(line)} characters, {format.a_label} line has {layout.width}")
        for number, line in enumerate(lines, start=1)
        if len(line) != layout.width
    ]
    if faults:
        raise MRZError(faults + character_faults(lines))
    return layout
