"""What every command shares: the consoles, settings, the database, the operator's scope, progress bars."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import ConfigurationError, NotFound, ValidationFailed
from kalkan.io.summary import ImportSummary
from kalkan.model.countries import normalise_country
from kalkan.model.restriction import AgencyCode
from kalkan.model.validation import faults_of
from kalkan.settings import Settings
from kalkan.store import agencies, users
from kalkan.store.database import Database

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class Options:
    database_url: str | None


def load_settings(database_url: str | None) -> Settings:
    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except ValidationError as error:
        faults = faults_of(error)
        raise ConfigurationError("; ".join(f"KALKAN_{f.field.upper()}: {f.fault}" if f.field else f.fault for f in faults)) from None


def settings_of(ctx: typer.Context) -> Settings:
    options: Options | None = ctx.obj
    return load_settings(options.database_url if options else None)


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def open_database(ctx: typer.Context, url: str) -> Database:
    """A database whose connections close when the command ends."""
    db = Database(url)
    ctx.call_on_close(db.dispose)
    return db


def current_database(ctx: typer.Context, settings: Settings | None = None) -> Database:
    """The configured database, which must hold the current schema; a missing SQLite file is not created."""
    url = (settings or settings_of(ctx)).database_url
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" and parsed.database != ":memory:" else None
    if file and not Path(file).exists():
        raise ConfigurationError(f"there is no database file {file}: `kalkan init` creates one")
    db = open_database(ctx, url)
    if not db.is_current():
        raise ConfigurationError(
            f"the database {shown(db.url)} has no current Kalkan schema: run `kalkan init` on a new database or `kalkan migrate`"
        )
    return db


def operator_name() -> str:
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "unknown"
    return f"cli:{login}"[:64]


def operator_scope(conn: Connection) -> Scope:
    """The scope the operator acts in: the secretariat's, with the operator's login."""
    secretariats = [a for a in agencies.list_agencies(conn) if a.kind is agencies.AgencyKind.SECRETARIAT]
    if not secretariats:
        raise ConfigurationError("the database has no secretariat agency: run `kalkan init` first")
    return Scope.system(min(secretariats, key=lambda a: a.created_at).code, username=operator_name())


def parse_agency_code(value: str) -> str:
    try:
        return TypeAdapter(AgencyCode).validate_python(value)
    except ValidationError:
        raise ValidationFailed.one("code", f"{value!r} is not an agency code (2-32 letters, digits, '-' or '_')") from None


def parse_country(value: str) -> str:
    try:
        return normalise_country(value)
    except ValueError as error:
        raise ValidationFailed.one("country", str(error)) from None


def find_user(conn: Connection, username: str) -> users.User:
    user = users.find_user(conn, username)
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def token_lifetime(settings: Settings, days: int | None) -> timedelta:
    days = settings.token_lifetime_days if days is None else days
    if not 1 <= days <= settings.token_lifetime_days:
        raise ValidationFailed.one("days", f"must be between 1 and {settings.token_lifetime_days} (KALKAN_TOKEN_LIFETIME_DAYS)")
    return timedelta(days=days)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def print_secret(issued: users.IssuedToken, username: str) -> None:
    err.print(f"API token {issued.token.id} for {escape(username)}, valid until {when(issued.token.expires_at)} UTC.")
    err.print("[yellow]It is shown only this once: store it now.[/yellow]")
    out.print(issued.secret, markup=False)


class Advance(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


@contextmanager
def progress_bar(description: str, total: int | None, *, in_bytes: bool) -> Iterator[Advance | None]:
    """A progress bar with its rate on a terminal; nothing when the output goes to a file or a pipe."""
    if not out.is_terminal:
        yield None
        return
    amounts = (DownloadColumn(), TransferSpeedColumn()) if in_bytes else (MofNCompleteColumn(),)
    with Progress(TextColumn("{task.description}"), BarColumn(), *amounts, TimeRemainingColumn(), console=out) as progress:
        task = progress.add_task(description, total=total)

        def advance(done: int, total: int | None = None) -> None:
            progress.update(task, completed=done, total=total if total is not None else progress.tasks[0].total)

        yield advance


def roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(roles))


PRINTED_REJECTIONS = 20


def print_import_summary(summary: ImportSummary, rejects: Path | None) -> None:
    """What an import of lines did, the first rejected lines, and what to do next."""
    out.print(
        f"Read {summary.lines} lines: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.rejected_lines} rejected."
    )
    for rejection in summary.rejected[:PRINTED_REJECTIONS]:
        out.print(f"[red]line {rejection.line}:[/red] {escape(str(rejection).partition(': ')[2])}")
    more = len(summary.rejected) + summary.rejections_not_kept - PRINTED_REJECTIONS
    if more > 0:
        out.print(f"... and {more} more" + (f": see {rejects}" if rejects else "; --rejects FILE.csv lists them all"))
    if summary.rolled_back:
        err.print("[red]Strict import: nothing was written.[/red] Fix the lines above and run it again.")
    elif not summary.complete:
        err.print("[yellow]The other lines went in; running the import again after fixing the file adds the rest.[/yellow]")
