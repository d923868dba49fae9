"""Records as clients send them: what parses, and the field each fault is reported at."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kalkan.errors import ValidationFailed
from kalkan.model.names import Script
from kalkan.model.records import Event, Link, Organisation, Person, RecordKind, TravelDocument
from kalkan.model.validation import field_path, parse_record

A = "a" * 32
B = "b" * 32
C = "c" * 32


def person(**fields: Any) -> dict[str, Any]:
    return {"kind": "person", "names": ["Раҳмонов Ҷамшед Ӯрунович", "Rahmonov Jamshed"], **fields}


def organisation(**fields: Any) -> dict[str, Any]:
    return {"kind": "organisation", "names": ["Ҳаракати исломии Ӯзбекистон", "Islamic Movement of Uzbekistan"], **fields}


def document(**fields: Any) -> dict[str, Any]:
    return {"kind": "travel_document", "issuing_state": "TJK", "number": "400123456", "document_status": "stolen", **fields}


def link(**fields: Any) -> dict[str, Any]:
    return {"kind": "link", "link_type": "member_of", "source_id": A, "target_id": B, **fields}


def movement(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "event",
        "event_type": "movement",
        "occurred_on": "2025-11-02",
        "movement": {"border_post": "Fotehobod", "direction": "entry", "person_id": A},
        **fields,
    }


FAULTS: list[tuple[str, Any, list[tuple[str, str]]]] = [
    # (case, data, [(field, part of the fault)]) -- every fault the record has, in order
    ("not an object", ["person"], [("", "a record must be a JSON object")]),
    ("no kind", {"names": ["Aziz"]}, [("kind", "required; one of event, link, notice, organisation, person, travel_document")]),
    ("unknown kind", {"kind": "vehicle"}, [("kind", "unknown kind 'vehicle'")]),
    ("kind not a text", {"kind": 7}, [("kind", "unknown kind 7")]),
    ("empty name", person(names=[{"value": ""}]), [("names[0].value", "at least 1 character")]),
    ("10,000-character name", person(names=["Ж" * 10_000]), [("names[0].value", "at most 300 characters")]),
    ("name of digits", person(names=["Rahmonov", "1984"]), [("names[1]", "name has no letters")]),
    ("no names", person(names=[]), [("names", "at least 1 item")]),
    ("names missing", {"kind": "person"}, [("names", "Field required")]),
    ("month 13", person(dates_of_birth=[{"value": "1970-13"}]), [("dates_of_birth[0]", "month 13 does not exist")]),
    (
        "range backwards",
        person(dates_of_birth=[{"value": "1970"}, {"kind": "range", "value": "1977", "until": "1975"}]),
        [("dates_of_birth[1]", "range ends (1975) before it starts (1977)")],
    ),
    ("30 February", person(dates_of_birth=[{"value": "1984-02-30"}]), [("dates_of_birth[0]", "day 30 does not exist in 1984-02")]),
    ("unknown nationality", person(nationalities=["UZB", "QQQ"]), [("nationalities[1]", "unknown country code 'QQQ'")]),
    ("oversized description", person(descriptions=["x" * 10_001]), [("descriptions[0]", "at most 10000 characters")]),
    ("oversized place", person(places_of_birth=["Хуҷанд", "x" * 301]), [("places_of_birth[1]", "at most 300 characters")]),
    ("unknown gender", person(gender="m"), [("gender", "Input should be")]),
    ("unknown category", person(categories=["terrorism", "smuggling"]), [("categories[1]", "Input should be")]),
    ("only without agencies", person(restriction={"mode": "only"}), [("restriction", "mode 'only' needs at least one agency")]),
    ("all with agencies", person(restriction={"mode": "all", "agencies": ["UZ-NCB"]}), [("restriction", "mode 'all' takes no 'agencies'")]),
    ("bad agency code", person(restriction={"mode": "except", "agencies": ["UZ-NCB", "U"]}), [("restriction.agencies[1]", "pattern")]),
    ("bad reference scheme", person(external_refs=[{"scheme": "UN ref", "value": "QDi.431"}]), [("external_refs[0].scheme", "pattern")]),
    ("bad review date", person(review_date="2030-02-30"), [("review_date", "day value is outside expected range")]),
    ("unknown field", person(colour="red"), [("colour", "Extra inputs are not permitted")]),
    ("unknown organisation country", organisation(countries=["UZB", "EU"]), [("countries[1]", "unknown country code 'EU'")]),
    ("forbidden number", document(number="400#123"), [("number", "forbidden characters '#'")]),
    ("status as issuing state", document(issuing_state="XXA"), [("issuing_state", "nationality status, not a state that issues")]),
    (
        "expires before issued",
        document(issued_on="2020-05-01", expires_on="2019-05-01"),
        [("expires_on", "is before issued_on (2020-05-01)")],
    ),
    ("bad holder id", document(holder_id="1234"), [("holder_id", "pattern")]),
    ("no document status", {**document(), "document_status": None}, [("document_status", "Input should be")]),
    ("link to itself", link(target_id=A), [("target_id", "a link joins two different records")]),
    ("confidence above 1", link(confidence=1.5), [("confidence", "less than or equal to 1")]),
    ("bad link date", link(valid_from="2020-13"), [("valid_from", "month 13 does not exist")]),
    (
        "movement with transaction details",
        movement(movement=None, transaction={"amount": "100", "currency": "USD"}),
        [
            ("movement", "an event of type 'movement' needs its 'movement' details"),
            ("transaction", "an event of type 'movement' takes no transaction details"),
        ],
    ),
    (
        "movement with incident details too",
        movement(incident={"modus_operandi": ["firearms"]}),
        [("incident", "an event of type 'movement' takes no incident details")],
    ),
    (
        "transaction without its details",
        movement(event_type="transaction"),
        [
            ("movement", "an event of type 'transaction' takes no movement details"),
            ("transaction", "an event of type 'transaction' needs its 'transaction' details"),
        ],
    ),
    ("event without a date", movement(occurred_on=None), [("occurred_on", "an event needs 'occurred_at' or 'occurred_on'")]),
    (
        "bad traveller id",
        movement(movement={"border_post": "Fotehobod", "direction": "entry", "person_id": "x"}),
        [("movement.person_id", "pattern")],
    ),
    (
        "unknown direction",
        movement(movement={"border_post": "Fotehobod", "direction": "sideways"}),
        [("movement.direction", "Input should be")],
    ),
    (
        "unknown currency",
        movement(event_type="transaction", movement=None, transaction={"amount": "100", "currency": "XYZ"}),
        [("transaction.currency", "unknown currency code 'XYZ'")],
    ),
    (
        "negative amount",
        movement(event_type="transaction", movement=None, transaction={"amount": "-5", "currency": "USD"}),
        [("transaction.amount", "greater than or equal to 0")],
    ),
    (
        "incident without modus operandi",
        movement(event_type="incident", movement=None, incident={"modus_operandi": []}),
        [("incident.modus_operandi", "at least 1 item")],
    ),
    ("unknown event type", movement(event_type="party"), [("event_type", "Input should be 'movement', 'transaction' or 'incident'")]),
    (
        "several faults at once",
        person(names=[{"value": ""}], dates_of_birth=[{"value": "1970-13"}], nationalities=["KAZ", "QQQ"]),
        [("names[0].value", "at least 1 character"), ("dates_of_birth[0]", "month 13"), ("nationalities[1]", "'QQQ'")],
    ),
]


@pytest.mark.parametrize(("data", "expected"), [(data, expected) for _, data, expected in FAULTS], ids=[case for case, _, _ in FAULTS])
def test_a_fault_names_its_field(data: Any, expected: list[tuple[str, str]]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_record(data)
    faults = caught.value.faults
    assert [f.field for f in faults] == [field for field, _ in expected]
    for fault, (_, part) in zip(faults, expected, strict=True):
        assert part in fault.fault
        assert not fault.fault.startswith("Value error")
    assert caught.value.status == 422
    assert caught.value.as_dict()["faults"] == [{"field": f.field, "fault": f.fault} for f in faults]
    assert caught.value.message == "; ".join(f"{f.field}: {f.fault}" if f.field else f.fault for f in faults)


def test_a_person_in_several_scripts() -> None:
    record = parse_record(
        person(
            names=[
                "Раҳмонов Ҷамшед Ӯрунович",
                {"value": "Rahmonov  Jamshed", "kind": "alias", "lang": "tg"},
                {"value": "رحمانوف جمشید", "kind": "original_script"},
            ],
            nationalities=["tjk", "xxa"],
            dates_of_birth=[{"value": "1984-03-12"}, {"kind": "approximate", "value": "1983", "margin_years": 1}],
            external_refs=[{"scheme": "UN", "value": "QDi.431"}],
        )
    )
    assert isinstance(record, Person)
    assert record.kind is RecordKind.PERSON
    assert [n.script for n in record.names] == [Script.CYRILLIC, Script.LATIN, Script.ARABIC]
    assert record.names[1].value == "Rahmonov Jamshed"
    assert record.nationalities == ["TJK", "XXA"]
    assert record.external_refs[0].scheme == "un"
    assert record.label() == "Раҳмонов Ҷамшед Ӯрунович"
    assert record.search_terms() == ["Раҳмонов Ҷамшед Ӯрунович", "Rahmonov Jamshed", "رحمانوف جمشید", "QDi.431"]
    assert record.references() == []
    assert record.restriction.mode == "owner"  # nobody else sees a record unless the owner says so


def test_an_organisation() -> None:
    record = parse_record(organisation(countries=["uzb", "AFG"], organisation_kind="terrorist_group"))
    assert isinstance(record, Organisation)
    assert record.countries == ["UZB", "AFG"]
    assert record.label() == "Ҳаракати исломии Ӯзбекистон"
    assert "Islamic Movement of Uzbekistan" in record.search_terms()


def test_a_travel_document_is_normalised() -> None:
    record = parse_record(document(issuing_state="d", number="c01x-00t 47", holder_id=A, holder_name="Müller, Jörg"))
    assert isinstance(record, TravelDocument)
    assert (record.issuing_state, record.number) == ("D", "C01X00T47")
    assert record.label() == "D passport C01X00T47"
    assert record.references() == [A]
    assert record.search_terms() == ["C01X00T47", "Müller, Jörg"]


def test_a_link_points_at_both_ends() -> None:
    record = parse_record(link(valid_from="2019", valid_until="2021-06", confidence=0.7))
    assert isinstance(record, Link)
    assert record.references() == [A, B]
    assert record.label() == "member_of"


@pytest.mark.parametrize(
    ("data", "references", "label"),
    [
        (
            movement(movement={"border_post": "Fotehobod", "direction": "entry", "person_id": A, "document_id": B}),
            [A, B],
            "movement 2025-11-02",
        ),
        (
            movement(
                event_type="transaction",
                movement=None,
                occurred_on=None,
                occurred_at="2025-11-02T08:30:00+05:00",
                place="Dushanbe",
                transaction={"payer_id": A, "payee_id": C, "amount": "12500.50", "currency": "usd"},
            ),
            [A, C],
            "transaction 2025-11-02 Dushanbe",
        ),
        (
            movement(event_type="incident", movement=None, incident={"modus_operandi": ["firearms"], "involved_ids": [B, C]}),
            [B, C],
            "incident 2025-11-02",
        ),
    ],
)
def test_an_event_points_at_the_records_its_details_name(data: dict[str, Any], references: list[str], label: str) -> None:
    record = parse_record(data)
    assert isinstance(record, Event)
    assert record.references() == references
    assert record.label() == label
    if record.transaction:
        assert (record.transaction.amount, record.transaction.currency) == (Decimal("12500.50"), "USD")


@pytest.mark.parametrize(
    ("location", "prefix", "path"),
    [
        (("person", "names", 0, "value"), "", "names[0].value"),
        (("person", "dates_of_birth", 3), "", "dates_of_birth[3]"),
        (("event", "movement", "person_id"), "", "movement.person_id"),
        (("person", "nationalities", 1, "function-after[normalise_country(), str]"), "", "nationalities[1]"),
        (("person", "names", 0, "value"), "records[7]", "records[7].names[0].value"),
        (("kind",), "", "kind"),
        ((), "", ""),
    ],
)
def test_field_path(location: tuple[int | str, ...], prefix: str, path: str) -> None:
    assert field_path(location, prefix) == path
