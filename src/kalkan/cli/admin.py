"""Administration from the server's shell: agencies, users and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kalkan.access.roles import Role
from kalkan.cli.apps import agency_app, token_app, user_app
from kalkan.cli.common import (
    current_database,
    find_user,
    operator_scope,
    out,
    parse_agency_code,
    parse_country,
    print_secret,
    roles_text,
    settings_of,
    token_lifetime,
    when,
)
from kalkan.store import agencies, passwords, users


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
    db = current_database(ctx)
    with db.transaction() as conn:
        agency = agencies.create_agency(
            conn, operator_scope(conn), code=parse_agency_code(code), name=name, country=parse_country(country), kind=kind, parent=parent
        )
    out.print(f"Admitted {agency.code} ({escape(agency.name)}, {agency.country}, {agency.kind.value}).")


@agency_app.command("list")
def agency_list(ctx: typer.Context) -> None:
    """List the agencies."""
    db = current_database(ctx)
    with db.transaction() as conn:
        found = agencies.list_agencies(conn)
    table = Table("code", "name", "country", "kind", "parent", "active", "admitted")
    for a in found:
        table.add_row(a.code, a.name, a.country, a.kind.value, a.parent or "", "yes" if a.active else "suspended", when(a.created_at))
    out.print(table)


@agency_app.command("update")
def agency_update(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The agency's code.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--suspended", help="Reinstate or suspend it (its tokens stop working).")] = None,
) -> None:
    """Rename, suspend or reinstate an agency."""
    db = current_database(ctx)
    with db.transaction() as conn:
        agency = agencies.update_agency(conn, operator_scope(conn), code.upper(), name=name, active=active)
    out.print(f"{agency.code}: {escape(agency.name)}, {'active' if agency.active else 'suspended'}.")


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
    db = current_database(ctx)
    with db.transaction() as conn:
        user = users.create_user(
            conn,
            operator_scope(conn),
            username=username,
            agency=agency.upper(),
            roles=frozenset(role),
            display_name=display_name,
            language=language,
        )
    out.print(f"Created user {escape(user.username)} ({user.agency}: {roles_text(user.roles)}).")


@user_app.command("list")
def user_list(ctx: typer.Context, agency: Annotated[str | None, typer.Option(help="Only this agency's users.")] = None) -> None:
    """List users."""
    db = current_database(ctx)
    with db.transaction() as conn:
        found = users.list_users(conn, operator_scope(conn), agency.upper() if agency else None)
    table = Table("username", "name", "agency", "roles", "active", "created")
    for u in found:
        table.add_row(u.username, u.display_name, u.agency, roles_text(u.roles), "yes" if u.active else "no", when(u.created_at))
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
    db = current_database(ctx)
    with db.transaction() as conn:
        user = find_user(conn, username)
        roles = frozenset(role) if role else None
        user = users.update_user(
            conn, operator_scope(conn), user.id, roles=roles, active=active, display_name=display_name, language=language
        )
    out.print(f"{escape(user.username)} ({user.agency}: {roles_text(user.roles)}), {'active' if user.active else 'inactive'}.")


@user_app.command("set-password")
def user_set_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user's login name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Set the password a user signs in to the web pages with; it also unlocks the account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    db = current_database(ctx)
    with db.transaction() as conn:
        user = find_user(conn, username)
        passwords.set_password(conn, operator_scope(conn), user.id, password)
    out.print(f"Password set for {escape(user.username)}.")


@token_app.command("issue")
def token_issue(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int | None, typer.Option(help="Lifetime in days (default and most: KALKAN_TOKEN_LIFETIME_DAYS).")] = None,
) -> None:
    """Issue an API token; its secret is printed once, alone on standard output."""
    settings = settings_of(ctx)
    db = current_database(ctx, settings)
    with db.transaction() as conn:
        user = find_user(conn, username)
        issued = users.issue_token(conn, operator_scope(conn), user.id, name=name, lifetime=token_lifetime(settings, days))
    print_secret(issued, user.username)


@token_app.command("list")
def token_list(ctx: typer.Context, user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None) -> None:
    """List tokens (never their secrets)."""
    db = current_database(ctx)
    with db.transaction() as conn:
        operator = operator_scope(conn)
        user_id = find_user(conn, user).id if user else None
        found = users.list_tokens(conn, operator, user_id)
        names = {u.id: u.username for u in users.list_users(conn, operator)}
    table = Table("id", "user", "name", "prefix", "created", "expires", "revoked", "last used")
    for t in found:
        table.add_row(
            str(t.id),
            names.get(t.user_id, str(t.user_id)),
            t.name,
            t.prefix,
            when(t.created_at),
            when(t.expires_at),
            when(t.revoked_at),
            when(t.last_used_at),
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="The token's id (see `kalkan token list`).")]) -> None:
    """Revoke a token at once."""
    db = current_database(ctx)
    with db.transaction() as conn:
        token = users.revoke_token(conn, operator_scope(conn), token_id)
    out.print(f"Token {token.id} ({escape(token.name)}) revoked at {when(token.revoked_at)} UTC.")
