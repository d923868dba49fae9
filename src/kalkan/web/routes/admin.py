"""Administration: agencies (the secretariat), users and their passwords, API tokens.

The store decides who may manage what (``store.agencies``, ``store.users``,
``store.passwords``); a refusal comes back as the page of its status, and a form's faults
next to its fields.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from kalkan.access.roles import Permission, Role
from kalkan.errors import Conflict, ValidationFailed
from kalkan.store import agencies, passwords, users
from kalkan.store.agencies import AgencyKind
from kalkan.web.errors import WebRoute
from kalkan.web.i18n import LANGUAGES
from kalkan.web.pages import Page, render
from kalkan.web.session import ConnectionDep, PageDep

router = APIRouter(prefix="/admin", route_class=WebRoute, include_in_schema=False)

AgencyCodePath = Annotated[str, Path(max_length=32)]


def _faults(error: ValidationFailed | Conflict) -> dict[str, str]:
    if isinstance(error, ValidationFailed):
        return {f.field: f.fault for f in error.faults}
    return {"": error.message}


# -- agencies -------------------------------------------------------------------------


def _agencies_page(page: Page, conn: Connection, *, values: dict[str, str] | None = None, faults: dict[str, str] | None = None) -> Response:
    page.scope.require(Permission.MANAGE_AGENCIES)
    return render(
        page.request,
        "agencies.html",
        t=page.t,
        session=page.session,
        agencies=agencies.list_agencies(conn),
        kinds=list(AgencyKind),
        values=values or {},
        faults=faults or {},
        status=422 if faults else 200,
    )


@router.get("/agencies")
def agencies_page(page: PageDep, conn: ConnectionDep) -> Response:
    return _agencies_page(page, conn)


@router.post("/agencies")
def admit_agency(page: PageDep, conn: ConnectionDep) -> Response:
    values = {name: page.text(name) for name in ("code", "name", "country", "kind", "parent")}
    faults: dict[str, str] = {}
    if not values["name"]:
        faults["name"] = "required"
    if values["kind"] not in {k.value for k in AgencyKind}:
        faults["kind"] = "required"
    if faults:
        return _agencies_page(page, conn, values=values, faults=faults)
    try:
        agencies.create_agency(
            conn,
            page.scope,
            code=values["code"].upper(),
            name=values["name"][:200],
            country=values["country"],
            kind=AgencyKind(values["kind"]),
            parent=values["parent"].upper() or None,
        )
    except (ValidationFailed, Conflict) as error:
        return _agencies_page(page, conn, values=values, faults=_faults(error))
    return RedirectResponse("/admin/agencies", status_code=303)


@router.post("/agencies/{code}/active")
def set_agency_active(code: AgencyCodePath, page: PageDep, conn: ConnectionDep) -> Response:
    agencies.update_agency(conn, page.scope, code, active=page.text("active") == "1")
    return RedirectResponse("/admin/agencies", status_code=303)


# -- users ----------------------------------------------------------------------------


def _users_page(page: Page, conn: Connection, *, values: dict[str, Any] | None = None, faults: dict[str, str] | None = None) -> Response:
    listed = users.list_users(conn, page.scope)
    all_users = page.scope.can(Permission.MANAGE_ALL_USERS)
    return render(
        page.request,
        "users.html",
        t=page.t,
        session=page.session,
        users=listed,
        roles=list(Role),
        agency_codes=[a.code for a in agencies.list_agencies(conn) if a.active] if all_users else [page.scope.agency],
        languages=LANGUAGES,
        values=values or {"agency": page.scope.agency, "language": page.t.language, "roles": []},
        faults=faults or {},
        status=422 if faults else 200,
    )


@router.get("/users")
def users_page(page: PageDep, conn: ConnectionDep) -> Response:
    return _users_page(page, conn)


def _roles(page: Page) -> frozenset[Role]:
    valid = {r.value for r in Role}
    return frozenset(Role(r) for r in page.form.getlist("roles") if isinstance(r, str) and r in valid)


@router.post("/users")
def create_user(page: PageDep, conn: ConnectionDep) -> Response:
    values: dict[str, Any] = {name: page.text(name) for name in ("username", "display_name", "agency", "language")}
    values["roles"] = sorted(_roles(page))
    password = page.text("password")
    try:
        if password:  # checked first: a refused password must not leave a user without one
            passwords.check_password(password, values["username"])
        created = users.create_user(
            conn,
            page.scope,
            username=values["username"],
            agency=values["agency"] or page.scope.agency,
            roles=_roles(page),
            display_name=values["display_name"] or None,
            language=values["language"] if values["language"] in LANGUAGES else "en",
        )
        if password:
            passwords.set_password(conn, page.scope, created.id, password)
    except (ValidationFailed, Conflict) as error:
        return _users_page(page, conn, values=values, faults=_faults(error))
    return RedirectResponse(f"/admin/users/{created.id}?created=1", status_code=303)


def _user_page(page: Page, conn: Connection, user_id: int, *, faults: dict[str, str] | None = None, notice: str | None = None) -> Response:
    user = users.get_user(conn, page.scope, user_id)
    return render(
        page.request,
        "user.html",
        t=page.t,
        session=page.session,
        subject=user,
        roles=list(Role),
        languages=LANGUAGES,
        tokens=users.list_tokens(conn, page.scope, user_id),
        faults=faults or {},
        notice=notice,
        status=422 if faults else 200,
    )


@router.get("/users/{user_id}")
def user_page(user_id: int, page: PageDep, conn: ConnectionDep) -> Response:
    return _user_page(page, conn, user_id, notice="user.created" if page.request.query_params.get("created") else None)


@router.post("/users/{user_id}")
def update_user(user_id: int, page: PageDep, conn: ConnectionDep) -> Response:
    language = page.text("language")
    try:
        users.update_user(
            conn,
            page.scope,
            user_id,
            roles=_roles(page),
            display_name=page.text("display_name") or None,
            language=language if language in LANGUAGES else None,
            active=page.text("active") == "1",
        )
    except ValidationFailed as error:
        return _user_page(page, conn, user_id, faults=_faults(error))
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/users/{user_id}/password")
def set_password(user_id: int, page: PageDep, conn: ConnectionDep) -> Response:
    password = page.form.get("password")
    repeated = page.form.get("password_again")
    if not isinstance(password, str) or password != repeated:
        return _user_page(page, conn, user_id, faults={"password": "the two passwords differ"})
    try:
        passwords.set_password(conn, page.scope, user_id, password)
    except ValidationFailed as error:
        return _user_page(page, conn, user_id, faults=_faults(error))
    return _user_page(page, conn, user_id, notice="user.password_set")


# -- tokens ---------------------------------------------------------------------------


def _tokens_page(
    page: Page, conn: Connection, *, issued: users.IssuedToken | None = None, faults: dict[str, str] | None = None
) -> Response:
    tokens = users.list_tokens(conn, page.scope)
    manageable = (
        users.list_users(conn, page.scope)
        if page.scope.can(Permission.MANAGE_AGENCY_USERS) or page.scope.can(Permission.MANAGE_ALL_USERS)
        else []
    )
    owners = {u.id: u.username for u in manageable}
    owners[page.session.user.id] = page.session.user.username
    return render(
        page.request,
        "tokens.html",
        t=page.t,
        session=page.session,
        tokens=tokens,
        owners=owners,
        issued=issued,
        faults=faults or {},
        max_days=page.settings.token_lifetime_days,
        status=422 if faults else (201 if issued else 200),
    )


@router.get("/tokens")
def tokens_page(page: PageDep, conn: ConnectionDep) -> Response:
    return _tokens_page(page, conn)


@router.post("/tokens")
def issue_token(page: PageDep, conn: ConnectionDep) -> Response:
    name = page.text("name")[:100]
    days_text = page.text("lifetime_days")
    owner_text = page.text("user_id")
    faults: dict[str, str] = {}
    if not name:
        faults["name"] = "required"
    days = int(days_text) if days_text.isdigit() else page.settings.token_lifetime_days
    if not 1 <= days <= page.settings.token_lifetime_days:
        faults["lifetime_days"] = f"1 to {page.settings.token_lifetime_days}"
    if faults:
        return _tokens_page(page, conn, faults=faults)
    user_id = int(owner_text) if owner_text.isdigit() else page.session.user.id
    try:
        issued = users.issue_token(conn, page.scope, user_id, name=name, lifetime=timedelta(days=days))
    except ValidationFailed as error:
        return _tokens_page(page, conn, faults=_faults(error))
    return _tokens_page(page, conn, issued=issued)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: int, page: PageDep, conn: ConnectionDep) -> Response:
    users.revoke_token(conn, page.scope, token_id)
    return RedirectResponse("/admin/tokens", status_code=303)
