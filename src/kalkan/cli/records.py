"""Kalkan's own JSON-lines records: ``kalkan import records`` and ``kalkan export records``."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from kalkan.access.scope import Scope
from kalkan.cli.apps import export_app, import_app
from kalkan.cli.common import current_database, err, operator_name, operator_scope, print_import_summary, progress_bar, settings_of
from kalkan.errors import NotFound
from kalkan.io.jsonl import export_records, import_records
from kalkan.io.summary import rejections_csv
from kalkan.model.records import RecordKind
from kalkan.store import agencies
from kalkan.store.records import RecordStore


@import_app.command("records")
def import_records_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="JSON-lines file of records ('-': standard input).")],
    agency: Annotated[str, typer.Option(help="The agency the records are imported into (their owner).")],
    strict: Annotated[bool, typer.Option(help="All or nothing: one bad line and nothing is written.")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Write the rejected lines' faults to this CSV file.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Lines per transaction (not strict).")] = 500,
) -> None:
    """Import Kalkan's JSON-lines records; importing the same file again changes nothing.

    Exit status 0 when every line went in, 1 when any was rejected.
    """
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    source: BinaryIO
    if file == "-":
        source, size = sys.stdin.buffer, None
    else:
        path = Path(file)
        if not path.is_file():
            raise NotFound(f"no file {file}")
        source, size = path.open("rb"), path.stat().st_size
    with source, rejections_csv(rejects) as on_reject, progress_bar("importing", size, in_bytes=True) as progress:
        summary = import_records(
            db,
            agency.upper(),
            source,
            strict=strict,
            username=operator_name(),
            batch_size=batch_size,
            review_period_days=settings.review_period_days,
            progress=progress,
            on_reject=on_reject,
        )
    print_import_summary(summary, rejects)
    if not summary.complete:
        raise typer.Exit(1)


@export_app.command("records")
def export_records_command(
    ctx: typer.Context,
    output: Annotated[str, typer.Option("--output", "-o", help="File to write ('-': standard output).")] = "-",
    as_agency: Annotated[str | None, typer.Option(help="Export what this agency may see (default: the secretariat).")] = None,
    kind: Annotated[RecordKind | None, typer.Option(help="Only records of this kind.")] = None,
    include_cancelled: Annotated[bool, typer.Option(help="Also cancelled and expired records.")] = False,
) -> None:
    """Write the records an agency may see as JSON lines (the format `kalkan import records` reads)."""
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    target = None if output == "-" else Path(output)
    partial = target.with_name(target.name + ".partial") if target else None
    failure: OSError | None = None
    try:
        with db.transaction() as conn, partial.open("w", encoding="utf-8") if partial else nullcontext(sys.stdout) as handle:
            operator = operator_scope(conn)
            agency = agencies.get_agency(conn, as_agency.upper()).code if as_agency else operator.agency
            store = RecordStore(conn, Scope.system(agency, username=operator.username), settings.review_period_days)
            try:
                count = export_records(store, handle, kind=kind, include_inactive=include_cancelled)
            except OSError as error:  # the output failed: still commit the audit of the records read so far
                failure = error
    except BaseException:
        if partial:
            partial.unlink(missing_ok=True)
        raise
    if failure is not None:
        if partial:
            partial.unlink(missing_ok=True)
        raise failure
    if target and partial:
        partial.replace(target)  # a file appears whole or not at all
    err.print(f"Exported {count} records visible to {agency}" + (f" to {target}." if target else "."))
