"""Checking the audit log."""

from __future__ import annotations

import typer
from rich.markup import escape

from kalkan.cli.apps import audit_app
from kalkan.cli.common import current_database, err, operator_scope, out
from kalkan.store import audit


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Walk the audit chain; name every entry edited, deleted or inserted. Exit status 1 if any."""
    db = current_database(ctx)
    with db.transaction() as conn:
        report = audit.verify(conn)
        verdict = "intact" if report.intact else f"{len(report.problems)} problems"
        audit.append(conn, operator_scope(conn), "audit.verify", detail=f"{report.entries} entries, head {report.head_seq}: {verdict}")
    out.print(f"Checked {report.entries} entries; head: seq {report.head_seq}, hash {report.head_hash}")
    for problem in report.problems:
        out.print(f"[red]seq {problem.seq}:[/red] {escape(problem.fault)}")
    if not report.intact:
        err.print(f"[red]The audit log is not intact: {len(report.problems)} problems.[/red]")
        raise typer.Exit(1)
    out.print("[green]The audit log is intact.[/green] Keep the head hash somewhere outside the database.")
