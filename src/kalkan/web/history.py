"""The officer's own traveller checks of the day, newest first, each with its verdict.

A check that finds nothing writes no ``checks`` row (``store.hits`` keeps only checks with
hits), but every traveller check, from the page, the API or the shell, is one audit entry
(``check.travellers``) with the number of travellers, hits and possible hits and the ids of
the checks stored. The history reads those entries of the signed-in user since midnight UTC,
and the border post of the checks that were stored. Neither holds the traveller's name or
document in clear, so the history does not show them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, select

from kalkan.access.scope import Scope
from kalkan.store.clock import as_utc, now
from kalkan.store.hits import checks
from kalkan.store.tables import audit_log

#: Checks shown; an officer's busiest day fits.
MAX_SHOWN: Final = 200


@dataclass(frozen=True, slots=True)
class PastCheck:
    at: datetime
    travellers: int
    verdict: str  # no_hit, possible_hit, hit (the worst of the request's travellers)
    border_post: str | None
    direction: str | None


def start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _verdict(detail: dict[str, Any]) -> str:
    if int(detail.get("hit", 0)):
        return "hit"
    return "possible_hit" if int(detail.get("possible_hit", 0)) else "no_hit"


def checks_today(conn: Connection, scope: Scope, *, moment: datetime | None = None) -> list[PastCheck]:
    """The user's traveller checks since midnight UTC, newest first (the user's own activity: not audited again)."""
    since = start_of_day(moment or now())
    rows = conn.execute(
        select(audit_log.c.at, audit_log.c.detail)
        .where(
            audit_log.c.action == "check.travellers",
            audit_log.c.user_id == scope.user_id,
            audit_log.c.username == scope.username,
            audit_log.c.at >= since,
            audit_log.c.at < since + timedelta(days=1),
        )
        .order_by(audit_log.c.seq.desc())
        .limit(MAX_SHOWN)
    ).all()
    parsed = [(row, _detail(row.detail)) for row in rows]
    check_ids = sorted({str(c) for _, detail in parsed for c in detail.get("checks", [])})
    contexts: dict[str, dict[str, Any]] = {}
    if check_ids:
        for found in conn.execute(select(checks.c.id, checks.c.context).where(checks.c.id.in_(check_ids))):
            contexts[str(found.id)] = json.loads(found.context)
    past: list[PastCheck] = []
    for row, detail in parsed:
        context = next((contexts[c] for c in detail.get("checks", []) if c in contexts), {})
        past.append(
            PastCheck(
                at=as_utc(row.at),
                travellers=int(detail.get("travellers", 1)),
                verdict=_verdict(detail),
                border_post=context.get("border_post"),
                direction=context.get("direction"),
            )
        )
    return past


def _detail(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
