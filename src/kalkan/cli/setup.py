"""Setting up and running an installation: init, migrate, serve."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import inspect, select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.cli.apps import app
from kalkan.cli.common import (
    current_database,
    err,
    open_database,
    operator_name,
    out,
    parse_agency_code,
    parse_country,
    print_secret,
    settings_of,
    shown,
    token_lifetime,
)
from kalkan.errors import ConfigurationError, Conflict
from kalkan.store import agencies, users
from kalkan.store.database import Database
from kalkan.store.tables import agencies as agency_table

APP_FACTORY = "kalkan.api.app:app_from_environment"


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
    settings = settings_of(ctx)
    code, name, country_code, username = _ask(
        [
            ("--agency-code", agency_code, "Code of the secretariat agency (e.g. SEC)"),
            ("--agency-name", agency_name, "Name of the secretariat agency"),
            ("--country", country, "Its country (ISO 3166-1 alpha-3, e.g. FRA)"),
            ("--admin-username", admin_username, "Username of the first administrator"),
        ]
    )
    code, country_code, lifetime = parse_agency_code(code), parse_country(country_code), token_lifetime(settings, token_days)
    db = open_database(ctx, settings.database_url)
    if _is_initialised(db):
        raise Conflict(f"the database {shown(db.url)} is already initialised (it has agencies); nothing was changed")
    db.migrate()
    with db.transaction() as conn:
        agency = agencies.bootstrap_agency(conn, code=code, name=name, country=country_code)
        system = Scope.system(agency.code, username=operator_name())
        roles = frozenset({Role.SECRETARIAT, Role.AGENCY_ADMIN})
        user = users.create_user(conn, system, username=username, agency=agency.code, roles=roles, display_name=admin_display_name)
        issued = users.issue_token(conn, system, user.id, name="init", lifetime=lifetime)
    err.print(f"Initialised {shown(db.url)}: agency {agency.code} ({escape(agency.name)}), administrator {escape(user.username)}.")
    print_secret(issued, user.username)


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Bring the database schema to this version's newest migration."""
    db = open_database(ctx, settings_of(ctx).database_url)
    db.migrate()
    out.print(f"The schema of {shown(db.url)} is current.")


def run_server(database_url: str, host: str, port: int, workers: int) -> None:
    module = APP_FACTORY.partition(":")[0]
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        raise ConfigurationError(f"this installation has no HTTP API ({module} is missing)") from None
    import uvicorn

    os.environ["KALKAN_DATABASE_URL"] = database_url  # the workers read their settings from the environment
    from kalkan.api.server import EVENT_LOOP, HTTP_PROTOCOL  # httptools on uvloop, Nagle's algorithm off

    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=True, http=HTTP_PROTOCOL, loop=EVENT_LOOP)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default KALKAN_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KALKAN_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API."""
    settings = settings_of(ctx)
    current_database(ctx, settings).dispose()  # serving opens its own connections
    run_server(settings.database_url, host or settings.host, port or settings.port, workers)
