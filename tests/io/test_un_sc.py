"""The UN Security Council consolidated list: parsed fields, idempotent import, cancellation, bad files."""

from __future__ import annotations

import io
import re

import pytest

from kalkan.access.scope import Scope
from kalkan.io.list_entries import ListImportSummary, ListItem, MalformedList
from kalkan.io.list_import import ListImportOptions
from kalkan.io.un_sc import SCHEME, import_un_sc, read_un_sc
from kalkan.model.records import RecordStatus
from kalkan.model.restriction import Restriction, RestrictionMode
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from tests import factories
from tests.io.list_support import counts, data, dump, held, names

AGENCY = "UZ-NCB"
XML = data("un_consolidated.xml")


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=())


def _items() -> dict[str, ListItem]:
    return {item.key: item for item in read_un_sc(io.BytesIO(XML))}


def _import(db: Database, xml: bytes, agency: str = AGENCY, **options: object) -> ListImportSummary:
    return import_un_sc(db, agency, io.BytesIO(xml), ListImportOptions(**options))  # type: ignore[arg-type]


def _without(xml: bytes, reference: str) -> bytes:
    text = xml.decode()
    entries = re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", text, re.S)
    (entry,) = [e for e in entries if f"<REFERENCE_NUMBER>{reference}<" in e]
    return text.replace(entry, "").encode()


# -- what is read --------------------------------------------------------------


def test_reads_every_individual_and_entity() -> None:
    summary = ListImportSummary("un")
    items = list(read_un_sc(io.BytesIO(XML), summary))
    assert [i.key for i in items] == ["CDi.003", "CDi.014", "CDi.019", "CDi.021", "CDi.030", "IQi.001", "IQi.002", "CDe.001"]
    assert summary.entries == 8
    assert all(not i.faults for i in items)


def test_arabic_original_script_name_and_alias_quality() -> None:
    saddam = _items()["IQi.001"]
    assert saddam.fields["names"] == [
        {"value": "SADDAM HUSSEIN AL-TIKRITI", "kind": "primary"},
        {"value": "صدام حسين التكريتي", "kind": "original_script"},
        {"value": "Abu Ali", "kind": "weak_alias"},  # QUALITY Low
    ]
    assert saddam.fields["dates_of_birth"] == [{"value": "1937-04-28"}]
    assert saddam.fields["places_of_birth"] == ["al-Awja, near Tikrit, Iraq"]
    assert saddam.fields["nationalities"] == ["IRQ"]
    assert saddam.fields["gender"] == "unknown"
    assert saddam.fields["descriptions"] == ["UN Security Council sanctions list Iraq, listed on 2003-06-27"]


def test_good_aliases_are_aliases_and_low_ones_weak() -> None:
    gaston = _items()["CDi.003"]
    assert gaston.fields["names"] == [
        {"value": "GASTON IYAMUREMYE", "kind": "primary"},
        {"value": "Rumuli", "kind": "weak_alias"},
        {"value": "Byiringiro Victor Rumuli", "kind": "alias"},
        {"value": "Victor Rumuri", "kind": "alias"},
        {"value": "Michel Byiringiro", "kind": "alias"},
    ]
    assert gaston.fields["gender"] == "male"
    assert gaston.fields["nationalities"] == ["RWA"]
    assert gaston.fields["places_of_birth"] == ["Musanze District, Northern Province, Rwanda", "Ruhengeri, Rwanda"]
    assert gaston.fields["addresses"] == ["North Kivu Province, Democratic Republic of the Congo (as of June 2016)"]
    assert "designation: FDLR Interim President" in gaston.fields["descriptions"]


@pytest.mark.parametrize(
    ("reference", "dates"),
    [
        ("CDi.030", [{"kind": "range", "value": "1973", "until": "1974"}]),  # BETWEEN FROM_YEAR and TO_YEAR
        ("CDi.014", [{"value": "1962-03-17"}, {"kind": "approximate", "value": "1966", "margin_years": 1}]),  # EXACT, APPROXIMATELY
        ("IQi.002", [{"value": "1965"}, {"value": "1966"}]),  # two EXACT years
        ("CDi.019", [{"value": "1978-04-01"}, {"value": "1978"}]),
    ],
)
def test_dates_of_birth_keep_their_type(reference: str, dates: list[dict[str, object]]) -> None:
    assert _items()[reference].fields["dates_of_birth"] == dates


def test_passport_becomes_a_document_of_the_person() -> None:
    njabu = _items()["CDi.021"]
    (passport,) = njabu.attached
    assert passport.key == "CDi.021#passport:COD:OB0243318"
    assert passport.pointers == {"holder_id": "CDi.021"}
    assert passport.fields == {
        "kind": "travel_document",
        "issuing_state": "COD",  # "Democratic Republic of the Congo"
        "document_type": "passport",
        "number": "OB0243318",  # "OB 0243318"
        "document_status": "holder_listed",
        "holder_name": "FLORIBERT NGABU NJABU",
    }


def test_document_without_issuing_state_is_kept_as_text_and_noted() -> None:
    ngaruye = _items()["CDi.019"]
    assert ngaruye.attached == []
    assert "document as listed: National Identification Number 1-78-09-44621-80" in ngaruye.fields["descriptions"]
    (note,) = ngaruye.notes
    assert (note.entry, note.field) == ("INDIVIDUAL CDi.019", "INDIVIDUAL_DOCUMENT")
    assert "no issuing state" in note.reason


def test_entity_with_aka_and_fka_aliases() -> None:
    adf = _items()["CDe.001"]
    assert adf.fields["kind"] == "organisation"
    assert names_of(adf) == [
        ("ADF", "primary"),
        ("Allied Democratic Forces", "alias"),
        ("Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda", "alias"),
        ("ADF/NALU", "alias"),
        ("NALU", "alias"),
    ]
    assert adf.fields["countries"] == ["COD"]
    assert adf.fields["addresses"] == ["North Kivu, Democratic Republic of the Congo"]


def names_of(item: ListItem) -> list[tuple[str, str]]:
    return [(n["value"], n["kind"]) for n in item.fields["names"]]


# -- importing -----------------------------------------------------------------


def test_import_creates_persons_organisations_and_linked_documents(db: Database, world: factories.World) -> None:
    summary = _import(db, XML)
    assert (summary.created, summary.updated, summary.unchanged, summary.cancelled, summary.rejected_entries) == (9, 0, 0, 0, 0)
    records = held(db, AGENCY, SCHEME)
    assert set(records) == {
        "CDi.003",
        "CDi.014",
        "CDi.019",
        "CDi.021",
        "CDi.030",
        "IQi.001",
        "IQi.002",
        "CDe.001",
        "CDi.021#passport:COD:OB0243318",
    }
    saddam = records["IQi.001"]
    assert names(saddam) == [("SADDAM HUSSEIN AL-TIKRITI", "primary"), ("صدام حسين التكريتي", "original_script"), ("Abu Ali", "weak_alias")]
    assert saddam.names[1].script is not None
    assert saddam.names[1].script.value == "arabic"
    assert dump(records["CDi.030"], "dates_of_birth")["dates_of_birth"] == [
        {"kind": "range", "value": "1973", "until": "1974", "margin_years": 0}
    ]
    passport = records["CDi.021#passport:COD:OB0243318"]
    assert dump(passport, "holder_id", "number", "document_status") == {
        "holder_id": records["CDi.021"].id,
        "number": "OB0243318",
        "document_status": "holder_listed",
    }
    assert all(r.restriction.mode is RestrictionMode.ALL and r.owner == AGENCY for r in records.values())


def test_import_again_changes_nothing(db: Database, world: factories.World) -> None:
    _import(db, XML)
    before = counts(db)
    summary = _import(db, XML)
    assert (summary.created, summary.updated, summary.unchanged, summary.cancelled) == (0, 0, 9, 0)
    assert counts(db) == before


def test_a_newer_edition_updates_changes_and_cancels_entries_that_left(db: Database, world: factories.World) -> None:
    _import(db, XML)
    first = held(db, AGENCY, SCHEME)
    newer = _without(XML, "CDi.021").replace(b"<FIRST_NAME>GASTON</FIRST_NAME>", b"<FIRST_NAME>GASTON ROMAIN</FIRST_NAME>")
    summary = _import(db, newer)
    assert (summary.created, summary.updated, summary.unchanged, summary.cancelled) == (0, 1, 6, 2)
    now = held(db, AGENCY, SCHEME)
    assert now["CDi.003"].id == first["CDi.003"].id
    assert now["CDi.003"].version == 2
    assert names(now["CDi.003"])[0] == ("GASTON ROMAIN IYAMUREMYE", "primary")
    assert now["CDi.021"].status is RecordStatus.CANCELLED
    assert now["CDi.021#passport:COD:OB0243318"].status is RecordStatus.CANCELLED  # its document went with it
    assert now["IQi.001"].version == 1


def test_cancelling_is_scoped_to_the_scheme_and_the_agency(db: Database, world: factories.World) -> None:
    _import(db, XML)
    _import(db, XML, agency="KZ-NCB")
    with db.transaction() as conn:
        RecordStore(conn, Scope.system(AGENCY)).create(factories.person(external_refs=[{"scheme": "case", "value": "UZ-7"}]))
    summary = _import(db, _without(XML, "IQi.002"))
    assert summary.cancelled == 1
    assert held(db, AGENCY, SCHEME)["IQi.002"].status is RecordStatus.CANCELLED
    assert held(db, AGENCY, "case")["UZ-7"].status is RecordStatus.ACTIVE  # the agency's own case, another scheme
    assert held(db, "KZ-NCB", SCHEME)["IQi.002"].status is RecordStatus.ACTIVE  # another agency's copy of the list


def test_restriction_can_be_narrowed(db: Database, world: factories.World) -> None:
    _import(db, XML, restriction=Restriction(mode=RestrictionMode.OWNER))
    assert {r.restriction.mode for r in held(db, AGENCY, SCHEME).values()} == {RestrictionMode.OWNER}


# -- bad files and bad entries -----------------------------------------------


def test_entry_without_a_name_is_rejected_and_the_rest_goes_in(db: Database, world: factories.World) -> None:
    nameless = XML.replace(
        b"<FIRST_NAME>SADDAM</FIRST_NAME>\n      <SECOND_NAME>HUSSEIN</SECOND_NAME>\n      <THIRD_NAME>AL-TIKRITI</THIRD_NAME>", b""
    )
    assert nameless != XML
    summary = _import(db, nameless)
    assert summary.rejected_entries == 1
    assert [str(f) for f in summary.rejected] == [
        "INDIVIDUAL IQi.001: FIRST_NAME: the entry has no name (FIRST_NAME to FOURTH_NAME are empty)"
    ]
    assert "IQi.001" not in held(db, AGENCY, SCHEME)
    assert summary.created == 8


def test_a_rejected_entry_keeps_its_earlier_record(db: Database, world: factories.World) -> None:
    _import(db, XML)
    nameless = XML.replace(b"<FIRST_NAME>SADDAM</FIRST_NAME>", b"<FIRST_NAME />").replace(b"<SECOND_NAME>HUSSEIN</SECOND_NAME>", b"")
    nameless = nameless.replace(
        b"<THIRD_NAME>AL-TIKRITI</THIRD_NAME>\n      <UN_LIST_TYPE>Iraq</UN_LIST_TYPE>\n      <REFERENCE_NUMBER>IQi.001",
        b"<UN_LIST_TYPE>Iraq</UN_LIST_TYPE>\n      <REFERENCE_NUMBER>IQi.001",
    )
    summary = _import(db, nameless)
    assert summary.rejected_entries == 1
    assert summary.cancelled == 0
    assert held(db, AGENCY, SCHEME)["IQi.001"].status is RecordStatus.ACTIVE


def test_strict_import_with_a_rejected_entry_writes_nothing(db: Database, world: factories.World) -> None:
    nameless = XML.replace(b"<FIRST_NAME>ADF</FIRST_NAME>", b"<FIRST_NAME> </FIRST_NAME>")
    before = counts(db)
    summary = _import(db, nameless, strict=True)
    assert summary.rolled_back
    assert summary.created == 0
    assert [str(f) for f in summary.rejected] == ["ENTITY CDe.001: FIRST_NAME: the entry has no name"]
    assert counts(db) == before


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda x: x[: len(x) // 2], "not well-formed XML at line"),
        (lambda x: x.replace(b"Kigali", b"Kig\xffali"), "not UTF-8"),
        (lambda x: x.replace(b"<ENTITIES>", b"<ENTITIES><ENTITY>"), "mismatched tag"),
        (lambda x: b"<?xml version='1.0'?><sdnList><sdnEntry/></sdnList>", "not a UN consolidated list"),
        (lambda x: b"", "not well-formed XML"),
        (
            lambda x: (
                b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                b"<CONSOLIDATED_LIST>&lol2;</CONSOLIDATED_LIST>"
            ),
            "declares a DTD",
        ),
    ],
)
def test_a_damaged_file_is_refused_whole_and_changes_nothing(db: Database, world: factories.World, damage: object, message: str) -> None:
    _import(db, XML)
    before = counts(db)
    with pytest.raises(MalformedList, match=message):
        _import(db, damage(XML))  # type: ignore[operator]
    assert counts(db) == before
    assert all(r.status is RecordStatus.ACTIVE for r in held(db, AGENCY, SCHEME).values())


def test_a_list_with_no_entries_cancels_nothing(db: Database, world: factories.World) -> None:
    _import(db, XML)
    empty = b"<?xml version='1.0'?><CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>"
    with pytest.raises(MalformedList, match="holds no entries"):
        _import(db, empty)
    assert all(r.status is RecordStatus.ACTIVE for r in held(db, AGENCY, SCHEME).values())
