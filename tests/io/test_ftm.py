"""FollowTheMoney entities: persons, organisations, documents and links; two passes; idempotency; bad lines."""

from __future__ import annotations

import io
import json

import pytest

from kalkan.io.ftm import SCHEME, import_ftm, read_ftm
from kalkan.io.list_entries import ListImportSummary, ListItem, MalformedList
from kalkan.io.list_import import ListImportOptions
from kalkan.model.records import RecordStatus
from kalkan.store.database import Database
from tests import factories
from tests.io.list_support import counts, data, dump, held, names

AGENCY = "UZ-NCB"
LINES = data("ftm_entities.jsonl")


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=())


def _items(content: bytes = LINES) -> tuple[dict[str, ListItem], ListImportSummary]:
    summary = ListImportSummary("ftm")
    return {i.key: i for i in read_ftm(io.BytesIO(content), summary)}, summary


def _import(db: Database, content: bytes = LINES, strict: bool = False) -> ListImportSummary:
    return import_ftm(db, AGENCY, io.BytesIO(content), ListImportOptions(strict=strict))


def _without(content: bytes, entity_id: str) -> bytes:
    return b"".join(line + b"\n" for line in content.splitlines() if json.loads(line)["id"] != entity_id)


def test_person_properties() -> None:
    karimov = _items()[0]["ftm-p-karimov"]
    assert karimov.fields["names"] == [
        {"value": "Rustam Akmalovich KARIMOV", "kind": "primary"},  # the caption
        {"value": "Rustam Karimov", "kind": "alias"},
        {"value": "Рустам Акмалович КАРИМОВ", "kind": "original_script"},
        {"value": "Abu Yusuf al-Uzbeki", "kind": "alias"},
        {"value": "Yusuf", "kind": "weak_alias"},
    ]
    assert karimov.fields["dates_of_birth"] == [{"value": "1987-04-12"}]
    assert karimov.fields["nationalities"] == ["UZB", "RUS"]  # nationality uz, citizenship ru
    assert karimov.fields["gender"] == "male"
    assert karimov.fields["categories"] == ["terrorism"]
    assert karimov.fields["places_of_birth"] == ["Namangan, Uzbekistan"]
    assert "position: Field commander" in karimov.fields["descriptions"]


def test_unknown_country_codes_are_kept_as_text() -> None:
    karimova = _items()[0]["ftm-p-karimova"]
    assert karimova.fields["nationalities"] == ["UZB"]
    assert karimova.fields["descriptions"] == ["nationality as listed: suhh"]
    assert [n.field for n in karimova.notes] == ["properties.nationality"]


def test_organisations_documents_and_links() -> None:
    items, summary = _items()
    assert items["ftm-o-iju"].fields["organisation_kind"] == "terrorist_group"
    assert items["ftm-c-silk"].fields["organisation_kind"] == "company"
    assert items["ftm-c-silk"].fields["countries"] == ["ARE"]
    assert items["ftm-pass-karimov"].fields == {
        "kind": "travel_document",
        "issuing_state": "UZB",
        "document_type": "passport",
        "number": "FA1234567",
        "document_status": "holder_listed",
        "holder_name": "Rustam Akmalovich KARIMOV",
        "issued_on": "2015-03-01",
        "expires_on": "2025-02-28",
    }
    assert items["ftm-id-karimov"].fields["document_type"] == "identity_card"
    links = {
        k: (i.fields["link_type"], i.pointers["source_id"], i.pointers["target_id"]) for k, i in items.items() if i.fields["kind"] == "link"
    }
    assert links == {
        "ftm-fam-1": ("family", "ftm-p-karimov", "ftm-p-karimova"),
        "ftm-mem-1": ("member_of", "ftm-p-karimov", "ftm-o-iju"),
        "ftm-own-1": ("owns", "ftm-p-karimov", "ftm-c-silk"),
        "ftm-dir-1": ("leader_of", "ftm-p-karimova", "ftm-c-silk"),
        "ftm-assoc-1": ("associate_of", "ftm-p-karimov", "ftm-p-not-in-file"),
    }
    assert items["ftm-mem-1"].fields["valid_from"] == "2012"
    assert dict(summary.skipped) == {"schema Address": 1, "schema Sanction": 1}
    # persons and organisations come first, though the passport is the file's first line
    assert list(items).index("ftm-pass-karimov") > list(items).index("ftm-c-silk")


def test_import_links_both_ends_and_skips_links_to_entities_not_in_the_file(db: Database, world: factories.World) -> None:
    summary = _import(db)
    assert (summary.created, summary.rejected_entries) == (10, 0)
    assert summary.skipped["link whose other end is not in the list"] == 1
    records = held(db, AGENCY, SCHEME)
    assert "ftm-assoc-1" not in records
    assert dump(records["ftm-fam-1"], "source_id", "target_id", "link_type", "remarks") == {
        "source_id": records["ftm-p-karimov"].id,
        "target_id": records["ftm-p-karimova"].id,
        "link_type": "family",
        "remarks": "relationship: spouse",
    }
    assert dump(records["ftm-pass-karimov"], "holder_id")["holder_id"] == records["ftm-p-karimov"].id
    assert names(records["ftm-o-iju"])[0] == ("Islamic Jihad Union", "primary")
    before = counts(db)
    again = _import(db)
    assert (again.created, again.updated, again.unchanged, again.cancelled) == (0, 0, 10, 0)
    assert counts(db) == before


def test_an_entity_gone_from_the_file_is_cancelled_with_its_links(db: Database, world: factories.World) -> None:
    _import(db)
    summary = _import(db, _without(_without(LINES, "ftm-o-iju"), "ftm-mem-1"))
    assert summary.cancelled == 2
    records = held(db, AGENCY, SCHEME)
    assert records["ftm-o-iju"].status is RecordStatus.CANCELLED
    assert records["ftm-mem-1"].status is RecordStatus.CANCELLED
    assert records["ftm-p-karimov"].status is RecordStatus.ACTIVE


def test_an_entity_without_a_name_is_rejected_with_its_documents_and_links(db: Database, world: factories.World) -> None:
    nameless = LINES.replace(b'"name": ["Dilnoza KARIMOVA"]', b'"name": []').replace(b'"caption": "Dilnoza KARIMOVA", ', b"")
    assert nameless != LINES
    summary = _import(db, nameless)
    assert [str(f) for f in summary.rejected] == [
        "line 3 (Person ftm-p-karimova): properties.name: the entity has no name",
        "line 7 (Family ftm-fam-1): target_id: points to ftm-p-karimova, which was rejected",
        "line 10 (Directorship ftm-dir-1): source_id: points to ftm-p-karimova, which was rejected",
    ]
    strict = import_ftm(db, "KZ-NCB", io.BytesIO(nameless), ListImportOptions(strict=True))
    assert strict.rolled_back
    assert held(db, "KZ-NCB", SCHEME) == {}


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda x: x[: len(x) - 40], r"line 13: not JSON .*truncated"),
        (lambda x: x.replace(b"Namangan", b"Naman\xffgan"), "line 2: not valid UTF-8"),
        (lambda x: x + b"[1, 2\n", "line 14: not JSON"),
    ],
)
def test_a_damaged_file_is_refused_whole(db: Database, world: factories.World, damage: object, message: str) -> None:
    with pytest.raises(MalformedList, match=message):
        _import(db, damage(LINES))  # type: ignore[operator]
    assert counts(db)[0] == 0


def test_a_line_that_is_json_but_no_entity_is_rejected() -> None:
    items, _ = _items(LINES + b'{"schema": "Person", "properties": {"name": "X"}}\n')
    (bad,) = [i for i in items.values() if i.faults]
    assert [(f.field, f.reason) for f in bad.faults] == [("id", "missing"), ("properties", "must map each property to a list of texts")]
