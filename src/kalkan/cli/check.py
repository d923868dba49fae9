"""``kalkan check traveller``: one traveller checked as a border officer's terminal shows it.

The verdict comes first, in words and colour (green: no hit; amber: possible hit, for
review; red: hit), then for each hit the action to take and the agency to contact. Exit
status 0 for no hit, 3 for a hit or a possible hit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from kalkan.access.scope import Scope
from kalkan.cli.common import current_database, err, operator_scope, out, parse_agency_code, settings_of
from kalkan.cli.documents import check_app
from kalkan.errors import ValidationFailed
from kalkan.model.dates import FlexibleDate
from kalkan.model.records import Direction
from kalkan.screening.documents import DocumentChecker, Outcome
from kalkan.screening.names import NameScreening
from kalkan.screening.travellers import Context, TravellerHit, TravellerScreening, traveller_query

VERDICTS = {
    Outcome.NO_HIT: "[bold green]NO HIT[/bold green]: let the traveller proceed",
    Outcome.POSSIBLE_HIT: "[bold yellow]POSSIBLE HIT[/bold yellow]: hold for review",
    Outcome.HIT: "[bold red]HIT[/bold red]: stop the traveller",
}


def _print_hit(hit: TravellerHit) -> None:
    colour = "red" if hit.outcome is Outcome.HIT else "yellow"
    word = "hit" if hit.outcome is Outcome.HIT else "possible hit"
    if hit.restricted:
        out.print(f"  [{colour}]{word}[/{colour}]: restricted record: contact agency {escape(hit.owner)} (hit {hit.hit_id})")
        return
    kind = hit.record_kind.replace("_", " ")
    out.print(f"  [{colour}]{word}[/{colour}]: {kind} {escape(hit.label or hit.record_id)}, score {hit.score:.2f}; record {hit.record_id}")
    for notice in hit.notices:
        out.print(f"    [bold]{escape(notice.notice_type.value)} notice[/bold] of {escape(notice.owner)}: {escape(notice.action_to_take)}")
    out.print(f"    contact agency {escape(hit.owner)} (hit {hit.hit_id})")


@check_app.command("traveller")
def check_traveller_command(
    ctx: typer.Context,
    mrz: Annotated[str | None, typer.Option(help="The machine-readable zone (lines separated by a newline or run together).")] = None,
    state: Annotated[str | None, typer.Option(help="Issuing state of the document (with --number).")] = None,
    document_type: Annotated[str | None, typer.Option("--type", help="passport, identity_card, visa... (default: any).")] = None,
    number: Annotated[str | None, typer.Option(help="Document number.")] = None,
    name: Annotated[list[str] | None, typer.Option(help="A name of the traveller, in any script (repeat for more).")] = None,
    birth_date: Annotated[str | None, typer.Option(help="Date of birth: 1984, 1984-03 or 1984-03-12.")] = None,
    border_post: Annotated[str | None, typer.Option(help="The border post.")] = None,
    direction: Annotated[Direction | None, typer.Option(help="entry, exit or transit.")] = None,
    flight: Annotated[str | None, typer.Option(help="Flight or vessel.")] = None,
    as_agency: Annotated[str | None, typer.Option(help="Check as this agency (default: the secretariat).")] = None,
) -> None:
    """Check one traveller's document and names; exit status 0 for no hit, 3 for a hit or a possible hit."""
    try:
        born = FlexibleDate(value=birth_date) if birth_date else None
    except ValueError as error:
        raise ValidationFailed.one("--birth-date", str(error).splitlines()[-1]) from None
    context = Context(border_post, direction, None, flight, datetime.now().astimezone())
    query = traveller_query(
        mrz=mrz, issuing_state=state, document_type=document_type, number=number, names=name or (), birth_date=born, context=context
    )
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    screening = TravellerScreening(
        DocumentChecker(db, index_dir=settings.index_dir), NameScreening(db, settings.index_dir), record_movements=settings.record_movements
    )
    with db.transaction() as conn:
        operator = operator_scope(conn)
        scope = Scope.system(parse_agency_code(as_agency), username=operator.username) if as_agency else operator
        (result,) = screening.check(conn, scope, [query])
    for fault in query.document.mrz_faults if query.document else ():
        err.print(f"[yellow]zone:[/yellow] {escape(fault)}")
    out.print(VERDICTS[result.verdict])
    for hit in result.hits:
        _print_hit(hit)
    for hit in result.remembered_false_positives:
        what = "a restricted record" if hit.restricted else f"record {hit.record_id}"
        out.print(f"  [green]cleared[/green]: {escape(hit.owner)} marked {what} a false positive for this traveller")
    if result.verdict is not Outcome.NO_HIT:
        raise typer.Exit(3)
