"""The real browser for the page tests: Debian's Chromium driven by Playwright, against a real server
on a loopback port, over a database holding a small demo data set (the fixtures are in conftest.py).

Set ``KALKAN_SCREENSHOTS`` to a folder (``docs/screenshots``) to save a picture of each main page.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from kalkan.api.app import create_app
from kalkan.io.demo import load_demo
from kalkan.io.demo.loader import DEMO_PASSWORD
from kalkan.settings import Settings
from kalkan.store.database import Database
from kalkan.store.tables import records

CHROMIUM = Path("/usr/bin/chromium")
#: As root and on a closed network Chromium needs these; it never fetches anything of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}"
    db = Database(url)
    db.migrate()
    load_demo(db, size=0.1)
    db.dispose()
    return url


@pytest.fixture(scope="module")
def server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    settings = Settings(database_url=demo_url, work_dir=tmp_path_factory.mktemp("work"))
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/system-packages installs it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1000, "height": 720}, locale="en-GB")
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("KALKAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def sign_in(page: Any, username: str, next_path: str = "/") -> None:
    page.goto(f"/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")  # keyboard only
    page.wait_for_url(f"**{next_path}")


def demo_rows(url: str, **where: str) -> list[Any]:
    db = Database(url)
    try:
        with db.transaction() as conn:
            query = select(records).where(*(records.c[name] == value for name, value in where.items())).order_by(records.c.id)
            return list(conn.execute(query))
    finally:
        db.dispose()
