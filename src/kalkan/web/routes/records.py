"""The analyst's pages: search, a record with everything the caller's agency may see, its network."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import RedirectResponse, Response

from kalkan.access.roles import Permission
from kalkan.errors import NotFound, ValidationFailed
from kalkan.model.records import EventRecord, Link, RecordKind, StoredModel, TravelDocumentRecord
from kalkan.store.notices import SUBJECT_KINDS, NoticeStore
from kalkan.store.records import RecordStore
from kalkan.web import network
from kalkan.web.errors import WebRoute
from kalkan.web.pages import render
from kalkan.web.search import SearchBy, SearchQuery, search
from kalkan.web.services import services_of
from kalkan.web.session import ConnectionDep, PageDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

RecordIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def store_of(page: PageDep, conn: ConnectionDep) -> RecordStore:
    return RecordStore(conn, page.scope, page.settings.review_period_days)


@router.get("/search")
def search_page(
    page: PageDep,
    conn: ConnectionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    by: Annotated[str, Query(max_length=20)] = SearchBy.NAME.value,
    kind: Annotated[str, Query(max_length=20)] = "",
    birth_date: Annotated[str, Query(max_length=40)] = "",
    nationality: Annotated[str, Query(max_length=60)] = "",
    issuing_state: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    page.scope.require(Permission.READ_RECORDS)  # the page is the analysts' even before a search
    way = SearchBy(by) if by in {b.value for b in SearchBy} else SearchBy.NAME
    record_kind = RecordKind(kind) if kind in {k.value for k in RecordKind} else None
    asked = SearchQuery(q, way, record_kind, birth_date=birth_date, nationality=nationality, issuing_state=issuing_state)
    answer = None
    faults: dict[str, str] = {}
    if q.strip():
        try:
            answer = search(conn, page.scope, services_of(page), store_of(page, conn), asked)
        except ValidationFailed as failed:
            faults = {f.field: f.fault for f in failed.faults}
    return render(
        page.request,
        "search.html",
        t=page.t,
        session=page.session,
        asked=asked,
        q=q,
        by=way.value,
        kind=kind,
        answer=answer,
        faults=faults,
        kinds=list(RecordKind),
        matcher=page.scope.can(Permission.RUN_CHECKS),
        status=422 if faults else 200,
    )


def _pointers(record: StoredModel) -> list[tuple[str, str]]:
    """(role, record id) of the records this one points to, as the caller may see them."""
    if isinstance(record, TravelDocumentRecord) and record.holder_id:
        return [("holder_id", record.holder_id)]
    if isinstance(record, EventRecord):
        found: list[tuple[str, str]] = []
        if record.movement:
            found += [(k, v) for k, v in (("person_id", record.movement.person_id), ("document_id", record.movement.document_id)) if v]
        if record.transaction:
            found += [(k, v) for k, v in (("payer_id", record.transaction.payer_id), ("payee_id", record.transaction.payee_id)) if v]
        if record.incident:
            found += [("involved_ids", v) for v in record.incident.involved_ids]
        return found
    return []


def _labelled(store: RecordStore, record_id: str) -> StoredModel | None:
    try:
        return store.get(record_id)
    except NotFound:  # pragma: no cover - pointers to hidden records are blanked by the store
        return None


@router.get("/records/{record_id}")
def record_page(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    store = store_of(page, conn)
    record = store.get(record_id)
    if record.kind is RecordKind.NOTICE:
        # A notice is shown by its own page, under the notices' rules (a draft stays with its agency).
        NoticeStore(conn, page.scope, page.settings.review_period_days).get(record_id)
        return RedirectResponse(f"/notices/{record_id}", status_code=303)
    links: list[dict[str, Any]] = []
    if record.kind is not RecordKind.LINK:
        for link in store.links_of(record_id):
            if not isinstance(link, Link):  # pragma: no cover - links_of answers links
                continue
            outgoing = link.source_id == record_id
            other = _labelled(store, link.target_id if outgoing else link.source_id)
            if other is not None:
                links.append({"link": link, "outgoing": outgoing, "other": other})
    pointed = [(role, other) for role, pid in _pointers(record) for other in [_labelled(store, pid)] if other is not None]
    ends = []
    if isinstance(record, Link):
        ends = [
            (role, other)
            for role, pid in (("source_id", record.source_id), ("target_id", record.target_id))
            for other in [_labelled(store, pid)]
            if other
        ]
    documents = [entry for entry in links if entry["other"].kind is RecordKind.TRAVEL_DOCUMENT]
    others = [entry for entry in links if entry["other"].kind is not RecordKind.TRAVEL_DOCUMENT]
    return render(
        page.request,
        "record.html",
        t=page.t,
        session=page.session,
        record=record,
        data=record.model_dump(mode="json"),
        documents=documents,
        links=others,
        pointed=pointed + ends,
        is_owner=record.owner == page.scope.agency,
        may_draft_notice=record.kind in SUBJECT_KINDS and page.scope.can(Permission.WRITE_RECORDS),
    )


@router.get("/records/{record_id}/network")
def network_page(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    graph = network.gather(store_of(page, conn), record_id)
    drawing = network.layout(graph)
    return render(
        page.request, "network.html", t=page.t, session=page.session, graph=graph, drawing=drawing, centre=graph.nodes[graph.centre]
    )
