"""Delivering notifications: ``kalkan notify run``, the webhook delivery worker."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from kalkan.cli.apps import app
from kalkan.cli.common import current_database, err, settings_of
from kalkan.errors import ConfigurationError
from kalkan.notify.worker import DeliveryWorker

notify_app = typer.Typer(no_args_is_help=True, help="Deliver notifications to the agencies' webhooks.")
app.add_typer(notify_app, name="notify")


@notify_app.command("run")
def notify_run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(help="Deliver what is due now, then stop.")] = False,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds an endpoint has to answer.")] = 10.0,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Deliveries in flight at once.")] = 8,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Deliveries claimed at once; a claim lasts until they are all made.")] = 50,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between two looks at the outbox when it is empty.")] = 0.25,
) -> None:
    """Deliver webhook notifications until stopped (Ctrl-C or SIGTERM). Run as many as you like: they share the work."""
    settings = settings_of(ctx)
    secret_key = settings.secret_key.get_secret_value()
    if not secret_key:
        raise ConfigurationError("KALKAN_SECRET_KEY is not set: webhook deliveries are signed with keys derived from it")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    db = current_database(ctx, settings)
    worker = DeliveryWorker(db, secret_key, timeout=timeout, batch=batch, concurrency=concurrency, poll_interval=poll)
    stop = threading.Event()

    def _stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, _stop)
    try:
        if once:
            outcomes = worker.run_once()
            err.print(f"{sum(o.ok for o in outcomes)} delivered, {sum(not o.ok for o in outcomes)} failed (to be retried).")
        else:
            err.print("Delivering notifications; stop with Ctrl-C.")
            worker.run(stop)
    finally:
        worker.close()
