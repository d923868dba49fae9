"""The whole schema: every module that defines tables on ``tables.metadata`` is imported here.

Alembic's environment and the tests read ``metadata`` from this module, so a table defined
in a module of its own (one per area) must be imported below to exist for them.
"""

from __future__ import annotations

from kalkan.store import (
    biometrics,  # noqa: F401 - defines biometric_samples
    documents,  # noqa: F401 - defines documents
    hits,  # noqa: F401 - defines checks, hits
    notices,  # noqa: F401 - defines notices, notice_addressees, notice_reviews
    outbox,  # noqa: F401 - defines notifications, webhooks, webhook_deliveries
    sessions,  # noqa: F401 - defines web_sessions
)
from kalkan.store.tables import metadata

__all__ = ["metadata"]
