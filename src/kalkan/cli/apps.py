"""The ``kalkan`` command and its sub-commands; the modules beside this one add commands to them."""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.exc import OperationalError, ProgrammingError
from typer.core import TyperGroup

from kalkan.cli.common import Options, err
from kalkan.errors import KalkanError

if TYPE_CHECKING:
    import click


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


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database to use instead of KALKAN_DATABASE_URL.")] = None,
) -> None:
    ctx.obj = Options(database_url)
