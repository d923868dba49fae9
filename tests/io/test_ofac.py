"""OFAC's SDN list: remarks read into fields, alt.csv and add.csv, idempotent import, cancellation, bad files."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kalkan.io.list_entries import ListImportSummary, ListItem, MalformedList
from kalkan.io.list_import import ListImportOptions
from kalkan.io.ofac import SCHEME, import_ofac, read_ofac
from kalkan.io.ofac_remarks import date_of_birth, natural_order
from kalkan.io.un_sc import import_un_sc
from kalkan.model.records import RecordStatus
from kalkan.store.database import Database
from tests import factories
from tests.io.list_support import counts, data, dump, held, names

AGENCY = "UZ-NCB"
SDN = data("ofac_sdn.csv")


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=())


def _items(sdn: bytes = SDN, **files: bytes) -> tuple[dict[str, ListItem], ListImportSummary]:
    summary = ListImportSummary("ofac")
    streams = {name: io.BytesIO(content) for name, content in files.items()}
    items = read_ofac(io.BytesIO(sdn), summary, **streams)
    return {i.key: i for i in items}, summary


def _import(db: Database, sdn: bytes = SDN, agency: str = AGENCY, strict: bool = False, **files: bytes) -> ListImportSummary:
    streams = {name: io.BytesIO(content) for name, content in files.items()}
    return import_ofac(db, agency, io.BytesIO(sdn), options=ListImportOptions(strict=strict), **streams)


def _without(sdn: bytes, ent_num: str) -> bytes:
    return b"\r\n".join(line for line in sdn.split(b"\r\n") if not line.startswith(ent_num.encode() + b","))


# -- what is read --------------------------------------------------------------


def test_individuals_and_entities_are_read_vessels_and_aircraft_skipped() -> None:
    items, summary = _items()
    assert sorted(items, key=int) == ["306", "7848", "11440", "11949", "12057", "20883", "44442", "46789"]
    assert summary.entries == 10
    assert dict(summary.skipped) == {
        "vessel (neither a person nor an organisation)": 1,
        "aircraft (neither a person nor an organisation)": 1,
    }
    assert {k: i.fields["kind"] for k, i in items.items() if i.fields["kind"] == "organisation"} == {
        "306": "organisation",
        "11440": "organisation",
    }


def test_remarks_give_aliases_dates_places_nationality_gender_and_documents() -> None:
    ahmed = _items()[0]["44442"]
    assert ahmed.fields["names"] == [{"value": "Ameen AHMED", "kind": "primary"}]
    assert ahmed.fields["dates_of_birth"] == [{"value": "1987-04-28"}]
    assert ahmed.fields["places_of_birth"] == ["Gaafu Dhaalu Atoll, Rathafandhoo, Maldives"]
    assert ahmed.fields["nationalities"] == ["MDV"]
    assert ahmed.fields["gender"] == "male"
    assert ahmed.fields["categories"] == ["terrorism"]  # program SDGT
    assert ahmed.fields["remarks"].startswith("DOB 28 Apr 1987; POB Gaafu Dhaalu Atoll")
    assert [(d.key, d.fields["document_type"], d.fields["number"], d.fields.get("expires_on")) for d in ahmed.attached] == [
        ("44442#passport:MDV:E0470542", "passport", "E0470542", "2018-12-04"),
        ("44442#identity_card:MDV:A147231", "identity_card", "A147231", None),
    ]
    assert {d.fields["document_status"] for d in ahmed.attached} == {"holder_listed"}


def test_aliases_in_the_remarks_turn_to_natural_order() -> None:
    geetere = _items()[0]["46789"]
    assert geetere.fields["names"] == [
        {"value": "Hans DE GEETERE", "kind": "primary"},
        {"value": "Hmch DE GEETERE", "kind": "alias"},  # a.k.a. 'DE GEETERE, Hmch'
        {"value": "Dick Boss", "kind": "alias"},
    ]
    assert geetere.fields["nationalities"] == ["BEL"]


def test_date_ranges_circa_and_month_precision() -> None:
    items = _items()[0]
    assert items["12057"].fields["dates_of_birth"] == [
        {"kind": "range", "value": "1951", "until": "1953"},
        {"kind": "range", "value": "1960", "until": "1962"},
        {"value": "1961-04"},
        {"value": "1953"},
    ]
    assert items["12057"].fields["places_of_birth"] == ["Najaf, Iraq", "Tehran, Iran"]
    assert items["7848"].fields["dates_of_birth"] == [{"kind": "approximate", "value": "1942", "margin_years": 1}]
    assert items["7848"].fields["names"][1:] == [{"value": "ABU BRAYS", "kind": "alias"}, {"value": "ABU AHMAD", "kind": "alias"}]


def test_entity_aliases_stay_as_written_and_programs_are_described() -> None:
    cartel = _items()[0]["11440"]
    assert cartel.fields["names"] == [
        {"value": "SINALOA CARTEL", "kind": "primary"},
        {"value": "MEXICAN FEDERATION", "kind": "alias"},  # f.k.a.
        {"value": "GUADALAJARA CARTEL", "kind": "alias"},
    ]
    assert cartel.fields["descriptions"] == ["OFAC SDN list, programs SDNTK, ILLICIT-DRUGS-EO14059"]


def test_passport_without_a_country_is_kept_as_text() -> None:
    zayniyah = _items()[0]["20883"]
    assert zayniyah.attached == []
    assert "document as listed: Passport 3987189" in zayniyah.fields["descriptions"]
    assert [n.field for n in zayniyah.notes] == ["Remarks: Passport"]


CASES_DOB: list[tuple[str, dict[str, Any] | None]] = [
    ("13 Sep 1972", {"value": "1972-09-13"}),
    ("Sep 1972", {"value": "1972-09"}),
    ("1972", {"value": "1972"}),
    ("circa 1972", {"kind": "approximate", "value": "1972", "margin_years": 1}),
    ("01 Jan 1960 to 31 Dec 1962", {"kind": "range", "value": "1960-01-01", "until": "1962-12-31"}),
    ("1962 to 1960", None),
    ("31 Feb 1972", None),
    ("unknown", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES_DOB)
def test_ofac_dates_of_birth(text: str, expected: dict[str, Any] | None) -> None:
    assert date_of_birth(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("SOTO PARRA, Miguel Angel", "Miguel Angel SOTO PARRA"), ("BANCO NACIONAL DE CUBA", "BANCO NACIONAL DE CUBA"), ("A, B, C", "A, B, C")],
)
def test_natural_order(name: str, expected: str) -> None:
    assert natural_order(name) == expected


def test_alt_and_add_files_add_aliases_and_addresses() -> None:
    items, summary = _items(data("ofac_2019_sdn.csv"), alt=data("ofac_2019_alt.csv"), add=data("ofac_2019_add.csv"))
    bank = items["306"]
    assert bank.fields["names"] == [
        {"value": "BANCO NACIONAL DE CUBA", "kind": "primary"},
        {"value": "NATIONAL BANK OF CUBA", "kind": "alias"},  # alt.csv
        {"value": "BNC", "kind": "alias"},  # remarks
    ]
    assert bank.fields["addresses"] == [
        "Zweierstrasse 35, Zurich CH-8022, Switzerland",
        "Avenida de Concha Espina 8, Madrid E-28036, Spain",
        "Dai-Ichi Bldg. 6th Floor, 10-2 Nihombashi, 2-chome, Chuo-ku, Tokyo 103, Japan",
        "Federico Boyd Avenue & 51 Street, Panama City, Panama",
    ]
    assert bank.fields["countries"] == ["CHE", "ESP", "JPN", "PAN"]
    assert items["36"].fields["addresses"] == ["Havana, Cuba"]
    assert summary.entries == 3


# -- importing -----------------------------------------------------------------


def test_import_is_idempotent_and_links_documents(db: Database, world: factories.World) -> None:
    summary = _import(db)
    assert (summary.created, summary.updated, summary.unchanged, summary.cancelled, summary.rejected_entries) == (12, 0, 0, 0, 0)
    records = held(db, AGENCY, SCHEME)
    assert names(records["46789"])[0] == ("Hans DE GEETERE", "primary")
    passport = records["46789#passport:BEL:EN985009"]
    assert dump(passport, "holder_id", "issuing_state", "expires_on", "holder_name") == {
        "holder_id": records["46789"].id,
        "issuing_state": "BEL",
        "expires_on": "2023-07-26",
        "holder_name": "Hans DE GEETERE",
    }
    before = counts(db)
    again = _import(db)
    assert (again.created, again.updated, again.unchanged, again.cancelled) == (0, 0, 12, 0)
    assert counts(db) == before


def test_removed_entries_are_cancelled_but_not_another_lists(db: Database, world: factories.World) -> None:
    _import(db)
    import_un_sc(db, AGENCY, io.BytesIO(data("un_consolidated.xml")))
    summary = _import(db, _without(SDN, "44442"))
    assert summary.cancelled == 3  # the person and the two documents
    ofac = held(db, AGENCY, SCHEME)
    assert {k for k, r in ofac.items() if r.status is RecordStatus.CANCELLED} == {
        "44442",
        "44442#passport:MDV:E0470542",
        "44442#identity_card:MDV:A147231",
    }
    assert {r.status for r in held(db, AGENCY, "un").values()} == {RecordStatus.ACTIVE}


def test_a_re_listed_entry_reinstates_its_cancelled_record(db: Database, world: factories.World) -> None:
    first = _import(db)
    _import(db, _without(SDN, "11949"))
    summary = _import(db)
    assert (summary.rejected_entries, summary.reinstated) == (0, 1)
    assert summary.created == 0
    assert held(db, AGENCY, SCHEME)["11949"].status is RecordStatus.ACTIVE
    after = _import(db)
    assert (after.created, after.updated, after.reinstated, after.cancelled) == (0, 0, 0, 0)
    assert after.unchanged == first.created


# -- bad files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda x: x[: x.index(b"Gaafu")], r"sdn.csv line 9: not a well-formed CSV row .*truncated"),
        (lambda x: x.replace(b"Deinze", b"De\xe9nze"), "sdn.csv is not UTF-8: byte 0xe9"),
        (lambda x: x.replace(b'"SDNTK",-0- ,-0- ', b'"SDNTK",-0- '), "sdn.csv line 5: 11 columns, but the layout has 12"),
        (lambda x: b"ent_num,name\r\n1,X\r\n", "line 2: 2 columns"),
    ],
)
def test_a_damaged_file_is_refused_whole(db: Database, world: factories.World, damage: Any, message: str) -> None:
    _import(db)
    before = counts(db)
    with pytest.raises(MalformedList, match=message):
        _import(db, damage(SDN))
    assert counts(db) == before


def test_a_damaged_alt_file_is_refused(db: Database, world: factories.World) -> None:
    with pytest.raises(MalformedList, match=r"alt\.csv line 2: 3 columns, but the layout has 5"):
        _import(db, data("ofac_2019_sdn.csv"), alt=b'36,12,"aka","AERO-CARIBBEAN",-0- \r\n173,57,"aka"\r\n')
    assert counts(db)[0] == 0


def test_entry_without_a_name_is_rejected_strict_writes_nothing(db: Database, world: factories.World) -> None:
    nameless = SDN.replace(b'"AHMED, Ameen"', b'""')
    summary = _import(db, nameless)
    assert [str(f) for f in summary.rejected] == ["sdn.csv line 9 (ent_num 44442): SDN_Name: the entry has no name"]
    assert "44442" not in held(db, AGENCY, SCHEME)
    assert "44442#passport:MDV:E0470542" not in held(db, AGENCY, SCHEME)
    assert summary.created == 9
    before = counts(db)
    strict = _import(db, nameless, agency="KZ-NCB", strict=True)
    assert strict.rolled_back
    assert strict.rejected_entries == 1
    assert counts(db) == before
    assert held(db, "KZ-NCB", SCHEME) == {}
