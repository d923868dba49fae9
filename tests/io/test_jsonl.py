"""Kalkan's JSON-lines records: export, idempotent import, strict and non-strict modes, bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.io.jsonl import EXPORT_ORDER, METADATA_KEYS, export_records, import_records
from kalkan.io.summary import ImportSummary, Rejection
from kalkan.io.writer import NO_KEY
from kalkan.store.database import Database
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.tables import change_log, records
from tests import factories

AGENCY = "UZ-NCB"


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR,))


def _person(ref: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "person",
        "external_refs": [{"scheme": "case", "value": ref}],
        "names": [{"value": "Karimov Rustam Akmalovich"}, {"value": "Каримов Рустам Акмалович", "kind": "original_script"}],
        "gender": "male",
        "dates_of_birth": [{"value": "1987-04"}, {"kind": "approximate", "value": "1986", "margin_years": 2}],
        "nationalities": ["UZB"],
        "restriction": {"mode": "all"},
    }
    data.update(overrides)
    return data


def _jsonl(*lines: dict[str, Any] | str) -> bytes:
    return b"".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)).encode() + b"\n" for line in lines)


def _import(db: Database, data: bytes, agency: str = AGENCY, **options: Any) -> ImportSummary:
    return import_records(db, agency, io.BytesIO(data), **options)


def _table_counts(db: Database) -> tuple[int, int]:
    with db.transaction() as conn:
        count_records = conn.execute(select(func.count()).select_from(records)).scalar_one()
        count_changes = conn.execute(select(func.count()).select_from(change_log)).scalar_one()
    return int(count_records), int(count_changes)


def _own_records(db: Database, agency: str = AGENCY) -> dict[str, Any]:
    with db.transaction() as conn:
        found = RecordStore(conn, Scope.system(agency)).find(RecordFilter(owner=agency, status=None), limit=1000)
    return {r.id: r for r in found}


def _without_metadata(line: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(line)
    return {key: value for key, value in data.items() if key not in METADATA_KEYS}


def _populate(db: Database, world: factories.World) -> None:
    editor = world.scope(AGENCY, Role.EDITOR)
    with db.transaction() as conn:
        store = RecordStore(conn, editor)
        person = store.create(factories.person(external_refs=[{"scheme": "case", "value": "UZ-1"}]))
        group = store.create(factories.organisation(restriction={"mode": "except", "agencies": ["KZ-NCB"]}))
        document = store.create(factories.travel_document(holder_id=person.id, holder_name="JALOLOV AZIZ"))
        store.create(factories.link(person.id, group.id, valid_from="2019-06"))
        store.create(factories.event(person.id, movement={"border_post": "Oybek", "direction": "exit", "document_id": document.id}))
        store.create(
            factories.event(
                event_type="transaction",
                movement=None,
                transaction={"payer_id": person.id, "payee_id": group.id, "amount": "1250.50", "currency": "usd"},
            )
        )
        other = RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR))
        other.create(factories.person(names=["Secret Person"], restriction={"mode": "owner"}))
        other.create(factories.travel_document(number="N12345678", issuing_state="KAZ"))


def test_export_imports_into_a_fresh_database_unchanged(db: Database, fresh_db: Database, world: factories.World) -> None:
    _populate(db, world)
    out = io.StringIO()
    with db.transaction() as conn:
        count = export_records(RecordStore(conn, Scope.system(AGENCY)), out)
    lines = out.getvalue().splitlines()
    assert count == len(lines) == 7  # KZ-NCB's owner-only person is not UZ-NCB's to see
    assert all("Secret Person" not in line for line in lines)
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds == sorted(kinds, key=[kind.value for kind in EXPORT_ORDER].index)  # a record after those it points to
    assert {"owner", "version", "review_date", "review_overdue"} <= json.loads(lines[0]).keys()

    factories.build_world(fresh_db, roles=(Role.ANALYST,))
    summary = _import(fresh_db, out.getvalue().encode())
    assert (summary.created, summary.rejected) == (7, [])

    again = io.StringIO()
    with fresh_db.transaction() as conn:
        export_records(RecordStore(conn, Scope.system(AGENCY)), again)
    assert [_without_metadata(line) for line in again.getvalue().splitlines()] == [_without_metadata(line) for line in lines]


def test_importing_the_same_file_again_changes_nothing(db: Database, world: factories.World) -> None:
    two_refs = _person("UZ-2", external_refs=[{"scheme": "un", "value": "QDi.431"}, {"scheme": "case", "value": "UZ-2"}])
    data = _jsonl(_person("UZ-1"), two_refs, factories.organisation().model_dump(mode="json") | {"id": "ab" * 16})
    first = _import(db, data)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    versions = {rid: r.version for rid, r in _own_records(db).items()}
    counts = _table_counts(db)

    second = _import(db, data)
    assert (second.created, second.updated, second.unchanged, second.rejected_lines) == (0, 0, 3, 0)
    assert {rid: r.version for rid, r in _own_records(db).items()} == versions
    assert _table_counts(db) == counts


def test_a_line_updates_the_record_its_reference_names(db: Database, world: factories.World) -> None:
    _import(db, _jsonl(_person("UZ-1"), _person("UZ-2")))
    summary = _import(db, _jsonl(_person("UZ-1", gender="unknown", warnings=["armed"]), _person("UZ-2")))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    changed = [r for r in _own_records(db).values() if r.version == 2]
    assert len(changed) == 1
    assert changed[0].gender == "unknown"
    assert changed[0].warnings == ["armed"]


def test_a_line_with_an_id_of_the_agency_updates_that_record(db: Database, world: factories.World) -> None:
    record_id = "c0ffee" + "0" * 26
    document = factories.travel_document().model_dump(mode="json", exclude_none=True)
    _import(db, _jsonl(document | {"id": record_id}))
    summary = _import(db, _jsonl(document | {"id": record_id, "document_status": "lost"}))
    assert summary.updated == 1
    assert _own_records(db)[record_id].document_status == "lost"


def test_a_line_with_another_agencys_id_is_rejected(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        theirs = RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).create(factories.person())
    summary = _import(db, _jsonl(_person("UZ-1", id=theirs.id)))
    assert summary.rejected == [
        Rejection(1, "id", f"record {theirs.id} belongs to another agency; leave the id out to create a new record")
    ]


def test_references_naming_two_records_are_rejected(db: Database, world: factories.World) -> None:
    _import(db, _jsonl(_person("UZ-1"), _person("UZ-2")))
    both = _person("UZ-1", external_refs=[{"scheme": "case", "value": "UZ-1"}, {"scheme": "case", "value": "UZ-2"}])
    summary = _import(db, _jsonl(both))
    assert summary.created == summary.updated == 0
    assert [(r.line, r.field) for r in summary.rejected] == [(1, "external_refs")]
    assert "different records" in summary.rejected[0].reason


def test_strict_import_writes_nothing_when_one_line_is_bad(db: Database, world: factories.World) -> None:
    data = _jsonl(_person("UZ-1"), _person("UZ-2"), _person("UZ-3", nationalities=["XYZ"]), _person("UZ-4", gender="robot"))
    before = _table_counts(db)
    summary = _import(db, data, strict=True)
    assert summary.rolled_back
    assert (summary.created, summary.rejected_lines) == (0, 2)
    assert [(r.line, r.field) for r in summary.rejected] == [(3, "nationalities[0]"), (4, "gender")]
    assert _table_counts(db) == before


def test_strict_import_of_good_lines_writes_them_all(db: Database, world: factories.World) -> None:
    summary = _import(db, _jsonl(_person("UZ-1"), _person("UZ-2")), strict=True)
    assert summary.complete
    assert summary.created == len(_own_records(db)) == 2


def test_non_strict_import_writes_good_lines_and_reports_bad_ones(db: Database, world: factories.World) -> None:
    reported: list[Rejection] = []
    data = _jsonl(_person("UZ-1"), _person("UZ-2", dates_of_birth=[{"value": "1990-02-30"}]), "", _person("UZ-3"), _person("UZ-4"))
    summary = _import(db, data, batch_size=2, on_reject=reported.append)
    assert (summary.lines, summary.created, summary.rejected_lines) == (4, 3, 1)
    assert reported == summary.rejected == [Rejection(2, "dates_of_birth[0]", "day 30 does not exist in 1990-02")]
    assert sorted(r.external_refs[0].value for r in _own_records(db).values()) == ["UZ-1", "UZ-3", "UZ-4"]


HUGE = "x" * (1024 * 1024 + 1)

BAD_LINES: list[tuple[bytes, str, str]] = [
    ('{"kind": "person", "names": ["Ka\xefrat"]}\n'.encode("latin-1"), "", "not valid UTF-8 (byte 0xef at column 33)"),
    (f'{{"kind": "person", "remarks": "{HUGE}"}}\n'.encode(), "", "longer than 1 MiB"),
    (b"[1, 2, 3]\n", "", "a record must be a JSON object, not an array"),
    (b'{"kind": "person", "names": ["Kar', "", "not JSON: Unterminated string starting at (column 30)"),
    (b'{"kind": "vehicle", "external_refs": [{"scheme": "case", "value": "1"}]}\n', "kind", "unknown kind 'vehicle'"),
    (_jsonl(_person("UZ-9", nationalities=["XYZ"])), "nationalities[0]", "unknown country code 'XYZ'"),
    (_jsonl(_person("UZ-9", external_refs=[])), "external_refs", NO_KEY),
    (_jsonl(_person("UZ-9", id="NOT-AN-ID")), "id", "must be 32 lower-case hexadecimal digits"),
]


@pytest.mark.parametrize(("line", "field", "reason"), BAD_LINES)
def test_a_bad_line_is_rejected_with_its_number_field_and_reason(
    db: Database, world: factories.World, line: bytes, field: str, reason: str
) -> None:
    data = _jsonl(_person("UZ-1")) + line + _jsonl(_person("UZ-2")) if line.endswith(b"\n") else _jsonl(_person("UZ-1")) + line
    summary = _import(db, data)
    assert summary.rejected_lines == 1
    rejection = summary.rejected[0]
    assert (rejection.line, rejection.field) == (2, field)
    assert reason in rejection.reason
    assert summary.created == (2 if line.endswith(b"\n") else 1)


def test_links_may_name_their_ends_by_reference(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).create(
            factories.organisation(external_refs=[{"scheme": "un", "value": "KZ"}])
        )
    group = factories.organisation(external_refs=[{"scheme": "un", "value": "QDe.088"}]).model_dump(mode="json", exclude_none=True)
    link = {"kind": "link", "link_type": "member_of", "external_refs": [{"scheme": "link", "value": "1"}], "restriction": {"mode": "all"}}
    data = _jsonl(
        _person("UZ-1"),
        group,
        link | {"source_id": "ref:case:UZ-1", "target_id": "ref:UN:QDe.088"},
        link | {"source_id": "ref:case:UZ-404", "target_id": "ref:un:KZ", "external_refs": [{"scheme": "link", "value": "2"}]},
    )
    summary = _import(db, data)
    assert summary.created == 3
    assert [(r.line, r.field) for r in summary.rejected] == [(4, "source_id"), (4, "target_id")]
    assert "no record with the reference case:UZ-404" in summary.rejected[0].reason
    by_kind = {r.kind: r for r in _own_records(db).values()}
    assert (by_kind["link"].source_id, by_kind["link"].target_id) == (by_kind["person"].id, by_kind["organisation"].id)


def test_progress_reports_every_byte_read(db: Database, world: factories.World) -> None:
    data = _jsonl(*(_person(f"UZ-{i}") for i in range(5)))
    seen: list[int] = []
    _import(db, data, progress=seen.append)
    assert seen[-1] == len(data)


def test_windows_line_breaks_and_a_byte_order_mark_are_read(db: Database, world: factories.World) -> None:
    data = b"\xef\xbb\xbf" + _jsonl(_person("UZ-1")).replace(b"\n", b"\r\n") + _jsonl(_person("UZ-2")).replace(b"\n", b"\r\n")
    summary = _import(db, data)
    assert (summary.created, summary.rejected) == (2, [])


def test_an_imported_record_keeps_the_review_date_it_carries(db: Database, world: factories.World) -> None:
    summary = _import(db, _jsonl(_person("UZ-1", review_date="2027-01-31"), _person("UZ-2")))
    assert (summary.created, summary.rejected) == (2, [])
    by_ref = {r.external_refs[0].value: r for r in _own_records(db).values()}
    assert by_ref["UZ-1"].review_date.isoformat() == "2027-01-31"
    assert (by_ref["UZ-2"].review_date - by_ref["UZ-2"].created_at.date()).days == 5 * 365
