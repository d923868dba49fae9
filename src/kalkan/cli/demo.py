"""``kalkan demo``: a made-up data set of several countries' agencies, served on localhost."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kalkan.cli.apps import app
from kalkan.cli.common import Options, load_settings, open_database, out, progress_bar, roles_text, shown
from kalkan.cli.setup import run_server
from kalkan.errors import ConfigurationError
from kalkan.io.demo import DemoLoad, delete_demo_database, load_demo
from kalkan.settings import Mode

DEMO_DATABASE_URL = "sqlite:///kalkan-demo.db"


def _print_demo_users(result: DemoLoad, base: str) -> None:
    out.print("\nDemo users and their API tokens (new tokens at each run; earlier ones are revoked):\n")
    for c in result.credentials:
        out.print(f"  {c.agency:<7} {c.username:<22} {roles_text(c.roles):<26} {c.token}", markup=False)
    token = {c.username: c.token for c in result.credentials}
    out.print(f"\nWeb pages: {base}/ ; every demo user signs in with the password {result.password}", markup=False)
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
    options: Options | None = ctx.obj
    url = database_url or (options.database_url if options else None) or DEMO_DATABASE_URL
    if reset:
        delete_demo_database(url)
    settings = load_settings(url)
    db = open_database(ctx, url)
    db.migrate()
    with progress_bar("loading the demo", None, in_bytes=False) as bar:
        result = load_demo(db, size=size, token_days=settings.token_lifetime_days, progress=bar)
    db.dispose()
    state = "loaded" if result.loaded else "already held (--reset loads it anew)"
    out.print(f"Demo data {state}: {result.records} records in {shown(url)}.")
    base = f"http://{host}:{port}"
    _print_demo_users(result, base)
    if serve:
        out.print(f"\nServing on {base} (Ctrl-C stops).", markup=False)
        run_server(url, host, port, 1)
