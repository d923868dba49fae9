"""The audit log: auditors search it; auditors and the secretariat verify its hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kalkan.access.roles import Permission
from kalkan.api.deps import ConnectionDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.api.params import AgencyCodeParam
from kalkan.errors import Forbidden, ValidationFailed
from kalkan.store import audit
from kalkan.store.audit import AuditEntry
from kalkan.store.clock import as_utc

router = APIRouter(prefix="/audit", tags=["audit"], responses=error_responses(401, 403, 422))


class AuditSearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(None, max_length=64)
    agency: AgencyCodeParam | None = None
    action: str | None = Field(None, max_length=40, description="e.g. record.read, request.denied")
    record_id: str | None = Field(None, pattern=r"^[0-9a-f]{32}$")
    since: datetime | None = Field(None, description="entries at or after; UTC when no offset is given")
    until: datetime | None = Field(None, description="entries before; UTC when no offset is given")
    limit: int = Field(100, ge=1, description="at most the server's page size limit")
    before_seq: int | None = Field(None, ge=1, description="entries older than this one: the next page")


class AuditEntryResponse(BaseModel):
    seq: int
    at: datetime
    user_id: int | None
    username: str
    agency: str
    action: str
    record_ids: list[str]
    query_digest: str | None
    detail: str | None
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryResponse:
        return cls(
            seq=entry.seq,
            at=entry.at,
            user_id=entry.user_id,
            username=entry.username,
            agency=entry.agency,
            action=entry.action,
            record_ids=entry.record_ids,
            query_digest=entry.query_digest,
            detail=entry.detail,
            hash=entry.hash,
        )


class AuditPageResponse(BaseModel):
    items: list[AuditEntryResponse] = Field(description="newest first")
    next_before_seq: int | None = Field(description="pass as before_seq for the next page; null on the last page")


class ChainProblemResponse(BaseModel):
    seq: int
    fault: str


class ChainReportResponse(BaseModel):
    intact: bool
    entries: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblemResponse]


@router.get("")
def search_audit(
    query: Annotated[AuditSearchQuery, Query()], conn: ConnectionDep, scope: ScopeDep, settings: SettingsDep
) -> AuditPageResponse:
    if query.limit > settings.page_size_limit:
        raise ValidationFailed.one("limit", f"must be at most {settings.page_size_limit}")
    entries = audit.search(
        conn,
        scope,
        username=query.username,
        agency=query.agency,
        action=query.action,
        record_id=query.record_id,
        since=as_utc(query.since) if query.since else None,
        until=as_utc(query.until) if query.until else None,
        limit=query.limit,
        before_seq=query.before_seq,
    )
    next_page = entries[-1].seq if len(entries) == query.limit and entries[-1].seq > 1 else None
    return AuditPageResponse(items=[AuditEntryResponse.of(e) for e in entries], next_before_seq=next_page)


@router.get("/verify")
def verify_audit(conn: ConnectionDep, scope: ScopeDep) -> ChainReportResponse:
    """Walk the whole hash chain and report every entry edited, deleted or inserted."""
    if not (scope.can(Permission.READ_AUDIT) or scope.can(Permission.MANAGE_AGENCIES)):
        raise Forbidden("verifying the audit log is for auditors and the secretariat")
    report = audit.verify(conn)
    audit.append(conn, scope, "audit.verify", detail="intact" if report.intact else f"{len(report.problems)} problems")
    return ChainReportResponse(
        intact=report.intact,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        problems=[ChainProblemResponse(seq=p.seq, fault=p.fault) for p in report.problems],
    )
