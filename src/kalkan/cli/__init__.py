"""The ``kalkan`` command: set up, run and administer an installation from its server.

The operator at the server's shell acts for the secretariat: commands that read or change
data run as ``Scope.system(<secretariat>, username="cli:<login>")``, so the store audits
each of them under the operator's login. Settings come from ``KALKAN_*`` variables;
``--database-url`` overrides the database. Errors print a message and exit with status 1
(2 for a command line that is incomplete), never a stack trace.

Each module of this package adds its commands to the Typer apps of ``apps``; importing
them here registers them.
"""

from __future__ import annotations

from kalkan.cli import admin, audit, biometrics, check, demo, documents, lists, notices, notify, records, screen, setup
from kalkan.cli.apps import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (admin, audit, demo, records, setup, documents, screen, lists, notices, notify, biometrics, check)


def main() -> None:
    app()
