"""The ``kalkan`` command: set up, run and administer an installation from its server.

The operator at the server's shell acts for the secretariat: commands that read or change
data run as ``Scope.system(<secretariat>, username="cli:<login>")``, so the store audits
each of them under the operator's login. Settings come from ``KALKAN_*`` variables;
``--database-url`` overrides the database. Errors print a message and exit with status 1
(2 for a command line that is incomplete), never a stack trace.
"""

from __future__ import annotations

import getpass
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Protocol

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy import Connection, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from typer.core import TyperGroup

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import ConfigurationError, Conflict, KalkanError, NotFound, ValidationFailed
from kalkan.io.demo import DemoLoad, delete_demo_database, load_demo
from kalkan.io.jsonl import export_records, import_records
from kalkan.io.summary import ImportSummary, rejections_csv
from kalkan.model.countries import normalise_country
from kalkan.model.records import RecordKind
from kalkan.model.restriction import AgencyCode
from kalkan.model.validation import faults_of
from kalkan.settings import Mode, Settings
from kalkan.store import agencies, audit, users
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import agencies as agency_table

if TYPE_CHECKING:
    import click

DEMO_DATABASE_URL = "sqlite:///kalkan-demo.db"
APP_FACTORY = "kalkan.api.app:app_from_environment"
PRINTED_REJECTIONS = 20

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _Group(TyperGroup):
    """Turns Kalkan's errors into a red message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KalkanError as error:
            err.print(f"[red]error:[/red] {escape(error.message)}")
            raise typer.Exit(1) from None
        except (OperationalError, ProgrammingError) as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            err.print(f"[red]database error:[/red] {escape(reason)}")
            raise typer.Exit(1) from None
        except BrokenPipeError:
            # The reader went away (`kalkan export records | head`): stop quietly, and keep
            # Python from complaining when it flushes standard output at exit.
            with suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except OSError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(1) from None


app = typer.Typer(cls=_Group, no_args_is_help=True, add_completion=False, help="Kalkan: police information sharing and border screening.")
agency_app = typer.Typer(no_args_is_help=True, help="Admit agencies, list them, rename or suspend them.")
user_app = typer.Typer(no_args_is_help=True, help="Create, list and change users.")
token_app = typer.Typer(no_args_is_help=True, help="Issue, list and revoke API tokens.")
audit_app = typer.Typer(no_args_is_help=True, help="Check the audit log.")
import_app = typer.Typer(no_args_is_help=True, help="Load records from files into an agency.")
export_app = typer.Typer(no_args_is_help=True, help="Write records out to files.")
for sub_app, sub_name in (
    (agency_app, "agency"),
    (user_app, "user"),
    (token_app, "token"),
    (audit_app, "audit"),
    (import_app, "import"),
    (export_app, "export"),
):
    app.add_typer(sub_app, name=sub_name)


@dataclass(frozen=True, slots=True)
class _Options:
    database_url: str | None


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database to use instead of KALKAN_DATABASE_URL.")] = None,
) -> None:
    ctx.obj = _Options(database_url)


def main() -> None:
    app()


# -- shared helpers ------------------------------------------------------------


def _load_settings(database_url: str | None) -> Settings:
    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except ValidationError as error:
        faults = faults_of(error)
        raise ConfigurationError("; ".join(f"KALKAN_{f.field.upper()}: {f.fault}" if f.field else f.fault for f in faults)) from None


def _settings(ctx: typer.Context) -> Settings:
    options: _Options | None = ctx.obj
    return _load_settings(options.database_url if options else None)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _open(ctx: typer.Context, url: str) -> Database:
    """A database whose connections close when the command ends."""
    db = Database(url)
    ctx.call_on_close(db.dispose)
    return db


def _database(ctx: typer.Context, settings: Settings | None = None) -> Database:
    """The configured database, which must hold the current schema; a missing SQLite file is not created."""
    url = (settings or _settings(ctx)).database_url
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" and parsed.database != ":memory:" else None
    if file and not Path(file).exists():
        raise ConfigurationError(f"there is no database file {file}: `kalkan init` creates one")
    db = _open(ctx, url)
    if not db.is_current():
        raise ConfigurationError(
            f"the database {_shown(db.url)} has no current Kalkan schema: run `kalkan init` on a new database or `kalkan migrate`"
        )
    return db


def _operator_name() -> str:
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "unknown"
    return f"cli:{login}"[:64]


def _operator(conn: Connection) -> Scope:
    """The scope the operator acts in: the secretariat's, with the operator's login."""
    secretariats = [a for a in agencies.list_agencies(conn) if a.kind is agencies.AgencyKind.SECRETARIAT]
    if not secretariats:
        raise ConfigurationError("the database has no secretariat agency: run `kalkan init` first")
    return Scope.system(min(secretariats, key=lambda a: a.created_at).code, username=_operator_name())


def _agency_code(value: str) -> str:
    try:
        return TypeAdapter(AgencyCode).validate_python(value)
    except ValidationError:
        raise ValidationFailed.one("code", f"{value!r} is not an agency code (2-32 letters, digits, '-' or '_')") from None


def _country(value: str) -> str:
    try:
        return normalise_country(value)
    except ValueError as error:
        raise ValidationFailed.one("country", str(error)) from None


def _find_user(conn: Connection, username: str) -> users.User:
    user = users.find_user(conn, username)
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def _lifetime(settings: Settings, days: int | None) -> timedelta:
    days = settings.token_lifetime_days if days is None else days
    if not 1 <= days <= settings.token_lifetime_days:
        raise ValidationFailed.one("days", f"must be between 1 and {settings.token_lifetime_days} (KALKAN_TOKEN_LIFETIME_DAYS)")
    return timedelta(days=days)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _print_secret(issued: users.IssuedToken, username: str) -> None:
    err.print(f"API token {issued.token.id} for {escape(username)}, valid until {_when(issued.token.expires_at)} UTC.")
    err.print("[yellow]It is shown only this once: store it now.[/yellow]")
    out.print(issued.secret, markup=False)


class _Advance(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


@contextmanager
def _progress_bar(description: str, total: int | None, *, in_bytes: bool) -> Iterator[_Advance | None]:
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


# -- setting up and running ------------------------------------------------------


def _ask(answers: list[tuple[str, str | None, str]]) -> list[str]:
    """Fill each missing value from a prompt on a terminal; without one, exit with status 2 naming them all."""
    interactive = sys.stdin.isatty()
    missing = [option for option, value, _ in answers if value is None]
    if missing and not interactive:
        err.print(f"[red]error:[/red] missing {', '.join(missing)}: there is no terminal to ask on, so give them as options")
        raise typer.Exit(2)
    return [value if value is not None else str(typer.prompt(question)) for _, value, question in answers]


def _is_initialised(db: Database) -> bool:
    if not inspect(db.engine).has_table("agencies"):
        return False
    with db.engine.connect() as conn:
        return conn.execute(select(agency_table.c.code).limit(1)).first() is not None


@app.command()
def init(
    ctx: typer.Context,
    agency_code: Annotated[str | None, typer.Option(help="Code of the secretariat agency, e.g. SEC.")] = None,
    agency_name: Annotated[str | None, typer.Option(help="Its name.")] = None,
    country: Annotated[str | None, typer.Option(help="Its country (ISO 3166-1 alpha-3).")] = None,
    admin_username: Annotated[str | None, typer.Option(help="Username of the first administrator.")] = None,
    admin_display_name: Annotated[str | None, typer.Option(help="Their full name.")] = None,
    token_days: Annotated[int | None, typer.Option(help="Lifetime of their API token (default KALKAN_TOKEN_LIFETIME_DAYS).")] = None,
) -> None:
    """Create the schema, the secretariat agency and its first administrator; print their token once."""
    settings = _settings(ctx)
    code, name, country_code, username = _ask(
        [
            ("--agency-code", agency_code, "Code of the secretariat agency (e.g. SEC)"),
            ("--agency-name", agency_name, "Name of the secretariat agency"),
            ("--country", country, "Its country (ISO 3166-1 alpha-3, e.g. FRA)"),
            ("--admin-username", admin_username, "Username of the first administrator"),
        ]
    )
    code, country_code, lifetime = _agency_code(code), _country(country_code), _lifetime(settings, token_days)
    db = _open(ctx, settings.database_url)
    if _is_initialised(db):
        raise Conflict(f"the database {_shown(db.url)} is already initialised (it has agencies); nothing was changed")
    db.migrate()
    with db.transaction() as conn:
        agency = agencies.bootstrap_agency(conn, code=code, name=name, country=country_code)
        system = Scope.system(agency.code, username=_operator_name())
        roles = frozenset({Role.SECRETARIAT, Role.AGENCY_ADMIN})
        user = users.create_user(conn, system, username=username, agency=agency.code, roles=roles, display_name=admin_display_name)
        issued = users.issue_token(conn, system, user.id, name="init", lifetime=lifetime)
    err.print(f"Initialised {_shown(db.url)}: agency {agency.code} ({escape(agency.name)}), administrator {escape(user.username)}.")
    _print_secret(issued, user.username)


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Bring the database schema to this version's newest migration."""
    db = _open(ctx, _settings(ctx).database_url)
    db.migrate()
    out.print(f"The schema of {_shown(db.url)} is current.")


def _serve(database_url: str, host: str, port: int, workers: int) -> None:
    module = APP_FACTORY.partition(":")[0]
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        raise ConfigurationError(f"this installation has no HTTP API ({module} is missing)") from None
    import uvicorn

    os.environ["KALKAN_DATABASE_URL"] = database_url  # the workers read their settings from the environment
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=True)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default KALKAN_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KALKAN_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API."""
    settings = _settings(ctx)
    _database(ctx, settings).dispose()  # serving opens its own connections
    _serve(settings.database_url, host or settings.host, port or settings.port, workers)


# -- agencies, users, tokens ---------------------------------------------------


@agency_app.command("create")
def agency_create(
    ctx: typer.Context,
    code: Annotated[str, typer.Option(help="Agency code, e.g. KZ-NCB.")],
    name: Annotated[str, typer.Option(help="Its name.")],
    country: Annotated[str, typer.Option(help="Its country (ISO 3166-1 alpha-3).")],
    kind: Annotated[agencies.AgencyKind, typer.Option(help="What kind of agency it is.")] = agencies.AgencyKind.NATIONAL_BUREAU,
    parent: Annotated[str | None, typer.Option(help="The bureau that admits a national service.")] = None,
) -> None:
    """Admit an agency."""
    db = _database(ctx)
    with db.transaction() as conn:
        agency = agencies.create_agency(
            conn, _operator(conn), code=_agency_code(code), name=name, country=_country(country), kind=kind, parent=parent
        )
    out.print(f"Admitted {agency.code} ({escape(agency.name)}, {agency.country}, {agency.kind.value}).")


@agency_app.command("list")
def agency_list(ctx: typer.Context) -> None:
    """List the agencies."""
    db = _database(ctx)
    with db.transaction() as conn:
        found = agencies.list_agencies(conn)
    table = Table("code", "name", "country", "kind", "parent", "active", "admitted")
    for a in found:
        table.add_row(a.code, a.name, a.country, a.kind.value, a.parent or "", "yes" if a.active else "suspended", _when(a.created_at))
    out.print(table)


@agency_app.command("update")
def agency_update(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The agency's code.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--suspended", help="Reinstate or suspend it (its tokens stop working).")] = None,
) -> None:
    """Rename, suspend or reinstate an agency."""
    db = _database(ctx)
    with db.transaction() as conn:
        agency = agencies.update_agency(conn, _operator(conn), code.upper(), name=name, active=active)
    out.print(f"{agency.code}: {escape(agency.name)}, {'active' if agency.active else 'suspended'}.")


def _roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(roles))


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(help="Login name.")],
    agency: Annotated[str, typer.Option(help="The user's agency.")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for several.")],
    display_name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    language: Annotated[str, typer.Option(help="Language of the web pages.")] = "en",
) -> None:
    """Create a user (then `kalkan token issue` gives them a token)."""
    db = _database(ctx)
    with db.transaction() as conn:
        user = users.create_user(
            conn,
            _operator(conn),
            username=username,
            agency=agency.upper(),
            roles=frozenset(role),
            display_name=display_name,
            language=language,
        )
    out.print(f"Created user {escape(user.username)} ({user.agency}: {_roles_text(user.roles)}).")


@user_app.command("list")
def user_list(ctx: typer.Context, agency: Annotated[str | None, typer.Option(help="Only this agency's users.")] = None) -> None:
    """List users."""
    db = _database(ctx)
    with db.transaction() as conn:
        found = users.list_users(conn, _operator(conn), agency.upper() if agency else None)
    table = Table("username", "name", "agency", "roles", "active", "created")
    for u in found:
        table.add_row(u.username, u.display_name, u.agency, _roles_text(u.roles), "yes" if u.active else "no", _when(u.created_at))
    out.print(table)


@user_app.command("update")
def user_update(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user's login name.")],
    role: Annotated[list[Role] | None, typer.Option(help="Replace the roles with these; repeat for several.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Reactivate or deactivate the user.")] = None,
    display_name: Annotated[str | None, typer.Option(help="New full name.")] = None,
    language: Annotated[str | None, typer.Option(help="New language.")] = None,
) -> None:
    """Change a user's roles, name or language; deactivate or reactivate them."""
    db = _database(ctx)
    with db.transaction() as conn:
        user = _find_user(conn, username)
        roles = frozenset(role) if role else None
        user = users.update_user(conn, _operator(conn), user.id, roles=roles, active=active, display_name=display_name, language=language)
    out.print(f"{escape(user.username)} ({user.agency}: {_roles_text(user.roles)}), {'active' if user.active else 'inactive'}.")


@token_app.command("issue")
def token_issue(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int | None, typer.Option(help="Lifetime in days (default and most: KALKAN_TOKEN_LIFETIME_DAYS).")] = None,
) -> None:
    """Issue an API token; its secret is printed once, alone on standard output."""
    settings = _settings(ctx)
    db = _database(ctx, settings)
    with db.transaction() as conn:
        user = _find_user(conn, username)
        issued = users.issue_token(conn, _operator(conn), user.id, name=name, lifetime=_lifetime(settings, days))
    _print_secret(issued, user.username)


@token_app.command("list")
def token_list(ctx: typer.Context, user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None) -> None:
    """List tokens (never their secrets)."""
    db = _database(ctx)
    with db.transaction() as conn:
        operator = _operator(conn)
        user_id = _find_user(conn, user).id if user else None
        found = users.list_tokens(conn, operator, user_id)
        names = {u.id: u.username for u in users.list_users(conn, operator)}
    table = Table("id", "user", "name", "prefix", "created", "expires", "revoked", "last used")
    for t in found:
        table.add_row(
            str(t.id),
            names.get(t.user_id, str(t.user_id)),
            t.name,
            t.prefix,
            _when(t.created_at),
            _when(t.expires_at),
            _when(t.revoked_at),
            _when(t.last_used_at),
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="The token's id (see `kalkan token list`).")]) -> None:
    """Revoke a token at once."""
    db = _database(ctx)
    with db.transaction() as conn:
        token = users.revoke_token(conn, _operator(conn), token_id)
    out.print(f"Token {token.id} ({escape(token.name)}) revoked at {_when(token.revoked_at)} UTC.")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Walk the audit chain; name every entry edited, deleted or inserted. Exit status 1 if any."""
    db = _database(ctx)
    with db.transaction() as conn:
        report = audit.verify(conn)
        verdict = "intact" if report.intact else f"{len(report.problems)} problems"
        audit.append(conn, _operator(conn), "audit.verify", detail=f"{report.entries} entries, head {report.head_seq}: {verdict}")
    out.print(f"Checked {report.entries} entries; head: seq {report.head_seq}, hash {report.head_hash}")
    for problem in report.problems:
        out.print(f"[red]seq {problem.seq}:[/red] {escape(problem.fault)}")
    if not report.intact:
        err.print(f"[red]The audit log is not intact: {len(report.problems)} problems.[/red]")
        raise typer.Exit(1)
    out.print("[green]The audit log is intact.[/green] Keep the head hash somewhere outside the database.")


# -- import and export ---------------------------------------------------------


def _report(summary: ImportSummary, rejects: Path | None) -> None:
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
    settings = _settings(ctx)
    db = _database(ctx, settings)
    source: BinaryIO
    if file == "-":
        source, size = sys.stdin.buffer, None
    else:
        path = Path(file)
        if not path.is_file():
            raise NotFound(f"no file {file}")
        source, size = path.open("rb"), path.stat().st_size
    with source, rejections_csv(rejects) as on_reject, _progress_bar("importing", size, in_bytes=True) as progress:
        summary = import_records(
            db,
            agency.upper(),
            source,
            strict=strict,
            username=_operator_name(),
            batch_size=batch_size,
            review_period_days=settings.review_period_days,
            progress=progress,
            on_reject=on_reject,
        )
    _report(summary, rejects)
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
    settings = _settings(ctx)
    db = _database(ctx, settings)
    target = None if output == "-" else Path(output)
    partial = target.with_name(target.name + ".partial") if target else None
    failure: OSError | None = None
    try:
        with db.transaction() as conn, partial.open("w", encoding="utf-8") if partial else nullcontext(sys.stdout) as handle:
            operator = _operator(conn)
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


# -- the demo ------------------------------------------------------------------


def _print_demo_users(result: DemoLoad, base: str) -> None:
    out.print("\nDemo users and their API tokens (new tokens at each run; earlier ones are revoked):\n")
    for c in result.credentials:
        out.print(f"  {c.agency:<7} {c.username:<22} {_roles_text(c.roles):<26} {c.token}", markup=False)
    token = {c.username: c.token for c in result.credentials}
    out.print("\nTry (the two bureaus see different records: access restrictions at work):\n", markup=False)
    for example in (
        f'curl -H "Authorization: Bearer {token["kz-ncb-analyst"]}" {base}/v1/me',
        f'curl -G -H "Authorization: Bearer {token["kz-ncb-analyst"]}" {base}/v1/records --data-urlencode "q=Каримов"',
        f'curl -G -H "Authorization: Bearer {token["uz-ncb-analyst"]}" {base}/v1/records --data-urlencode "q=Каримов"',
        f"{base}/docs  (the API, browsable)",
    ):
        out.print(f"  {example}", markup=False)


@app.command()
def demo(
    ctx: typer.Context,
    database_url: Annotated[str | None, typer.Option("--database-url", help=f"Demo database (default {DEMO_DATABASE_URL}).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API after loading.")] = True,
    reset: Annotated[bool, typer.Option(help="Delete the demo database first and load it anew.")] = False,
    size: Annotated[float, typer.Option(min=0.01, max=10.0, help="Scale of the data set (1.0: about 1,800 records).")] = 1.0,
) -> None:
    """Load a made-up data set of several countries' agencies, print its users' tokens, and serve it.

    The demo never reads KALKAN_DATABASE_URL, so it cannot fill a real database by mistake,
    and refuses to run in production mode.
    """
    if os.environ.get("KALKAN_MODE", "").strip().lower() == Mode.PRODUCTION.value:
        raise ConfigurationError(
            "kalkan demo does not run in production mode (KALKAN_MODE=production): it loads made-up records and prints tokens"
        )
    options: _Options | None = ctx.obj
    url = database_url or (options.database_url if options else None) or DEMO_DATABASE_URL
    if reset:
        delete_demo_database(url)
    settings = _load_settings(url)
    db = _open(ctx, url)
    db.migrate()
    with _progress_bar("loading the demo", None, in_bytes=False) as bar:
        result = load_demo(db, size=size, token_days=settings.token_lifetime_days, progress=bar)
    db.dispose()
    state = "loaded" if result.loaded else "already held (--reset loads it anew)"
    out.print(f"Demo data {state}: {result.records} records in {_shown(url)}.")
    base = f"http://{host}:{port}"
    _print_demo_users(result, base)
    if serve:
        out.print(f"\nServing on {base} (Ctrl-C stops).", markup=False)
        _serve(url, host, port, 1)
