"""Stolen and lost travel documents: ``kalkan import documents``, ``kalkan documents cancel``,
``kalkan check document`` and ``kalkan index documents``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.markup import escape

from kalkan.access.scope import Scope
from kalkan.cli.apps import app, import_app
from kalkan.cli.common import (
    PRINTED_REJECTIONS,
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
from kalkan.errors import ConfigurationError, NotFound, ValidationFailed
from kalkan.io.documents import (
    CANCEL_BATCH_SIZE,
    DEFAULT_BATCH_SIZE,
    CancelSummary,
    DocumentImportSummary,
    FileFormat,
    cancel_documents,
    cancel_keys,
    import_documents,
    key_of,
)
from kalkan.io.summary import rejections_csv
from kalkan.screening.documents import DocumentChecker, DocumentQuery, Outcome, save_index, snapshot_state
from kalkan.store.documents import DocumentKey

check_app = typer.Typer(no_args_is_help=True, help="Check travel documents against the stolen and lost ones.")
app.add_typer(check_app, name="check")
documents_app = typer.Typer(no_args_is_help=True, help="Withdraw an agency's stolen and lost travel documents.")
app.add_typer(documents_app, name="documents")
index_app = typer.Typer(no_args_is_help=True, help="Build the screening indexes servers start from.")
app.add_typer(index_app, name="index")


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
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per transaction (not strict).")] = DEFAULT_BATCH_SIZE,
) -> None:
    """Import stolen and lost travel documents; importing the same file again changes nothing.

    Exit status 0 when every line went in, 1 when any was rejected.
    """
    db = current_database(ctx, settings_of(ctx))
    chosen = _format_of(file, file_format)
    source, size = _open(file)
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
    _print_reinstated(summary)
    if not summary.complete:
        raise typer.Exit(1)


def _print_reinstated(summary: DocumentImportSummary) -> None:
    if summary.reinstated:
        out.print(
            f"{summary.reinstated} of the updated documents had been cancelled and are reinstated: a renewed report is the source of truth."
        )


def _open(file: str) -> tuple[BinaryIO, int | None]:
    """The file ('-': standard input) opened in binary, and its size when known."""
    if file == "-":
        return sys.stdin.buffer, None
    path = Path(file)
    if not path.is_file():
        raise NotFound(f"no file {file}")
    return path.open("rb"), path.stat().st_size


def _label(key: DocumentKey) -> str:
    return " ".join(key)


@documents_app.command("cancel")
def cancel_documents_command(
    ctx: typer.Context,
    agency: Annotated[str, typer.Option(help="The agency that reported the documents (only its own are cancelled).")],
    reason: Annotated[str, typer.Option(help="Why the documents are withdrawn (found again, reported in error); kept in the audit log.")],
    state: Annotated[str | None, typer.Option(help="Issuing state of the one document to cancel.")] = None,
    document_type: Annotated[str, typer.Option("--type", help="Its type, as imported.")] = "passport",
    number: Annotated[str | None, typer.Option(help="Its number.")] = None,
    file: Annotated[
        str | None, typer.Option(help="Or a CSV file of documents: header issuing_state (or state), document_type (or type), number.")
    ] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write the rejected lines' faults to this CSV file (line, field, reason).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per transaction and audit entry (--file).")] = CANCEL_BATCH_SIZE,
) -> None:
    """Cancel documents the agency reported, so that they no longer hit; cancelling again changes nothing.

    Exit status 0 when every document named is cancelled (now or before), 1 when any line was
    rejected or names a document the agency has not reported.
    """
    db = current_database(ctx, settings_of(ctx))
    code = parse_agency_code(agency)
    if file is not None:
        if state is not None or number is not None:
            raise ValidationFailed.one("--file", "give either --file or --state and --number, not both")
        source, size = _open(file)
        with source, rejections_csv(rejects) as on_reject, progress_bar("cancelling", size, in_bytes=True) as progress:
            summary = cancel_documents(
                db, code, source, reason=reason, username=operator_name(), batch_size=batch_size, progress=progress, on_reject=on_reject
            )
        _print_cancel_summary(summary)
        if not summary.complete:
            raise typer.Exit(1)
        return
    if state is None or number is None:
        raise ValidationFailed.one("--number" if state else "--state", "give --state and --number, or --file")
    key = key_of({"issuing_state": state, "document_type": document_type, "number": number})
    outcome = cancel_keys(db, code, [key], reason=reason, username=operator_name())
    if key in outcome.cancelled:
        out.print(f"Cancelled {escape(_label(key))} of {escape(code)} ({outcome.cancelled[key]}).")
    elif key in outcome.already_cancelled:
        out.print(f"{escape(_label(key))} of {escape(code)} was already cancelled: nothing changed.")
    else:
        raise NotFound(f"{code} has reported no {_label(key)}")


def _print_cancel_summary(summary: CancelSummary) -> None:
    out.print(
        f"Read {summary.lines} lines: {summary.cancelled} cancelled, {summary.already_cancelled} already cancelled, "
        f"{summary.not_found_count} not found, {summary.rejected_lines} rejected."
    )
    for line, key in summary.not_found[:PRINTED_REJECTIONS]:
        out.print(f"[red]line {line}:[/red] not found: {escape(_label(key))}")
    for rejection in summary.rejected[:PRINTED_REJECTIONS]:
        out.print(f"[red]line {rejection.line}:[/red] {escape(str(rejection).partition(': ')[2])}")
    more = max(summary.not_found_count - PRINTED_REJECTIONS, 0) + max(
        len(summary.rejected) + summary.rejections_not_kept - PRINTED_REJECTIONS, 0
    )
    if more:
        out.print(f"... and {more} more")


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


@index_app.command("documents")
def index_documents_command(
    ctx: typer.Context,
    index_dir: Annotated[Path | None, typer.Option(help="Where to save the snapshot (default: KALKAN_INDEX_DIR).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Only report how the saved snapshot stands against the change log.")] = False,
) -> None:
    """Build the document index from the database and save it, so that servers start from it.

    With --check: exit status 0 when the snapshot reflects every document change, 1 when it is
    missing or behind (servers catch up from the change log; rebuilding saves them the work).
    """
    settings = settings_of(ctx)
    directory = index_dir or settings.index_dir
    if directory is None:
        raise ConfigurationError("give --index-dir or set KALKAN_INDEX_DIR")
    db = current_database(ctx, settings)
    if check:
        state = snapshot_state(db, directory)
        if state is None:
            err.print(f"[red]no document index snapshot[/red] in {escape(str(directory))}: `kalkan index documents` saves one")
            raise typer.Exit(1)
        out.print(
            f"Snapshot of {state.documents} documents at change {state.seq}; the change log is at {state.head}; "
            f"{state.behind} document changes since."
        )
        if not state.current:
            raise typer.Exit(1)
        return
    index = save_index(db, directory)
    out.print(f"Saved the index of {len(index)} documents at change {index.seq} to {escape(str(directory))}.")
