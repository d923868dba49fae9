"""Agencies: any user may list them; the secretariat admits, renames and suspends them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kalkan.api.deps import ConnectionDep, ScopeDep
from kalkan.api.errors import error_responses
from kalkan.api.params import AgencyCodeParam
from kalkan.model.countries import CountryCode
from kalkan.store import agencies
from kalkan.store.agencies import Agency, AgencyKind

router = APIRouter(prefix="/agencies", tags=["agencies"], responses=error_responses(401, 422))

AgencyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AgencyCodePath = Annotated[str, Path(max_length=32, description="the agency's code, e.g. UZ-NCB")]


class AgencyResponse(BaseModel):
    code: str
    name: str
    country: str
    kind: AgencyKind
    parent: str | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, agency: Agency) -> AgencyResponse:
        return cls(
            code=agency.code,
            name=agency.name,
            country=agency.country,
            kind=agency.kind,
            parent=agency.parent,
            active=agency.active,
            created_at=agency.created_at,
        )


class AgencyListResponse(BaseModel):
    items: list[AgencyResponse]


class AgencyCreateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: AgencyCodeParam
    name: AgencyName
    country: CountryCode = Field(description="ISO 3166-1 alpha-3 or ICAO code")
    kind: AgencyKind
    parent: AgencyCodeParam | None = Field(None, description="the national bureau that admits a national service")


class AgencyUpdateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AgencyName | None = None
    active: bool | None = Field(None, description="false suspends the agency: its tokens stop working")


@router.get("")
def list_agencies(conn: ConnectionDep, _scope: ScopeDep) -> AgencyListResponse:
    return AgencyListResponse(items=[AgencyResponse.of(a) for a in agencies.list_agencies(conn)])


@router.get("/{code}", responses=error_responses(404))
def read_agency(code: AgencyCodePath, conn: ConnectionDep, _scope: ScopeDep) -> AgencyResponse:
    return AgencyResponse.of(agencies.get_agency(conn, code.upper()))


@router.post("", status_code=201, responses=error_responses(403, 409))
def create_agency(request: Request, response: Response, new: AgencyCreateQuery, conn: ConnectionDep, scope: ScopeDep) -> AgencyResponse:
    created = agencies.create_agency(conn, scope, code=new.code, name=new.name, country=new.country, kind=new.kind, parent=new.parent)
    response.headers["Location"] = request.app.url_path_for("read_agency", code=created.code)
    return AgencyResponse.of(created)


@router.patch("/{code}", responses=error_responses(403, 404))
def update_agency(code: AgencyCodePath, change: AgencyUpdateQuery, conn: ConnectionDep, scope: ScopeDep) -> AgencyResponse:
    return AgencyResponse.of(agencies.update_agency(conn, scope, code.upper(), name=change.name, active=change.active))
