"""Machine-readable zones: the ICAO Doc 9303 specimens, every fault path, suggestions, scanner input, round trips."""

from __future__ import annotations

import string
from collections.abc import Sequence
from datetime import date, timedelta

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalkan.errors import Fault, ValidationFailed
from kalkan.model.countries import ICAO_SPECIAL_CODES, STATUS_CODES, is_known_code, normalise_country
from kalkan.model.documents import DocumentType
from kalkan.model.mrz import (
    MRZ,
    OCR_CONFUSIONS,
    MRZDate,
    MRZError,
    MRZFields,
    MRZFormat,
    Sex,
    build_mrz,
    check_digit,
    parse_mrz,
    read_mrz,
)

TODAY = date(2024, 6, 1)

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
MRVA = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<")
MRVB = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<")
# Doc 9303 part 5: a TD1 whose document number (D23145890734) has more than 9 characters
TD1_LONG = ("I<UTOD23145890<7349<<<<<<<<<<<", "3407127M9507122UTO<<<<<<<<<<<2", "STEVENSON<<PETER<JOHN<<<<<<<<<")

ANNA = {"primary_identifier": "ERIKSSON", "secondary_identifiers": "ANNA MARIA", "names_truncated": False, "sex": Sex.FEMALE}
SPECIMENS = [
    (
        TD3,
        ANNA
        | {
            "format": MRZFormat.TD3,
            "document_code": "P",
            "document_type": DocumentType.PASSPORT,
            "issuing_state": "UTO",
            "document_number": "L898902C3",
            "nationality": "UTO",
            "birth_date": MRZDate(1974, 8, 12),
            "expiry_date": date(2012, 4, 15),
            "optional_data": "ZE184226B",
            "optional_data_2": "",
        },
    ),
    (
        TD1,
        ANNA
        | {
            "format": MRZFormat.TD1,
            "document_code": "I",
            "document_type": DocumentType.IDENTITY_CARD,
            "issuing_state": "UTO",
            "document_number": "D23145890",
            "nationality": "UTO",
            "birth_date": MRZDate(1974, 8, 12),
            "expiry_date": date(2012, 4, 15),
            "optional_data": "",
            "optional_data_2": "",
        },
    ),
    (
        TD2,
        ANNA
        | {
            "format": MRZFormat.TD2,
            "document_code": "I",
            "document_type": DocumentType.IDENTITY_CARD,
            "issuing_state": "UTO",
            "document_number": "D23145890",
            "nationality": "UTO",
            "birth_date": MRZDate(1974, 8, 12),
            "expiry_date": date(2012, 4, 15),
            "optional_data": "",
        },
    ),
    (
        MRVA,
        ANNA
        | {
            "format": MRZFormat.MRVA,
            "document_code": "V",
            "document_type": DocumentType.VISA,
            "issuing_state": "UTO",
            "document_number": "L8988901C",
            "nationality": "XXX",
            "birth_date": MRZDate(1940, 9, 7),
            "expiry_date": date(1996, 12, 10),
            "optional_data": "6ZE184226B",
        },
    ),
    (
        MRVB,
        ANNA
        | {
            "format": MRZFormat.MRVB,
            "document_code": "V",
            "document_type": DocumentType.VISA,
            "issuing_state": "UTO",
            "document_number": "L8988901C",
            "nationality": "XXX",
            "birth_date": MRZDate(1940, 9, 7),
            "expiry_date": date(1996, 12, 10),
            "optional_data": "",
        },
    ),
    (
        TD1_LONG,
        {
            "format": MRZFormat.TD1,
            "document_code": "I",
            "issuing_state": "UTO",
            "primary_identifier": "STEVENSON",
            "secondary_identifiers": "PETER JOHN",
            "document_number": "D23145890734",
            "nationality": "UTO",
            "birth_date": MRZDate(1934, 7, 12),
            "sex": Sex.MALE,
            "expiry_date": date(1995, 7, 12),
            "optional_data": "",
            "optional_data_2": "",
        },
    ),
]

#: (specimen, line, position, field) of every check digit
CHECK_DIGITS = [
    (TD3, 2, 10, "document number"),
    (TD3, 2, 20, "date of birth"),
    (TD3, 2, 28, "date of expiry"),
    (TD3, 2, 43, "optional data"),
    (TD3, 2, 44, "composite"),
    (TD1, 1, 15, "document number"),
    (TD1, 2, 7, "date of birth"),
    (TD1, 2, 15, "date of expiry"),
    (TD1, 2, 30, "composite"),
    (TD1_LONG, 1, 19, "document number"),
    (TD2, 2, 10, "document number"),
    (TD2, 2, 20, "date of birth"),
    (TD2, 2, 28, "date of expiry"),
    (TD2, 2, 36, "composite"),
    (MRVA, 2, 10, "document number"),
    (MRVA, 2, 20, "date of birth"),
    (MRVA, 2, 28, "date of expiry"),
    (MRVB, 2, 10, "document number"),
    (MRVB, 2, 20, "date of birth"),
    (MRVB, 2, 28, "date of expiry"),
]


def _parse(lines: str | Sequence[str]) -> MRZ:
    return parse_mrz(lines, today=TODAY, allow_specimen=True)


def _faults(lines: str | Sequence[str], *, allow_specimen: bool = True) -> list[str]:
    with pytest.raises(MRZError) as caught:
        parse_mrz(lines, today=TODAY, allow_specimen=allow_specimen)
    return [str(fault) for fault in caught.value.faults]


def _replace(lines: tuple[str, ...], line: int, position: int, text: str) -> tuple[str, ...]:
    changed = list(lines)
    row = changed[line - 1]
    changed[line - 1] = row[: position - 1] + text + row[position - 1 + len(text) :]
    return tuple(changed)


def _td3(
    *, dob: str = "740812", expiry: str = "120415", sex: str = "F", optional: str = "ZE184226B<<<<<", state: str = "UTO"
) -> tuple[str, ...]:
    """A TD3 zone with the given raw fields and every check digit right."""
    number = "L898902C3" + (check_digit("L898902C3") or "<")
    personal = optional + ((check_digit(optional) or "<") if optional.strip("<") else "<")
    dob_part = dob + (check_digit(dob) or "<")
    expiry_part = expiry + (check_digit(expiry) or "<")
    composite = check_digit(number + dob_part + expiry_part + personal)
    return (f"P<{state}ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", f"{number}{state}{dob_part}{sex}{expiry_part}{personal}{composite}")


# --- the specimens -------------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "expected"), SPECIMENS, ids=["TD3", "TD1", "TD2", "MRV-A", "MRV-B", "TD1 long number"])
def test_specimens_parse_to_their_fields(lines: tuple[str, ...], expected: dict[str, object]) -> None:
    mrz = _parse(lines)
    assert {name: getattr(mrz, name) for name in expected} == expected
    assert mrz.lines == lines
    assert all(check.is_valid for check in mrz.check_digits)


def test_check_digit_results_name_each_digit() -> None:
    checks = _parse(TD3).check_digits
    assert [(c.field, c.line, c.position, c.found, c.expected) for c in checks] == [
        ("document number", 2, 10, "6", "6"),
        ("date of birth", 2, 20, "2", "2"),
        ("date of expiry", 2, 28, "9", "9"),
        ("optional data", 2, 43, "1", "1"),
        ("composite", 2, 44, "0", "0"),
    ]
    assert [c.field for c in _parse(MRVA).check_digits] == ["document number", "date of birth", "date of expiry"]


def test_td1_long_number_check_digit_is_read_from_the_optional_data() -> None:
    number_check = _parse(TD1_LONG).check_digits[0]
    assert (number_check.line, number_check.position, number_check.found) == (1, 19, "9")
    assert check_digit("D23145890734") == "9"


def test_specimen_state_is_refused_unless_asked_for() -> None:
    utopia = "'UTO' is the code of Utopia (fictional state of the ICAO Doc 9303 specimens), never valid on a real document"
    assert _faults(TD3, allow_specimen=False) == [f"line 1, issuing state: {utopia}", f"line 2, nationality: {utopia}"]
    assert not is_known_code("UTO")
    with pytest.raises(ValueError, match="unknown country code"):
        normalise_country("UTO")


def test_check_digit_weights_and_values() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("<<<<<<") == "0"
    assert check_digit("ABC") == str((10 * 7 + 11 * 3 + 12 * 1) % 10)
    assert check_digit("é") is None


# --- check digit faults ------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "line", "position", "field"), CHECK_DIGITS)
def test_each_wrong_check_digit_names_line_field_and_expected_digit(lines: tuple[str, ...], line: int, position: int, field: str) -> None:
    right = lines[line - 1][position - 1]
    wrong = str((int(right) + 1) % 10)
    faults = _faults(_replace(lines, line, position, wrong))
    assert f"line {line}, {field}: check digit {wrong} expected {right}" in faults
    reading = read_mrz(_replace(lines, line, position, wrong), today=TODAY, allow_specimen=True)
    failed = [check for check in reading.check_digits if not check.is_valid]
    assert (failed[0].field, failed[0].line, failed[0].position) == (field, line, position)
    assert not reading.check_digits_valid


def test_wrong_date_of_birth_check_digit_message() -> None:
    with pytest.raises(MRZError) as caught:
        _parse(_replace(TD3, 2, 20, "7"))
    error = caught.value
    assert isinstance(error, ValidationFailed)
    assert error.status == 422
    assert Fault("line 2, date of birth", "check digit 7 expected 2") in error.faults
    assert "line 2, date of birth: check digit 7 expected 2" in error.message
    assert error.as_dict()["faults"][0] == {"field": "line 2, date of birth", "fault": "check digit 7 expected 2"}  # type: ignore[index]


def test_all_faults_of_a_zone_are_collected() -> None:
    lines = _replace(_replace(_replace(TD3, 2, 20, "7"), 2, 28, "1"), 1, 3, "QQQ")
    assert _faults(lines) == [
        "line 1, issuing state: unknown code 'QQQ'",
        "line 2, date of birth: check digit 7 expected 2",
        "line 2, date of expiry: check digit 1 expected 9",
        "line 2, composite: check digit 0 expected 7",
    ]


def test_td3_optional_data_of_fillers_takes_filler_or_zero_as_check_digit() -> None:
    for digit in "<0":
        lines = _td3(optional="<" * 14)
        lines = _replace(lines, 2, 43, digit)
        lines = _replace(lines, 2, 44, check_digit(lines[1][0:10] + lines[1][13:20] + lines[1][21:43]) or "")
        assert _parse(lines).optional_data == ""
    assert "line 2, optional data: check digit 5 expected 0" in _faults(_replace(_td3(optional="<" * 14), 2, 43, "5"))
    assert "line 2, optional data: check digit '<' is not a digit, expected 1" in _faults(_replace(TD3, 2, 43, "<"))


def test_td1_number_without_continuation_is_a_missing_check_digit() -> None:
    lines = ("I<UTOD23145890<<<<<<<<<<<<<<<<", *TD1[1:])
    assert "line 1, document number: check digit '<' is not a digit, expected 7" in _faults(lines)


def test_td1_long_number_wrong_check_digit() -> None:
    faults = _faults(_replace(TD1_LONG, 1, 19, "8"))
    assert "line 1, document number: check digit 8 expected 9" in faults


# --- layout faults -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ((TD3[0][:-1], TD3[1]), "line 1: 43 characters, a TD3 line has 44"),
        ((TD3[0], TD3[1] + "<"), "line 2: 45 characters, a TD3 line has 44"),
        ((TD1[0], TD1[1], TD1[2][:-1]), "line 3: 29 characters, a TD1 line has 30"),
        ((TD2[0], TD2[1][:-2]), "line 2: 34 characters, a TD2 line has 36"),
        ((MRVA[0][:-1], MRVA[1]), "line 1: 43 characters, an MRV-A line has 44"),
        ((MRVB[0], MRVB[1] + "<"), "line 2: 37 characters, an MRV-B line has 36"),
    ],
)
def test_wrong_line_lengths(lines: tuple[str, ...], message: str) -> None:
    assert message in _faults(lines)
    with pytest.raises(MRZError):  # no field can be located, so the lenient reader refuses too
        read_mrz(lines, today=TODAY)


def test_every_line_of_wrong_length_is_named_with_bad_characters() -> None:
    faults = _faults((TD3[0][:-1], TD3[1] + "é"))
    assert faults == [
        "line 1: 43 characters, a TD3 line has 44",
        "line 2: 45 characters, a TD3 line has 44",
        "line 2, position 45: character 'é' not allowed in an MRZ",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\n".join((*TD1, TD1[0])), "4 lines: a zone has 2 lines (TD2, TD3, visas) or 3 (TD1)"),
        (TD3[0], "1 line of 44 characters: a zone has 2 or 3 lines (or one run-together line of 72, 88 or 90)"),
        ("", "no machine-readable zone: the input is empty"),
        (" \r\n \t ", "no machine-readable zone: the input is empty"),
    ],
)
def test_wrong_line_counts(text: str, message: str) -> None:
    assert _faults(text) == [message]


def test_over_long_input_is_refused_before_any_work() -> None:
    assert _faults("P<UTO" * 1000) == ["input of 5000 characters is far longer than a machine-readable zone (at most 90)"]
    assert _faults([TD3[0]] * 11) == ["11 lines: a zone has 2 lines (TD2, TD3, visas) or 3 (TD1)"]


# --- field faults -------------------------------------------------------------------------


def test_bad_character_is_named_by_line_and_position() -> None:
    lines = _replace(TD3, 2, 14, "é")
    assert "line 2, position 14: character 'é' not allowed in an MRZ" in _faults(lines)
    reading = read_mrz(lines, today=TODAY, allow_specimen=True)
    assert reading.birth_date is None
    assert reading.document_number == "L898902C3"
    assert not reading.is_valid


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (_replace(TD3, 1, 3, "QQQ"), "line 1, issuing state: unknown code 'QQQ'"),
        (_replace(TD3, 2, 11, "QQQ"), "line 2, nationality: unknown code 'QQQ'"),
        (_replace(TD3, 2, 11, "<<<"), "line 2, nationality: missing: the field holds only fillers"),
        (
            _replace(TD3, 1, 3, "XXA"),
            "line 1, issuing state: 'XXA' (Stateless person (1954 Convention)) is a nationality, not an issuing state",
        ),
        (_replace(TD1, 2, 16, "Q<<"), "line 2, nationality: unknown code 'Q'"),
    ],
)
def test_unknown_states(lines: tuple[str, ...], message: str) -> None:
    assert message in _faults(lines)


def test_icao_codes_and_padded_codes_are_accepted() -> None:
    for state, nationality in [("D", "D"), ("GBR", "GBD"), ("UNO", "XXA"), ("EUE", "XXB"), ("RKS", "XXX")]:
        fields = _fields(issuing_state=state, nationality=nationality)
        lines = build_mrz(fields, MRZFormat.TD3)
        assert lines[0][2:5] == state.ljust(3, "<")
        mrz = parse_mrz(lines, today=TODAY)
        assert (mrz.issuing_state, mrz.nationality) == (state, nationality)


@pytest.mark.parametrize(
    ("dob", "message"),
    [
        ("741312", "line 2, date of birth: month 13 does not exist"),
        ("740431", "line 2, date of birth: day 31 does not exist in 1974-04"),
        ("010229", "line 2, date of birth: day 29 does not exist in 2001-02"),
        ("7<0812", "line 2, date of birth: '7<' at positions 14-15: the year is two digits, or '<<' when unknown"),
        ("74O812", "line 2, date of birth: 'O' at position 16 is not a digit"),
        ("<<0231", "line 2, date of birth: day 31 does not exist in month 02"),
    ],
)
def test_bad_dates_of_birth(dob: str, message: str) -> None:
    assert message in _faults(_td3(dob=dob))


def test_expiry_date_cannot_have_unknown_parts() -> None:
    assert "line 2, date of expiry: '<' at position 26 is not a digit" in _faults(_td3(expiry="1204<<"))
    assert "line 2, date of expiry: month 00 does not exist" in _faults(_td3(expiry="120015"))


@pytest.mark.parametrize(("character", "sex"), [("M", Sex.MALE), ("F", Sex.FEMALE), ("<", Sex.UNSPECIFIED), ("X", Sex.UNSPECIFIED)])
def test_sexes(character: str, sex: Sex) -> None:
    assert _parse(_td3(sex=character)).sex is sex


def test_unknown_sex_is_a_fault() -> None:
    assert "line 2, sex: 'Q' is not a sex: M, F, or '<' (or X) when unspecified" in _faults(_td3(sex="Q"))


def test_document_code_must_start_with_a_letter() -> None:
    lines = _replace(TD1, 1, 1, "1")
    assert "line 1, document code: '1' at position 1 is not a letter" in _faults(lines)


def test_name_with_digits_and_empty_name() -> None:
    assert "line 1, name: '0' at position 11 is not a letter" in _faults(_replace(TD3, 1, 11, "0"))
    assert "line 3, name: empty: the field holds only fillers" in _faults((*TD1[:2], "<" * 30))


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("740812", MRZDate(1974, 8, 12)),
        ("200101", MRZDate(2020, 1, 1)),
        ("240601", MRZDate(2024, 6, 1)),  # today: not in the future
        ("240602", MRZDate(1924, 6, 2)),  # tomorrow would be in the future
        ("000229", MRZDate(2000, 2, 29)),
        ("74<<<<", MRZDate(1974, None, None)),
        ("7408<<", MRZDate(1974, 8, None)),
        ("24<<<<", MRZDate(2024, None, None)),
        ("2407<<", MRZDate(1924, 7, None)),
        ("<<<<<<", MRZDate(None, None, None)),
        ("<<0229", MRZDate(None, 2, 29)),
    ],
)
def test_birth_dates_are_never_in_the_future(dob: str, expected: MRZDate) -> None:
    assert _parse(_td3(dob=dob)).birth_date == expected


def test_partial_birth_date_as_flexible_date() -> None:
    assert MRZDate(1974, 8, None).partial_text() == "1974-08"
    assert MRZDate(1974, None, 12).partial_text() == "1974"
    assert MRZDate(1974, 8, 12).value == date(1974, 8, 12)
    assert MRZDate(1974, 8, None).value is None
    flexible = MRZDate(1974, 8, None).to_flexible_date()
    assert flexible is not None
    assert (flexible.earliest, flexible.latest) == (date(1974, 8, 1), date(1974, 8, 31))
    assert MRZDate(None, 8, 12).to_flexible_date() is None
    assert str(MRZDate(1974, None, None)) == "1974-??-??"


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [("120415", date(2012, 4, 15)), ("740812", date(2074, 8, 12)), ("750101", date(1975, 1, 1)), ("991231", date(1999, 12, 31))],
)
def test_expiry_dates_look_forward_fifty_years(expiry: str, expected: date) -> None:
    mrz = _parse(_td3(expiry=expiry))
    assert mrz.expiry_date == expected
    assert mrz.is_expired(TODAY) is (expected < TODAY)


def test_today_defaults_to_the_current_date() -> None:
    born_this_year = f"{date.today().year % 100:02d}0101"
    assert parse_mrz(_td3(dob=born_this_year), allow_specimen=True).birth_date == MRZDate(date.today().year, 1, 1)


# --- names --------------------------------------------------------------------------------


def test_names() -> None:
    name = "VAN<DER<BERG<<ANNA<<MARIA<<<<<<<<<<<<<<<<<<"
    mrz = _parse(_replace(TD3, 1, 6, name[:39]))
    assert (mrz.primary_identifier, mrz.secondary_identifiers, mrz.names_truncated) == ("VAN DER BERG", "ANNA MARIA", False)
    only_primary = _parse(_replace(TD3, 1, 6, "ERIKSSON".ljust(39, "<")))
    assert (only_primary.primary_identifier, only_primary.secondary_identifiers) == ("ERIKSSON", "")
    only_secondary = _parse(_replace(TD3, 1, 6, "<<ANNA".ljust(39, "<")))
    assert (only_secondary.primary_identifier, only_secondary.secondary_identifiers) == ("", "ANNA")


def test_full_name_field_is_flagged_as_possibly_truncated() -> None:
    full = "ERIKSSON<<ANNA<MARIA<CHRISTINA<ELISABET"
    assert len(full) == 39
    mrz = _parse(_replace(TD3, 1, 6, full))
    assert mrz.names_truncated
    assert mrz.secondary_identifiers == "ANNA MARIA CHRISTINA ELISABET"


# --- OCR confusions -----------------------------------------------------------------------


def test_o_for_zero_in_the_document_number_is_suggested_never_applied() -> None:
    misread = _replace(TD3, 2, 6, "O")  # L8989O2C3
    faults = _faults(misread)
    assert faults == ["line 2, document number: check digit 6 expected 0", "line 2, composite: check digit 0 expected 4"]
    with pytest.raises(MRZError) as caught:
        _parse(misread)
    assert [(s.line, s.position) for s in caught.value.suggestions] == [(2, 6)]

    reading = read_mrz(misread, today=TODAY, allow_specimen=True)
    assert reading.document_number == "L8989O2C3"  # as read
    assert reading.lines == misread
    assert [str(fault) for fault in reading.faults] == faults
    (suggestion,) = reading.suggestions
    assert (suggestion.line, suggestion.position, suggestion.field) == (2, 6, "document number")
    assert (suggestion.found, suggestion.suggested, suggestion.check_digits_valid) == ("O", "0", True)
    assert suggestion.lines == TD3
    assert _parse(suggestion.lines).document_number == "L898902C3"


def test_o_in_a_date_is_a_fault_with_a_suggestion() -> None:
    reading = read_mrz(_replace(TD3, 2, 16, "O"), today=TODAY, allow_specimen=True)
    assert reading.birth_date is None
    assert Fault("line 2, date of birth", "'O' at position 16 is not a digit") in reading.faults
    (suggestion,) = reading.suggestions
    assert (suggestion.line, suggestion.position, suggestion.suggested, suggestion.check_digits_valid) == (2, 16, "0", True)


def test_letter_read_for_a_check_digit_is_suggested() -> None:
    misread = _replace(MRVA, 2, 20, "B")
    reading = read_mrz(misread, today=TODAY, allow_specimen=True)
    assert [str(f) for f in reading.faults] == ["line 2, date of birth: check digit 'B' is not a digit, expected 8"]
    (suggestion,) = reading.suggestions
    assert (suggestion.position, suggestion.field, suggestion.found, suggestion.suggested) == (20, "date of birth check digit", "B", "8")


def test_digit_in_a_name_is_suggested_without_check_digits() -> None:
    reading = read_mrz(_replace(TD3, 1, 12, "0"), today=TODAY, allow_specimen=True)
    (suggestion,) = reading.suggestions
    assert (suggestion.line, suggestion.position, suggestion.found, suggestion.suggested) == (1, 12, "0", "O")
    assert suggestion.check_digits_valid
    assert reading.primary_identifier == "ERIKSS0N"


@pytest.mark.parametrize(("position", "found", "right"), [(2, "B", "8"), (8, "Z", "2"), (4, "S", "5")])
def test_other_confusions_in_the_number(position: int, found: str, right: str) -> None:
    lines = build_mrz(_fields(document_number="1825X1A2Z"), MRZFormat.TD3)
    assert lines[1][position - 1] == right
    reading = read_mrz(_replace(lines, 2, position, found), today=TODAY)
    assert (2, position, found, right) in [(s.line, s.position, s.found, s.suggested) for s in reading.suggestions]
    assert all(s.check_digits_valid for s in reading.suggestions)


def test_no_suggestion_when_no_single_swap_mends_the_check_digits() -> None:
    reading = read_mrz(_replace(TD3, 2, 20, "7"), today=TODAY, allow_specimen=True)
    assert not reading.check_digits_valid
    assert reading.suggestions == ()
    assert read_mrz(TD3, today=TODAY, allow_specimen=True).suggestions == ()


def test_lenient_reading_keeps_the_fields_of_a_badly_read_zone() -> None:
    reading = read_mrz(_replace(TD3, 2, 20, "7"), today=TODAY, allow_specimen=True)
    assert reading.document_number == "L898902C3"
    assert reading.birth_date == MRZDate(1974, 8, 12)
    assert reading.expiry_date == date(2012, 4, 15)
    with pytest.raises(MRZError):
        reading.to_mrz()
    assert read_mrz(TD3, today=TODAY, allow_specimen=True).to_mrz() == _parse(TD3)


def test_error_as_dict_carries_the_suggestions() -> None:
    with pytest.raises(MRZError) as caught:
        _parse(_replace(TD3, 2, 6, "O"))
    body = caught.value.as_dict()
    assert body["code"] == "invalid_mrz"
    assert body["suggestions"] == [
        {
            "line": 2,
            "position": 6,
            "field": "document number",
            "found": "O",
            "suggested": "0",
            "lines": list(TD3),
            "check_digits_valid": True,
            "reason": "every check digit holds with it",
        }
    ]


# --- what scanners send -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\r\n".join(TD3),
        "\r".join(TD3),
        "\n".join(TD3).lower(),
        "  " + "\n".join(TD3) + "\n\n",
        "\n".join(line[:20] + "  " + line[20:] for line in TD3),
        "\t" + TD3[0] + " \r\n\r\n " + TD3[1] + "\t",
        "".join(TD3),
        " ".join(TD3).lower(),
        list(TD3),
    ],
    ids=["crlf", "cr", "lower", "padded", "inner spaces", "tabs and blank line", "run together", "run together lower", "sequence"],
)
def test_keyboard_wedge_input_parses_like_clean_input(text: str | list[str]) -> None:
    assert _parse(text) == _parse("\n".join(TD3))


@pytest.mark.parametrize("lines", [TD1, TD2, MRVB, TD1_LONG])
def test_run_together_lines_are_split_by_their_total_length(lines: tuple[str, ...]) -> None:
    assert _parse("".join(lines)) == _parse(lines)


def test_positions_count_without_spaces() -> None:
    lines = _replace(TD3, 2, 14, "é")
    spaced = lines[0] + "\n" + " ".join(lines[1][i : i + 4] for i in range(0, 44, 4))
    assert "line 2, position 14: character 'é' not allowed in an MRZ" in _faults(spaced)


# --- the writer ---------------------------------------------------------------------------


def _fields(**changes: object) -> MRZFields:
    values: dict[str, object] = {
        "document_code": "P",
        "issuing_state": "D",
        "primary_identifier": "MUSTERMANN",
        "secondary_identifiers": "ERIKA",
        "document_number": "C01X00T47",
        "nationality": "D",
        "birth_date": MRZDate(1964, 8, 12),
        "sex": Sex.FEMALE,
        "expiry_date": date(2030, 10, 31),
    }
    return MRZFields(**(values | changes))  # type: ignore[arg-type]


def test_writer_reproduces_the_specimens() -> None:
    for lines, _ in SPECIMENS:
        mrz = _parse(lines)
        assert build_mrz(mrz.to_fields(), mrz.format, allow_specimen=True) == lines


def test_writer_writes_names_as_doc_9303_wants() -> None:
    lines = build_mrz(_fields(primary_identifier="muller", secondary_identifiers="Anne-Marie O'Neil"), MRZFormat.TD3)
    assert lines[0] == "P<D<<MULLER<<ANNE<MARIE<ONEIL".ljust(44, "<")
    long_name = _fields(primary_identifier="ABCDEFGHIJKLMNOPQRSTUVWXYZ", secondary_identifiers="ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    mrz = parse_mrz(build_mrz(long_name, MRZFormat.TD1), today=TODAY)
    assert mrz.names_truncated
    assert mrz.secondary_identifiers == "AB"


@pytest.mark.parametrize(
    ("changes", "format", "fault"),
    [
        ({"document_number": "C01X00T47AB"}, MRZFormat.TD3, "document_number: 11 characters, at most 9 in a TD3"),
        ({"document_number": "C" * 24}, MRZFormat.TD1, "document_number: 24 characters, at most 23 in a TD1"),
        ({"document_number": "C" * 16}, MRZFormat.TD2, "document_number: 16 characters, at most 15 in a TD2"),
        (
            {"document_number": "C" * 13, "optional_data": "AB"},
            MRZFormat.TD2,
            "optional_data (with the document number's continuation): 8 characters, at most 7 in a TD2",
        ),
        ({"document_code": "V"}, MRZFormat.TD3, "document_code: 'V': visas (MRV-A, MRV-B), and only they, have codes starting with 'V'"),
        ({"document_code": "P"}, MRZFormat.MRVA, "document_code: 'P': visas (MRV-A, MRV-B), and only they, have codes starting with 'V'"),
        ({"document_code": "1"}, MRZFormat.TD1, "document_code: '1': one letter, then a letter or nothing"),
        (
            {"primary_identifier": "МУСТЕРМАНН"},
            MRZFormat.TD3,
            "primary_identifier: 'МУСТЕРМАНН': only letters A-Z, spaces, hyphens and apostrophes (transliterate first)",
        ),
        ({"issuing_state": "QQQ"}, MRZFormat.TD3, "issuing_state: unknown code 'QQQ'"),
        (
            {"issuing_state": "XXA"},
            MRZFormat.TD3,
            "issuing_state: 'XXA' (Stateless person (1954 Convention)) is a nationality, not an issuing state",
        ),
        ({"optional_data": "A" * 15}, MRZFormat.TD3, "optional_data: 15 characters, at most 14 in a TD3"),
        ({"optional_data": "a-b"}, MRZFormat.TD3, "optional_data: 'A-B': only A-Z, 0-9 and '<'"),
        ({"optional_data_2": "AB"}, MRZFormat.TD3, "optional_data_2: only a TD1 has a second optional data field, not a TD3"),
        ({"primary_identifier": "", "secondary_identifiers": ""}, MRZFormat.TD3, "primary_identifier: a name is required"),
    ],
)
def test_writer_refuses_fields_that_do_not_fit(changes: dict[str, object], format: MRZFormat, fault: str) -> None:
    with pytest.raises(MRZError) as caught:
        build_mrz(_fields(**changes), format)
    assert fault in [str(f) for f in caught.value.faults]


def test_writer_continues_long_numbers_in_the_optional_data() -> None:
    lines = build_mrz(
        _fields(document_code="ID", document_number="D23145890734", optional_data="AB12", optional_data_2="XY"), MRZFormat.TD1
    )
    assert lines[0] == "IDD<<D23145890<7349<AB12<<<<<<"
    mrz = parse_mrz(lines, today=TODAY)
    assert (mrz.document_number, mrz.optional_data, mrz.optional_data_2) == ("D23145890734", "AB12", "XY")
    td2 = build_mrz(_fields(document_code="I", document_number="D231458907345"), MRZFormat.TD2)
    assert parse_mrz(td2, today=TODAY).document_number == "D231458907345"


# --- round trips --------------------------------------------------------------------------

_WIDTHS = {MRZFormat.TD1: 30, MRZFormat.TD2: 31, MRZFormat.TD3: 39, MRZFormat.MRVA: 39, MRZFormat.MRVB: 31}
_OPTIONAL = {MRZFormat.TD1: 15, MRZFormat.TD2: 7, MRZFormat.TD3: 14, MRZFormat.MRVA: 16, MRZFormat.MRVB: 8}
_CODES = sorted(c.alpha_3 for c in pycountry.countries) + sorted(ICAO_SPECIAL_CODES)
_ISSUERS = [code for code in _CODES if code not in STATUS_CODES]
_ALNUM = string.ascii_uppercase + string.digits
_words = st.lists(st.text(string.ascii_uppercase, min_size=1, max_size=9), min_size=1, max_size=3).map(" ".join)


def _mrz_text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_ALNUM + "<", max_size=max_size).map(lambda text: text.rstrip("<"))


@st.composite
def _fields_for(draw: st.DrawFn, format: MRZFormat) -> MRZFields:
    if format in (MRZFormat.MRVA, MRZFormat.MRVB):
        first = "V"
    elif format is MRZFormat.TD3:
        first = "P"
    else:
        first = draw(st.sampled_from("IACR"))
    second = draw(st.sampled_from(["", *string.ascii_uppercase.replace("V", "")]))

    primary = draw(_words)
    secondary = draw(st.one_of(st.just(""), _words))
    while len(primary.replace(" ", "<")) + (2 + len(secondary) if secondary else 0) > _WIDTHS[format]:
        secondary = secondary.rpartition(" ")[0] if secondary else ""
        if not secondary and len(primary) > _WIDTHS[format]:
            primary = primary[: _WIDTHS[format]].rstrip(" ")

    overflows = format in (MRZFormat.TD1, MRZFormat.TD2)
    longest = 9 + _OPTIONAL[format] - 1 if overflows else 9
    number = draw(st.text(_ALNUM, min_size=1, max_size=longest))
    room = _OPTIONAL[format] if len(number) <= 9 else _OPTIONAL[format] - (len(number) - 9) - 2
    optional = draw(_mrz_text(max(room, 0)))

    birth = draw(st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY))
    precision = draw(st.sampled_from(["day", "month", "year", "unknown"]))
    birth_date = {
        "day": MRZDate.of(birth),
        "month": MRZDate(birth.year, birth.month),
        "year": MRZDate(birth.year),
        "unknown": MRZDate(),
    }[precision]
    return MRZFields(
        document_code=first + second,
        issuing_state=draw(st.sampled_from(_ISSUERS)),
        primary_identifier=primary,
        secondary_identifiers=secondary,
        document_number=number,
        nationality=draw(st.sampled_from(_CODES)),
        birth_date=birth_date,
        sex=draw(st.sampled_from(Sex)),
        expiry_date=draw(st.dates(min_value=date(TODAY.year - 49, 1, 1), max_value=date(TODAY.year + 50, 12, 31))),
        optional_data=optional,
        optional_data_2=draw(_mrz_text(11)) if format is MRZFormat.TD1 else "",
    )


@given(data=st.data(), format=st.sampled_from(MRZFormat))
@settings(max_examples=200, deadline=None)
def test_written_zones_read_back_to_the_same_fields(data: st.DataObject, format: MRZFormat) -> None:
    fields = data.draw(_fields_for(format))
    lines = build_mrz(fields, format)
    assert [len(line) for line in lines] == {MRZFormat.TD1: [30] * 3, MRZFormat.TD2: [36] * 2, MRZFormat.MRVB: [36] * 2}.get(
        format, [44, 44]
    )
    mrz = parse_mrz(lines, today=TODAY)
    assert mrz.format is format
    assert mrz.to_fields() == fields
    assert mrz.lines == lines
    assert all(check.is_valid for check in mrz.check_digits)
    name_field = lines[2] if format is MRZFormat.TD1 else lines[0][5:]
    assert mrz.names_truncated is (not name_field.endswith("<"))
    assert parse_mrz("".join(lines).lower(), today=TODAY) == mrz


@given(data=st.data(), format=st.sampled_from(MRZFormat))
@settings(max_examples=200, deadline=None)
def test_one_confused_character_is_caught_and_the_true_reading_suggested(data: st.DataObject, format: MRZFormat) -> None:
    """Every 0/O, 1/I, 5/S, 8/B, 2/Z swap changes the check digit over it (the weighted
    difference is never a multiple of 10) or puts a digit where only letters go; so a
    misread is always a fault, and the true reading always among the suggestions, except
    in a visa's optional data, which no check digit covers."""
    lines = build_mrz(data.draw(_fields_for(format)), format)
    confusable = [(n, p) for n, line in enumerate(lines, 1) for p, c in enumerate(line, 1) if c in OCR_CONFUSIONS]
    if not confusable:
        return
    line, position = data.draw(st.sampled_from(confusable))
    misread = _replace(lines, line, position, OCR_CONFUSIONS[lines[line - 1][position - 1]])
    reading = read_mrz(misread, today=TODAY)
    assert reading.lines == misread  # never changed
    if reading.is_valid:
        assert format in (MRZFormat.MRVA, MRZFormat.MRVB)
        assert (line, position) >= (2, 29)  # the optional data
        return
    with pytest.raises(MRZError):
        parse_mrz(misread, today=TODAY)
    assert lines in [suggestion.lines for suggestion in reading.suggestions]
    for suggestion in reading.suggestions:
        changed = [
            (n, p)
            for n, (a, b) in enumerate(zip(misread, suggestion.lines, strict=True), 1)
            for p, (x, y) in enumerate(zip(a, b, strict=True), 1)
            if x != y
        ]
        assert changed == [(suggestion.line, suggestion.position)]
        assert OCR_CONFUSIONS[suggestion.found] == suggestion.suggested


def test_dates_round_trip_at_the_edges_of_their_windows() -> None:
    for birth in (TODAY, date(TODAY.year - 99, 1, 1), TODAY - timedelta(days=36_000)):
        fields = _fields(birth_date=MRZDate.of(birth))
        assert parse_mrz(build_mrz(fields, MRZFormat.TD3), today=TODAY).birth_date == MRZDate.of(birth)
    for expiry in (date(TODAY.year - 49, 1, 1), date(TODAY.year + 50, 12, 31)):
        fields = _fields(expiry_date=expiry)
        assert parse_mrz(build_mrz(fields, MRZFormat.TD3), today=TODAY).expiry_date == expiry
