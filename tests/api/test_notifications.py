"""Notifications over HTTP: the server-sent event stream, the catch-up list, webhook registration."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from kalkan.api.app import create_app
from kalkan.settings import Settings
from kalkan.store import outbox
from kalkan.store.database import Database
from tests import factories
from tests.api.calls import KZ_ADMIN, KZ_ANALYST, UZ_ADMIN, UZ_ANALYST, UZ_EDITOR, UZ_OFFICER, Api, error_of, fault_fields
from tests.api.conftest import MAX_REQUEST_BYTES

SECRET_KEY = "test-secret-key-of-at-least-thirty-two-characters"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_request_bytes=MAX_REQUEST_BYTES, page_size_limit=100, secret_key=SECRET_KEY)


def enqueue(db: Database, agency: str, payload: dict[str, Any]) -> str:
    """A notification committed by another writer than the request under test (as a hit will be)."""
    with db.transaction() as conn:
        return outbox.enqueue(conn, agency, "hit", payload)


@pytest.fixture
def server(settings: Settings, world: factories.World) -> Iterator[str]:
    """The API served by uvicorn on a free loopback port, in a thread; stopped at the end."""
    app = create_app(settings)
    app.state.notification_poll_seconds = 0.05
    app.state.notification_stream_seconds = 30.0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert running.started
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=30)


class Stream:
    """Reads the events of a server-sent event stream, one at a time, with a bounded wait."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()

    def comment(self) -> str:
        for line in self.lines:
            if line.startswith(":"):
                return line
        raise AssertionError("the stream ended")

    def event(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for line in self.lines:
            if not line:
                if "data" in fields:
                    return fields
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        raise AssertionError("the stream ended")


def open_stream(client: httpx.Client, world: factories.World, caller: tuple[str, Any], **headers: str) -> Any:
    auth = {"Authorization": f"Bearer {world.token(*caller)}", **headers}
    return client.stream("GET", "/v1/notifications/stream", headers=auth)


def test_the_stream_delivers_what_another_writer_commits_and_resumes_after_the_last_event(
    server: str, db: Database, world: factories.World
) -> None:
    with httpx.Client(base_url=server, timeout=httpx.Timeout(10.0)) as client:
        with open_stream(client, world, UZ_ANALYST) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = Stream(response)
            stream.comment()  # the stream is open: what is committed from now on comes down it
            enqueue(db, "KZ-NCB", {"not": "for UZ-NCB"})
            first = enqueue(db, "UZ-NCB", {"record_id": "a" * 32})
            event = stream.event()
            assert (event["event"], json.loads(event["data"])["id"]) == ("hit", first)
            assert json.loads(event["data"])["payload"] == {"record_id": "a" * 32}
            last_seen = event["id"]
        # Disconnected: two more are committed meanwhile; reconnecting with Last-Event-ID gets both, in order.
        missed = [enqueue(db, "UZ-NCB", {"n": n}) for n in range(2)]
        with open_stream(client, world, UZ_ANALYST, **{"Last-Event-ID": last_seen}) as response:
            stream = Stream(response)
            assert [json.loads(stream.event()["data"])["id"] for _ in missed] == missed


def test_an_agency_streams_only_its_own_notifications(server: str, db: Database, world: factories.World) -> None:
    with httpx.Client(base_url=server, timeout=httpx.Timeout(10.0)) as client:
        with open_stream(client, world, KZ_ANALYST, **{"Last-Event-ID": "0"}) as response:
            stream = Stream(response)
            stream.comment()
            enqueue(db, "UZ-NCB", {"secret": "of UZ-NCB"})
            mine = enqueue(db, "KZ-NCB", {"n": 1})
            event = stream.event()
        assert json.loads(event["data"])["id"] == mine
        assert event["id"] == "2"  # the first event it got is its own, the second notification overall


def test_a_stream_needs_a_role_that_reads_records(server: str, world: factories.World) -> None:
    with httpx.Client(base_url=server, timeout=httpx.Timeout(10.0)) as client:
        with open_stream(client, world, UZ_OFFICER) as response:
            response.read()
            assert response.status_code == 403
        response = client.get("/v1/notifications/stream")
        assert response.status_code == 401
        with open_stream(client, world, UZ_ANALYST, **{"Last-Event-ID": "twelve"}) as response:
            response.read()
            assert response.status_code == 422


def test_the_list_catches_up_after_a_sequence(api: Api, db: Database) -> None:
    sent = [enqueue(db, "UZ-NCB", {"n": n}) for n in range(3)]
    enqueue(db, "KZ-NCB", {"n": 99})
    page = api.get("/v1/notifications", UZ_ANALYST, params={"after": 0}).json()
    assert [item["id"] for item in page["items"]] == sent
    assert page["last"] == 3
    later = api.get("/v1/notifications", UZ_ANALYST, params={"after": 2}).json()
    assert ([item["id"] for item in later["items"]], later["last"]) == ([sent[2]], 3)
    assert api.get("/v1/notifications", UZ_ANALYST, params={"after": 3}).json() == {"items": [], "last": 3}
    assert [item["payload"] for item in api.get("/v1/notifications", KZ_ANALYST).json()["items"]] == [{"n": 99}]
    assert error_of(api.get("/v1/notifications", UZ_OFFICER), 403)["code"] == "forbidden"
    assert "after" in fault_fields(api.get("/v1/notifications", UZ_ANALYST, params={"after": -1}))


def test_an_agency_admin_registers_lists_and_deletes_webhooks(api: Api) -> None:
    created = api.post("/v1/webhooks", UZ_ADMIN, json={"url": "https://bureau.example.uz/kalkan", "description": "duty desk"})
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    listed = api.get("/v1/webhooks", UZ_ADMIN).json()["items"]
    assert [(h["id"], h["url"], h["description"]) for h in listed] == [(hook["id"], "https://bureau.example.uz/kalkan", "duty desk")]
    assert "secret" not in json.dumps(listed)
    assert api.get("/v1/webhooks", KZ_ADMIN).json()["items"] == []
    assert error_of(api.delete(f"/v1/webhooks/{hook['id']}", KZ_ADMIN), 404)["code"] == "not_found"
    assert error_of(api.post("/v1/webhooks", UZ_EDITOR, json={"url": "https://x.example"}), 403)["code"] == "forbidden"
    assert api.delete(f"/v1/webhooks/{hook['id']}", UZ_ADMIN).status_code == 204
    assert api.get("/v1/webhooks", UZ_ADMIN).json()["items"] == []


@pytest.mark.parametrize(
    ("url", "fault"),
    [
        ("ftp://bureau.example.uz/", "must start with https:// or http://"),
        ("https:///no-host", "names no host"),
        ("https://user:pw@bureau.example.uz/", "must not carry a user name or password"),
        ("https://bureau.example.uz:99999/", "not a URL"),
    ],
)
def test_a_webhook_url_is_checked(api: Api, url: str, fault: str) -> None:
    assert fault in fault_fields(api.post("/v1/webhooks", UZ_ADMIN, json={"url": url}))["url"]


def test_production_takes_only_https_webhooks(database_url: str, world: factories.World) -> None:
    settings = Settings(database_url=database_url, mode="production", secret_key=SECRET_KEY, biometric_key=SECRET_KEY)
    with TestClient(create_app(settings)) as client:
        api = Api(client, world)
        assert (
            "must start with https://" in fault_fields(api.post("/v1/webhooks", UZ_ADMIN, json={"url": "http://bureau.example.uz/"}))["url"]
        )
        assert api.post("/v1/webhooks", UZ_ADMIN, json={"url": "https://bureau.example.uz/"}).status_code == 201
