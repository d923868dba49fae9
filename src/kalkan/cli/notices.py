"""Notices from the server's shell: ``kalkan notice list``, ``kalkan notice review-queue``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kalkan.cli.apps import app
from kalkan.cli.common import current_database, operator_scope, out, when
from kalkan.model.notices import NoticeState
from kalkan.model.records import NoticeType
from kalkan.store.notices import NoticeStore, NoticeView

notice_app = typer.Typer(no_args_is_help=True, help="List notices and the ones waiting for review.")
app.add_typer(notice_app, name="notice")


def _print(views: list[NoticeView], title: str) -> None:
    if not views:
        out.print(f"{title}: none.")
        return
    table = Table(title=title)
    for column in ("id", "type", "state", "requested by", "subject", "expires", "submitted", "action to take"):
        table.add_column(column)
    for view in views:
        record = view.record
        state = view.state.value + (" (review pending)" if view.review_pending else "")
        table.add_row(
            record.id,
            record.notice_type.value,
            state,
            record.owner,
            record.subject_id or "(hidden)",
            record.expires_on.isoformat() if record.expires_on else "",
            when(view.submitted_at),
            escape(record.action_to_take[:80]),
        )
    out.print(table)


@notice_app.command("list")
def notice_list(
    ctx: typer.Context,
    state: Annotated[NoticeState | None, typer.Option(help="Only notices in this state.")] = None,
    notice_type: Annotated[NoticeType | None, typer.Option("--type", help="Only notices of this type.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest first.")] = 100,
) -> None:
    """Notices the secretariat sees: every one submitted, whatever its state."""
    db = current_database(ctx)
    with db.transaction() as conn:
        found, total = NoticeStore(conn, operator_scope(conn)).find(state=state, notice_type=notice_type, limit=limit)
    _print(found, f"{total} notices" + (f", {len(found)} shown" if len(found) < total else ""))


@notice_app.command("review-queue")
def notice_review_queue(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, oldest submission first.")] = 100,
) -> None:
    """Notices waiting for the secretariat's review, and diffusions out but not yet reviewed."""
    db = current_database(ctx)
    with db.transaction() as conn:
        found = NoticeStore(conn, operator_scope(conn)).review_queue(limit=limit)
    _print(found, "Waiting for review")
