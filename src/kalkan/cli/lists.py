"""Published lists: ``kalkan import un-sc``, ``kalkan import ofac``, ``kalkan import ftm``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from pydantic import ValidationError
from rich.markup import escape

from kalkan.cli.apps import import_app
from kalkan.cli.common import Advance, current_database, err, operator_name, out, progress_bar, settings_of
from kalkan.errors import NotFound, ValidationFailed
from kalkan.io.ftm import import_ftm
from kalkan.io.list_entries import ListImportSummary
from kalkan.io.list_import import ListImportOptions
from kalkan.io.ofac import import_ofac
from kalkan.io.un_sc import import_un_sc
from kalkan.model.restriction import Restriction, RestrictionMode
from kalkan.model.validation import faults_of
from kalkan.settings import Settings
from kalkan.store.database import Database

PRINTED = 20

AgencyOption = Annotated[str, typer.Option(help="The agency the records are imported into (their owner).")]
StrictOption = Annotated[bool, typer.Option(help="All or nothing: one rejected entry and nothing is written.")]
RestrictionOption = Annotated[
    RestrictionMode, typer.Option("--restriction", help="Who may see the records (published lists: all agencies).")
]
RestrictionAgencyOption = Annotated[
    list[str] | None, typer.Option("--restriction-agency", help="An agency the restriction lists (modes only, except); repeat.")
]


def _open(file: Path, stack: ExitStack) -> BinaryIO:
    if not file.is_file():
        raise NotFound(f"no file {file}")
    return stack.enter_context(file.open("rb"))


def _restriction(mode: RestrictionMode, agencies: list[str] | None) -> Restriction:
    try:
        return Restriction(mode=mode, agencies=tuple(agencies or ()))
    except ValidationError as error:
        raise ValidationFailed(faults_of(error, "restriction")) from None


def _options(settings: Settings, strict: bool, restriction: Restriction, progress: Advance | None) -> ListImportOptions:
    return ListImportOptions(
        strict=strict,
        restriction=restriction,
        username=operator_name(),
        review_period_days=settings.review_period_days,
        progress=progress,
    )


def _report(summary: ListImportSummary) -> None:
    out.print(
        f"{summary.source}: {summary.entries} entries read. Records: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.cancelled} cancelled (no longer on the list), "
        f"{summary.reinstated} reinstated (back on the list); "
        f"{summary.rejected_entries} entries rejected."
    )
    for reason, count in sorted(summary.skipped.items()):
        out.print(f"Skipped {count}: {escape(reason)}")
    for rejection in summary.rejected[:PRINTED]:
        out.print(f"[red]rejected[/red] {escape(str(rejection))}")
    if len(summary.rejected) > PRINTED:
        out.print(f"... and {len(summary.rejected) - PRINTED} more faults of rejected entries")
    if summary.notes:
        out.print(f"Notes (values kept as text, or left out): {len(summary.notes) + summary.not_kept}; the first ones:")
        for note in summary.notes[:PRINTED]:
            out.print(f"  [yellow]note[/yellow] {escape(str(note))}")
    if summary.rolled_back:
        err.print("[red]Strict import: nothing was written.[/red] Fix the entries above, or import without --strict.")
    elif not summary.complete:
        err.print("[yellow]The other entries went in; the rejected ones keep their earlier records, if any.[/yellow]")


def _finish(summary: ListImportSummary) -> None:
    _report(summary)
    if not summary.complete:
        raise typer.Exit(1)


#: Runs one importer: the database, the agency, the open files, the options -> its summary.
_Importer = Callable[[Database, str, Callable[[Path], BinaryIO], ListImportOptions], ListImportSummary]


def _import_list(
    ctx: typer.Context, agency: str, strict: bool, restriction: RestrictionMode, listed: list[str] | None, run: _Importer
) -> None:
    """What every list import does around its importer: settings, database, restriction, files, progress, report."""
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    limits = _restriction(restriction, listed)
    with ExitStack() as stack, progress_bar("importing", None, in_bytes=False) as progress:
        summary = run(db, agency.upper(), lambda file: _open(file, stack), _options(settings, strict, limits, progress))
    _finish(summary)


@import_app.command("un-sc")
def import_un_sc_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The UN Security Council consolidated list (XML).")],
    agency: AgencyOption,
    strict: StrictOption = False,
    restriction: RestrictionOption = RestrictionMode.ALL,
    restriction_agency: RestrictionAgencyOption = None,
) -> None:
    """Import the UN Security Council consolidated sanctions list: persons, organisations, their documents.

    Importing a newer edition updates what changed and cancels the entries that left the list.
    Exit status 0 when every entry went in, 1 otherwise.
    """
    _import_list(
        ctx, agency, strict, restriction, restriction_agency, lambda db, code, open_, options: import_un_sc(db, code, open_(file), options)
    )


@import_app.command("ofac")
def import_ofac_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="OFAC's sdn.csv.")],
    agency: AgencyOption,
    alt: Annotated[Path | None, typer.Option(help="OFAC's alt.csv: aliases.")] = None,
    add: Annotated[Path | None, typer.Option(help="OFAC's add.csv: addresses.")] = None,
    strict: StrictOption = False,
    restriction: RestrictionOption = RestrictionMode.ALL,
    restriction_agency: RestrictionAgencyOption = None,
) -> None:
    """Import OFAC's SDN list: individuals and entities (vessels and aircraft are skipped), their documents.

    Importing a newer edition updates what changed and cancels the entries that left the list.
    Exit status 0 when every entry went in, 1 otherwise.
    """

    def run(db: Database, code: str, open_: Callable[[Path], BinaryIO], options: ListImportOptions) -> ListImportSummary:
        sdn = open_(file)
        return import_ofac(db, code, sdn, alt=open_(alt) if alt else None, add=open_(add) if add else None, options=options)

    _import_list(ctx, agency, strict, restriction, restriction_agency, run)


@import_app.command("ftm")
def import_ftm_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="FollowTheMoney entities, one JSON object per line.")],
    agency: AgencyOption,
    strict: StrictOption = False,
    restriction: RestrictionOption = RestrictionMode.ALL,
    restriction_agency: RestrictionAgencyOption = None,
) -> None:
    """Import FollowTheMoney entities (OpenSanctions, Aleph): persons, organisations, documents, links.

    Importing a newer export updates what changed and cancels the entities it no longer holds.
    Exit status 0 when every entity went in, 1 otherwise.
    """
    _import_list(
        ctx, agency, strict, restriction, restriction_agency, lambda db, code, open_, options: import_ftm(db, code, open_(file), options)
    )
