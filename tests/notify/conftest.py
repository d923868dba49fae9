"""Fixtures of the notification tests: the world, and a webhook of UZ-NCB pointing at a local receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kalkan.access.roles import Role
from kalkan.notify.webhooks import RegisteredWebhook, register
from kalkan.store.database import Database
from tests import factories
from tests.notify.receiver import Receiver, running_receiver

SECRET_KEY = "test-secret-key-of-at-least-thirty-two-characters"
AGENCY = "UZ-NCB"


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.ANALYST, Role.AGENCY_ADMIN, Role.OFFICER))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver(Receiver()) as running:
        yield running


def register_webhook(db: Database, world: factories.World, receiver: Receiver, agency: str = AGENCY) -> RegisteredWebhook:
    with db.transaction() as conn:
        registered = register(
            conn, world.scope(agency, Role.AGENCY_ADMIN), url=receiver.url, description="test", secret_key=SECRET_KEY, allow_http=True
        )
    receiver.secret = registered.secret
    return registered
