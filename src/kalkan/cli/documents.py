"""Stolen and lost travel documents: ``kalkan import documents`` and ``kalkan check document``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.markup import escape

from kalkan.access.scope import Scope
from kalkan.cli.apps import app, import_app
from kalkan.cli.common import (
    current_database,
    err,
    operator_name,
    operator_scope,
    out,
    parse_agency_code,
    print_import_summary,
    progress_bar,
    settings_of,
)
from kalkan.errors import NotFound, ValidationFailed
from kalkan.io.documents import FileFormat, import_documents
from kalkan.io.summary import rejections_csv
from kalkan.screening.documents import DocumentChecker, DocumentQuery, Outcome

check_app = typer.Typer(no_args_is_help=True, help="Check travel documents against the stolen and lost ones.")
app.add_typer(check_app, name="check")


def _format_of(file: str, given: FileFormat | None) -> FileFormat:
    if given is not None:
        return given
    suffix = Path(file).suffix.lower()
    if suffix == ".csv":
        return FileFormat.CSV
    if suffix in (".jsonl", ".ndjson", ".json"):
        return FileFormat.JSONL
    raise ValidationFailed.one("--format", f"cannot tell the format of {file!r} from its name: give --format csv or --format jsonl")


@import_app.command("documents")
def import_documents_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="CSV or JSON-lines file of documents ('-': standard input, with --format).")],
    agency: Annotated[str, typer.Option(help="The agency reporting the documents (their owner).")],
    file_format: Annotated[FileFormat | None, typer.Option("--format", help="csv or jsonl (default: from the file's name).")] = None,
    strict: Annotated[bool, typer.Option(help="All or nothing: one bad line and nothing is written.")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Write the rejected lines' faults to this CSV file (line, field, reason).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per transaction (not strict).")] = 20_000,
) -> None:
    """Import stolen and lost travel documents; importing the same file again changes nothing.

    Exit status 0 when every line went in, 1 when any was rejected.
    """
    db = current_database(ctx, settings_of(ctx))
    chosen = _format_of(file, file_format)
    source: BinaryIO
    if file == "-":
        source, size = sys.stdin.buffer, None
    else:
        path = Path(file)
        if not path.is_file():
            raise NotFound(f"no file {file}")
        source, size = path.open("rb"), path.stat().st_size
    with source, rejections_csv(rejects) as on_reject, progress_bar("importing", size, in_bytes=True) as progress:
        summary = import_documents(
            db,
            parse_agency_code(agency),
            source,
            chosen,
            strict=strict,
            username=operator_name(),
            batch_size=batch_size,
            progress=progress,
            on_reject=on_reject,
        )
    print_import_summary(summary, rejects)
    if not summary.complete:
        raise typer.Exit(1)


@check_app.command("document")
def check_document_command(
    ctx: typer.Context,
    mrz: Annotated[str | None, typer.Option(help="The machine-readable zone (lines separated by a newline or run together).")] = None,
    state: Annotated[str | None, typer.Option(help="Issuing state (ISO 3166-1 alpha-3 or ICAO code).")] = None,
    document_type: Annotated[str | None, typer.Option("--type", help="passport, identity_card, visa... (default: any).")] = None,
    number: Annotated[str | None, typer.Option(help="Document number.")] = None,
    as_agency: Annotated[str | None, typer.Option(help="Check as this agency sees the records (default: the secretariat).")] = None,
) -> None:
    """Check one document; exit status 0 for no hit, 3 for a hit or a possible hit."""
    if mrz is not None:
        if state or number or document_type:
            raise ValidationFailed.one("--mrz", "give either --mrz or --state and --number, not both")
        query = DocumentQuery.from_mrz(mrz)
    elif state is None or number is None:
        raise ValidationFailed.one("--number" if state else "--state", "give --mrz, or --state and --number")
    else:
        query = DocumentQuery.of(state, number, document_type)
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    checker = DocumentChecker(db, index_dir=settings.index_dir)
    with db.transaction() as conn:
        operator = operator_scope(conn)
        scope = Scope.system(parse_agency_code(as_agency), username=operator.username) if as_agency else operator
        (result,) = checker.check(conn, scope, [query])
    for fault in query.mrz_faults:
        err.print(f"[yellow]zone:[/yellow] {escape(fault)}")
    label = f"{query.issuing_state} {query.document_type or 'any type'} {query.number}"
    if result.outcome is Outcome.NO_HIT:
        out.print(f"[green]no hit[/green] for {escape(label)}")
        return
    for hit in result.hits:
        kind = "[red]HIT[/red]" if hit.outcome is Outcome.HIT else "[yellow]possible hit[/yellow]"
        candidate = hit.candidate
        if candidate.detail is None:
            out.print(f"{kind}: restricted record: contact agency {escape(candidate.owner)}")
            continue
        why = f" ({', '.join(hit.differences)})" if hit.differences else ""
        span = f" to {candidate.range_end}" if candidate.range_end else ""
        reported = candidate.detail.reported_on.isoformat() if candidate.detail.reported_on else "date not given"
        out.print(
            f"{kind}{why}: {escape(candidate.issuing_state)} {escape(candidate.document_type)} {escape(candidate.number + span)} "
            f"{escape(candidate.detail.document_status)}, reported by {escape(candidate.owner)} ({reported}); record {candidate.ref}"
        )
    raise typer.Exit(3)
