"""``kalkan screen-list``: one JSON line per good row, bad rows reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kalkan.access.roles import Role
from kalkan.cli import app
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from tests import factories


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KALKAN_MODE", "development")
    monkeypatch.setenv("KALKAN_INDEX_DIR", str(tmp_path / "index"))


def test_screen_list_writes_a_line_per_row_and_skips_bad_rows(database_url: str, db: Database, tmp_path: Path) -> None:
    world = factories.build_world(db, roles=(Role.EDITOR,))
    with db.transaction() as conn:
        store = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR))
        person = store.create(factories.person(external_refs=[{"scheme": "un", "value": "QDi.123"}])).id
        store.create(factories.person(names=[{"value": "Karimov Rustam"}], restriction={"mode": "owner"}))
    source = tmp_path / "list.csv"
    source.write_bytes(
        b"name,birth_date,flight\nZhalolov Aziz,1984,HY 601\n?!,,HY 601\nKarimov Rustam,,HY 602\n"
        + b"Bad \xff bytes,,HY 603\n"
        + "Жалолов Азиз,1984-13,HY 604\n".encode()
    )
    output = tmp_path / "out.jsonl"
    args = ["--database-url", database_url, "screen-list", str(source), "--output", str(output), "--as-agency", "KZ-NCB", "--top", "3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["row"] for line in lines] == [2, 4]
    found = lines[0]
    assert found["input"] == {"name": "Zhalolov Aziz", "birth_date": "1984", "flight": "HY 601"}
    assert found["candidates"][0]["record_id"] == person
    assert found["candidates"][0]["hit"] is True
    assert found["candidates"][0]["external_refs"] == [{"scheme": "un", "value": "QDi.123"}]
    # Karimov Rustam is the owner's alone: KZ-NCB neither sees it nor hits it.
    assert [c["record_id"] for c in lines[1]["candidates"]] in ([], [person])
    assert lines[1]["hit"] is False
    for row in ("row 3", "row 5", "row 6"):
        assert row in result.output
    assert "Screened 2 rows" in result.output


def test_a_csv_without_a_name_column_is_refused(database_url: str, db: Database, tmp_path: Path) -> None:
    factories.build_world(db, roles=(Role.EDITOR,))
    source = tmp_path / "list.csv"
    source.write_text("surname,given\nJalolov,Aziz\n", encoding="utf-8")
    args = ["--database-url", database_url, "screen-list", str(source), "--output", str(tmp_path / "o.jsonl"), "--as-agency", "KZ-NCB"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "'name'" in result.output
