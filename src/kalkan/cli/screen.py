"""``kalkan screen-list INPUT.csv --output RESULTS.jsonl``: screen a whole list of names.

The CSV's header names any of ``name, birth_date, nationality, gender, document_number``
(``name`` is required; other columns are carried through). One JSON line is written per
row screened: the row's number and columns, and its top candidates (record id, external
references, score, hit, explanation). A bad row (no name, a name of only punctuation, a
date that does not parse, bytes that are not UTF-8) is reported on standard error and
skipped; the rest of the list is screened. Rows are checked in batches of up to 1,000, each
batch one audit entry, as the agency given by ``--as-agency`` sees the records.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.markup import escape

from kalkan.access.scope import Scope
from kalkan.cli.apps import app
from kalkan.cli.common import current_database, err, operator_scope, out, parse_agency_code, progress_bar, settings_of
from kalkan.errors import ValidationFailed
from kalkan.model.countries import normalise_country
from kalkan.model.dates import FlexibleDate
from kalkan.screening.names import MAX_BATCH, CheckResult, NameQuery, NameScreening, prepare_queries
from kalkan.store import agencies

COLUMNS: Final = ("name", "birth_date", "nationality", "gender", "document_number")
PRINTED_PROBLEMS: Final = 20


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """(row number, columns, problem) for each data row; the header must name ``name``."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.DictReader(text)
        header = reader.fieldnames or []
        if "name" not in [column.strip().lower() for column in header]:
            raise ValidationFailed.one("header", f"the first line of {path} must name the columns, 'name' among them; it names {header}")
        for number, row in enumerate(reader, start=2):
            clean = {str(key).strip().lower(): (value or "") for key, value in row.items() if key is not None}
            bad = [key for key, value in clean.items() if any("\udc80" <= char <= "\udcff" for char in value)]
            if bad:
                yield number, None, f"column {bad[0]!r} is not UTF-8 text"
            elif None in row:
                yield number, None, "more fields than the header names"
            else:
                yield number, clean, None


def _query(row: dict[str, str]) -> NameQuery:
    try:
        birth = FlexibleDate.model_validate(row["birth_date"].strip()) if row.get("birth_date", "").strip() else None
    except ValueError as error:
        raise ValidationFailed.one("birth_date", str(error).splitlines()[-1].strip()) from None
    nationality = row.get("nationality", "").strip()
    try:
        country = normalise_country(nationality) if nationality else None
    except ValueError as error:
        raise ValidationFailed.one("nationality", str(error)) from None
    gender = row.get("gender", "").strip().lower()
    gender = {"m": "male", "f": "female"}.get(gender, gender)
    number = row.get("document_number", "").strip()
    return NameQuery((row["name"],), birth, country, gender or None, (number,) if number else ())


def _line(number: int, row: dict[str, str], result: CheckResult) -> str:
    candidates = [
        {
            "record_id": c.record_id,
            "label": c.label,
            "owner": c.owner,
            "external_refs": [{"scheme": scheme, "value": value} for scheme, value in c.external_refs],
            "score": c.score,
            "hit": c.hit,
            "explanation": c.explanation,
        }
        for c in result.candidates
    ]
    payload: dict[str, Any] = {"row": number, "input": row, "hit": result.hit, "candidates": candidates}
    if result.contact_agencies:
        payload["contact_agencies"] = list(result.contact_agencies)
    return json.dumps(payload, ensure_ascii=False)


@app.command("screen-list")
def screen_list(
    ctx: typer.Context,
    input_file: Annotated[
        Path, typer.Argument(metavar="INPUT.csv", help="CSV with a header: name, birth_date, nationality, gender, document_number.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write one JSON line per row.")],
    as_agency: Annotated[str, typer.Option("--as-agency", help="Screen as this agency sees the records.")],
    top: Annotated[int, typer.Option(min=1, max=100, help="Candidates per row.")] = 5,
    kind: Annotated[str, typer.Option(help="person or organisation.")] = "person",
) -> None:
    """Screen every row of a CSV list against the persons (or organisations) by name."""
    if kind not in ("person", "organisation"):
        raise ValidationFailed.one("--kind", "must be person or organisation")
    if not input_file.is_file():
        raise ValidationFailed.one("INPUT.csv", f"there is no file {input_file}")
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    screening = NameScreening(db, settings.index_dir)
    with db.transaction() as conn:
        operator = operator_scope(conn)
        scope = Scope.system(agencies.get_agency(conn, parse_agency_code(as_agency)).code, username=operator.username)
    err.print("Loading the name index...")
    screening.index()
    total = sum(1 for _ in _rows(input_file))
    screened = problems = hits = 0
    batch: list[tuple[int, dict[str, str], NameQuery]] = []

    def flush(sink: Any) -> None:
        nonlocal screened, hits
        if not batch:
            return
        with db.transaction() as conn:
            results = screening.check(conn, scope, [query for _, _, query in batch], kind=kind, top=top)
        for (number, row, _), result in zip(batch, results, strict=True):
            sink.write(_line(number, row, result) + "\n")
            hits += result.hit
        screened += len(batch)
        batch.clear()

    with output.open("w", encoding="utf-8") as sink, progress_bar("Screening", total, in_bytes=False) as advance:
        for done, (number, row, problem) in enumerate(_rows(input_file), start=1):
            if problem is None and row is not None:
                try:
                    query = _query(row)
                    prepare_queries([query], kind)
                    batch.append((number, row, query))
                except ValidationFailed as error:
                    problem = error.message.replace("queries[0].", "")
            if problem is not None:
                problems += 1
                if problems <= PRINTED_PROBLEMS:
                    err.print(f"[red]row {number}:[/red] {escape(problem)} (skipped)")
            if len(batch) >= MAX_BATCH:
                flush(sink)
            if advance:
                advance(done)
        flush(sink)
    out.print(f"Screened {screened} rows: {hits} with a hit; {problems} rows skipped. Results in {output}.")
    screening.save()
