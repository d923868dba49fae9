"""The signed-in user of a page: session cookie, CSRF token, language, one transaction per request.

``PageDep`` gives a handler its ``Page`` or sends the browser to sign in. On a POST it also
checks the form's ``csrf_token`` against the session's, before the handler runs.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.responses import Response

from kalkan.settings import Mode, Settings
from kalkan.store.database import Database
from kalkan.store.sessions import LIFETIME, resolve_session
from kalkan.web.i18n import Translator, from_accept_language, pick_language
from kalkan.web.pages import Page

COOKIE = "kalkan_session"
#: Before sign-in there is no session: the sign-in form's CSRF token is checked against this cookie.
SIGN_IN_COOKIE = "kalkan_sign_in"
MAX_FORM_FIELDS = 2000
#: The forms that take files, and how many: every other form refuses a file.
FILE_FORMS = {"/check": 2, "/bureau/import": 1}


class SignInRequired(Exception):
    """No live session: the browser is sent to sign in and brought back to ``next_path``
    (with the ``form`` it posted, if any: see ``kalkan.web.resend``)."""

    def __init__(self, next_path: str, *, expired: bool, form: FormData | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired
        self.form = form or FormData()


class FormExpired(Exception):
    """A POST whose CSRF token is not its session's: nothing is done (the ``form`` may be offered again)."""

    def __init__(self, form: FormData | None = None) -> None:
        super().__init__("form expired")
        self.form = form or FormData()


async def read_form(request: Request) -> FormData:
    """The posted form, read before the request's transaction opens; files (``FILE_FORMS``) spool to disk."""
    if request.method != "POST":
        return FormData()
    return await request.form(max_files=FILE_FORMS.get(request.url.path, 0), max_fields=MAX_FORM_FIELDS)


FormDep = Annotated[FormData, Depends(read_form)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_connection(request: Request) -> Iterator[Connection]:
    """One transaction per request, committed before the response is sent.

    ``WebRoute`` turns errors into pages inside the handler, so the transaction cannot learn
    of them from an exception: it marks the request ``failed`` and the transaction is rolled back.
    """
    database: Database = request.app.state.database
    with database.engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        except BaseException:
            transaction.rollback()
            raise
        if getattr(request.state, "failed", False):
            transaction.rollback()
        else:
            transaction.commit()


ConnectionDep = Annotated[Connection, Depends(get_connection, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def browser_language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), from_accept_language(request.headers.get("accept-language")))


def same_site_path(path: str | None) -> str:
    """A path on this site to return to after signing in; anything else goes home."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or path.startswith("/sign-"):
        return "/"
    return path


def _next_path(request: Request) -> str:
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = request.headers.get("referer", "")
    base = str(request.base_url)
    return same_site_path(referer[len(base) - 1 :] if referer.startswith(base) else request.url.path)


def get_page(request: Request, form: FormDep, conn: ConnectionDep, settings: SettingsDep) -> Page:
    return _page_of(request, form, conn, settings, touch=True)


def _page_of(request: Request, form: FormData, conn: Connection, settings: Settings, *, touch: bool) -> Page:
    secret = request.cookies.get(COOKIE, "")
    session = resolve_session(conn, secret, touch=touch) if secret else None
    if session is None:
        request.state.language = browser_language(request)
        raise SignInRequired(_next_path(request), expired=bool(secret), form=form)
    t = Translator(pick_language(session.language, session.user.language))
    request.state.web_session = session
    request.state.language = t.language
    request.state.scope = session.scope
    if request.method == "POST":
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise FormExpired(form)
    return Page(request=request, session=session, secret=secret, t=t, settings=settings, form=form)


PageDep = Annotated[Page, Depends(get_page)]


def get_reading_connection(request: Request) -> Iterator[Connection]:
    """A transaction that only reads: it never waits for the database's write lock (a long import may hold it)."""
    database: Database = request.app.state.database
    with database.reading() as conn:
        yield conn


ReadingConnectionDep = Annotated[Connection, Depends(get_reading_connection, scope="function")]


def get_reading_page(request: Request, conn: ReadingConnectionDep, settings: SettingsDep) -> Page:
    """The signed-in user of a GET page that writes nothing, not even the session's last use."""
    return _page_of(request, FormData(), conn, settings, touch=False)


#: A page that only reads and is not audited: nothing it shows comes from the records.
ReadingPageDep = Annotated[Page, Depends(get_reading_page)]


def is_secure(request: Request, settings: Settings) -> bool:
    """Cookies are Secure in production mode and whenever the page came over TLS."""
    return settings.mode is Mode.PRODUCTION or request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, settings: Settings, secret: str) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(LIFETIME.total_seconds()),
        path="/",
        secure=is_secure(request, settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path="/", secure=is_secure(request, settings), httponly=True, samesite="lax")
