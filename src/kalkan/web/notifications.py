"""The agency's notifications as the bureau page shows them, the same on load and when they arrive live.

The page lists the newest from the outbox (``kalkan.store.outbox``); a small script opens
``/bureau/notifications/stream``, which streams what is committed after the newest shown,
one server-sent event per notification, each carrying what the script needs to add a line
to the list (the same words the page renders, already in the user's language).
"""

from __future__ import annotations

import json
from typing import Any

from kalkan.store.outbox import Notification
from kalkan.web.i18n import Translator

#: How much of a notification's payload a line of the list shows.
SUMMARY_LENGTH = 240


def summary(payload: dict[str, Any]) -> str:
    """``key: value`` for the payload's plain fields, in order; nested values are left to the API."""
    parts = [f"{key}: {value}" for key, value in payload.items() if isinstance(value, str | int | float) and not isinstance(value, bool)]
    text = "; ".join(parts)
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def shown(notification: Notification, t: Translator) -> dict[str, Any]:
    """A line of the list: what the template renders and what an event carries."""
    return {
        "seq": notification.seq,
        "id": notification.id,
        "kind": notification.kind,
        "kind_label": t.value(notification.kind),
        "created_at": notification.created_at.isoformat(),
        "at": notification.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary(notification.payload),
    }


def event(notification: Notification, t: Translator) -> str:
    """One server-sent event; its id is the sequence, so a reconnecting browser resumes after it."""
    data = json.dumps(shown(notification, t), ensure_ascii=False, separators=(",", ":"))
    return f"id: {notification.seq}\ndata: {data}\n\n"
