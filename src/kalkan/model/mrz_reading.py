"""Reading a zone: every field, every check digit, every fault, and the readings OCR may have missed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from kalkan.errors import Fault
from kalkan.model.documents import DocumentType
from kalkan.model.mrz_checks import FILLER, OCR_CONFUSIONS, check_fault, evaluate
from kalkan.model.mrz_fields import (
    decode_birth_date,
    decode_document_code,
    decode_document_number,
    decode_expiry_date,
    decode_name,
    decode_sex,
    decode_state,
    document_type_of,
)
from kalkan.model.mrz_layout import Layout, Span, character_faults, choose_layout, split_lines
from kalkan.model.mrz_types import CheckDigit, MRZDate, MRZError, MRZFields, MRZFormat, Sex, Suggestion


@dataclass(frozen=True, slots=True)
class MRZ:
    """A zone that was read without a fault: every field, and every check digit (all valid)."""

    format: MRZFormat
    document_code: str  # 'P', 'ID', 'I', 'V'... without fillers
    document_type: DocumentType
    issuing_state: str
    primary_identifier: str
    secondary_identifiers: str  # space-separated
    names_truncated: bool  # the name field is full, so the name may have been cut
    document_number: str  # without fillers, continued from the optional data where it overflows (TD1, TD2)
    nationality: str
    birth_date: MRZDate
    sex: Sex
    expiry_date: date
    optional_data: str  # without trailing fillers (TD3: the personal number)
    optional_data_2: str  # TD1 only: line 2
    lines: tuple[str, ...]
    check_digits: tuple[CheckDigit, ...]

    def is_expired(self, today: date) -> bool:
        return self.expiry_date < today

    def to_fields(self) -> MRZFields:
        return MRZFields(
            document_code=self.document_code,
            issuing_state=self.issuing_state,
            primary_identifier=self.primary_identifier,
            secondary_identifiers=self.secondary_identifiers,
            document_number=self.document_number,
            nationality=self.nationality,
            birth_date=self.birth_date,
            sex=self.sex,
            expiry_date=self.expiry_date,
            optional_data=self.optional_data,
            optional_data_2=self.optional_data_2,
        )


@dataclass(frozen=True, slots=True)
class MRZReading:
    """What could be read of a zone, with every fault and suggested reading.

    Fields that could not be read are None (dates, sex) or hold the characters as read.
    """

    format: MRZFormat
    document_code: str
    document_type: DocumentType
    issuing_state: str
    primary_identifier: str
    secondary_identifiers: str
    names_truncated: bool
    document_number: str
    nationality: str
    birth_date: MRZDate | None
    sex: Sex | None
    expiry_date: date | None
    optional_data: str
    optional_data_2: str
    lines: tuple[str, ...]
    check_digits: tuple[CheckDigit, ...]
    faults: tuple[Fault, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.faults

    @property
    def check_digits_valid(self) -> bool:
        return all(check.is_valid for check in self.check_digits)

    def to_mrz(self) -> MRZ:
        """The reading as an ``MRZ``; raises MRZError with every fault (and the suggestions) if it has any."""
        if self.faults or self.birth_date is None or self.sex is None or self.expiry_date is None:
            raise MRZError(list(self.faults) or [Fault("", "incomplete reading")], self.suggestions)
        return MRZ(
            format=self.format,
            document_code=self.document_code,
            document_type=self.document_type,
            issuing_state=self.issuing_state,
            primary_identifier=self.primary_identifier,
            secondary_identifiers=self.secondary_identifiers,
            names_truncated=self.names_truncated,
            document_number=self.document_number,
            nationality=self.nationality,
            birth_date=self.birth_date,
            sex=self.sex,
            expiry_date=self.expiry_date,
            optional_data=self.optional_data,
            optional_data_2=self.optional_data_2,
            lines=self.lines,
            check_digits=self.check_digits,
        )


def read_mrz(text: str | Sequence[str], *, today: date | None = None, allow_specimen: bool = False) -> MRZReading:
    """Read a zone leniently: faults of fields and check digits are on the result, with suggestions.

    Raises MRZError only where no field can be located: input far too long, empty, a line
    count or a line length no format has. ``today`` (default: the current date) decides the
    century of two-digit years. ``allow_specimen`` accepts the fictional state of the ICAO
    specimens ('UTO'); never set it for real documents.
    """
    lines = split_lines(text)
    layout = choose_layout(lines)
    today = today or date.today()
    reading, decoded = _decode(lines, layout, today, allow_specimen)
    return replace(reading, suggestions=_suggest(lines, layout, decoded, today, allow_specimen))


def parse_mrz(text: str | Sequence[str], *, today: date | None = None, allow_specimen: bool = False) -> MRZ:
    """Read a zone strictly: raises MRZError naming every fault (line, field, problem), with any suggestions."""
    return read_mrz(text, today=today, allow_specimen=allow_specimen).to_mrz()


@dataclass(frozen=True, slots=True)
class _Check:
    result: CheckDigit
    cells: frozenset[tuple[int, int]]  # (line, position) of what it covers and of the digit itself


@dataclass(slots=True)
class _Decoded:
    """A reading under way: faults of fields, check digits, and which field each position belongs to."""

    field_faults: list[Fault]
    checks: list[_Check] = field(default_factory=list)
    spans: list[tuple[str, Span]] = field(default_factory=list)
    faulted_cells: set[tuple[int, int]] = field(default_factory=set)  # (line, position) of fields with a fault

    def faults(self) -> tuple[Fault, ...]:
        return (*self.field_faults, *(fault for check in self.checks if (fault := check_fault(check.result))))

    def note(self, span: Span, name: str, messages: list[str]) -> None:
        self.spans.append((name, span))
        if messages:
            self.faulted_cells.update(span.cells())
        self.field_faults.extend(Fault(f"line {span.line}, {name}", message) for message in messages)

    def check(self, name: str, covers: Sequence[Span], digit: Span, lines: Sequence[str], *, filler_when_empty: bool = False) -> None:
        self.spans.append((f"{name} check digit", digit))
        covered = "".join(span.of(lines) for span in covers)
        result = evaluate(name, covered, digit.of(lines), digit.line, digit.position, filler_when_empty=filler_when_empty)
        cells = frozenset(cell for span in (*covers, digit) for cell in span.cells())
        self.checks.append(_Check(result, cells))


def _decode(lines: Sequence[str], layout: Layout, today: date, allow_specimen: bool) -> tuple[MRZReading, _Decoded]:
    out = _Decoded(character_faults(lines))

    span = layout.document_code
    document_code, messages = decode_document_code(span.of(lines), span.position)
    out.note(span, "document code", messages)
    span = layout.issuing_state
    issuing_state, messages = decode_state(span.of(lines), span.position, is_nationality=False, allow_specimen=allow_specimen)
    out.note(span, "issuing state", messages)
    primary, secondary, truncated, messages = decode_name(layout.name.of(lines), layout.name.position)
    out.note(layout.name, "name", messages)

    number_spans, number_check, optional = _number_spans(lines, layout)
    document_number, messages = decode_document_number("".join(span.of(lines) for span in number_spans))
    out.spans.extend(("document number", span) for span in number_spans[1:])
    out.note(layout.document_number, "document number", messages)

    span = layout.nationality
    nationality, messages = decode_state(span.of(lines), span.position, is_nationality=True, allow_specimen=allow_specimen)
    out.note(span, "nationality", messages)
    birth_date, messages = decode_birth_date(layout.birth_date.of(lines), layout.birth_date.position, today)
    out.note(layout.birth_date, "date of birth", messages)
    sex, messages = decode_sex(layout.sex.of(lines))
    out.note(layout.sex, "sex", messages)
    expiry_date, messages = decode_expiry_date(layout.expiry_date.of(lines), layout.expiry_date.position, today)
    out.note(layout.expiry_date, "date of expiry", messages)
    out.note(optional, "optional data", [])
    if layout.optional_data_2:
        out.note(layout.optional_data_2, "optional data 2", [])

    out.check("document number", number_spans, number_check, lines)
    out.check("date of birth", [layout.birth_date], layout.birth_check, lines)
    out.check("date of expiry", [layout.expiry_date], layout.expiry_check, lines)
    if layout.optional_check:
        out.check("optional data", [layout.optional_data], layout.optional_check, lines, filler_when_empty=True)
    if layout.composite:
        out.check("composite", layout.composite_covers, layout.composite, lines)

    reading = MRZReading(
        format=layout.format,
        document_code=document_code,
        document_type=document_type_of(document_code),
        issuing_state=issuing_state,
        primary_identifier=primary,
        secondary_identifiers=secondary,
        names_truncated=truncated,
        document_number=document_number,
        nationality=nationality,
        birth_date=birth_date,
        sex=sex,
        expiry_date=expiry_date,
        optional_data=optional.of(lines).rstrip(FILLER),
        optional_data_2=layout.optional_data_2.of(lines).rstrip(FILLER) if layout.optional_data_2 else "",
        lines=tuple(lines),
        check_digits=tuple(check.result for check in out.checks),
        faults=out.faults(),
    )
    return reading, out


def _number_spans(lines: Sequence[str], layout: Layout) -> tuple[list[Span], Span, Span]:
    """Where the document number, its check digit and the optional data are.

    TD1 and TD2 (Doc 9303 parts 5 and 6): when the number has more than 9 characters, its
    check digit position holds '<' and the number continues at the start of the optional
    data, followed by its check digit and a filler; the optional data proper comes after.
    """
    number, check, optional = layout.document_number, layout.number_check, layout.optional_data
    if not layout.number_overflows or check.of(lines) != FILLER or FILLER in number.of(lines):
        return [number], check, optional
    run = optional.of(lines).split(FILLER, 1)[0]
    if not run:  # nothing continues: the check digit is missing, reported as such
        return [number], check, optional
    rest = len(run) + 1
    return (
        [number, Span(optional.line, optional.position, len(run) - 1)],
        Span(optional.line, optional.position + len(run) - 1, 1),
        Span(optional.line, optional.position + rest, max(optional.length - rest, 0)),
    )


def _suggest(lines: Sequence[str], layout: Layout, decoded: _Decoded, today: date, allow_specimen: bool) -> tuple[Suggestion, ...]:
    """Single swaps of characters OCR confuses (0/O, 1/I, 5/S, 8/B, 2/Z) that mend the reading.

    A swap is offered when it makes every check digit valid (and it lies in what a failing
    check digit covers, or is that digit), or when it mends a field fault (a letter where
    only digits go, or a digit where only letters go); never when it adds a fault.
    """
    failing = [check for check in decoded.checks if not check.result.is_valid and check.result.expected is not None]
    field_faults = frozenset(decoded.field_faults)
    if not failing and not field_faults:
        return ()
    covered = frozenset().union(*(check.cells for check in failing))
    suggestions = []
    for line_number, position in sorted(covered | decoded.faulted_cells):
        line = lines[line_number - 1]
        found = line[position - 1]
        replacement = OCR_CONFUSIONS.get(found)
        if replacement is None:
            continue
        swapped = list(lines)
        swapped[line_number - 1] = line[: position - 1] + replacement + line[position:]
        _, trial = _decode(swapped, layout, today, allow_specimen)
        trial_faults = frozenset(trial.field_faults)
        if not trial_faults <= field_faults:
            continue
        checks_valid = all(check.result.is_valid for check in trial.checks)
        mended = sorted(field_faults - trial_faults, key=str)
        if not mended and not (checks_valid and (line_number, position) in covered):
            continue
        reason = "; ".join(f"mends {fault}" for fault in mended)
        reason += ("; " if reason else "") + ("every check digit holds with it" if checks_valid else "check digits still fail")
        name = next((name for name, span in reversed(decoded.spans) if (line_number, position) in span.cells()), "filler")
        suggestions.append(Suggestion(line_number, position, name, found, replacement, tuple(swapped), checks_valid, reason))
    return tuple(suggestions)
