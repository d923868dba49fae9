"""Sign-in, sign-out, the home page and the language of a session."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kalkan.store import sessions
from kalkan.store.passwords import SignInOutcome, sign_in
from kalkan.web import resend
from kalkan.web.errors import WebRoute
from kalkan.web.i18n import LANGUAGES, Translator, pick_language
from kalkan.web.pages import render
from kalkan.web.routes.officer import SHIFT_COOKIE
from kalkan.web.session import (
    COOKIE,
    SIGN_IN_COOKIE,
    ConnectionDep,
    FormDep,
    PageDep,
    SettingsDep,
    browser_language,
    clear_session_cookie,
    same_site_path,
    set_session_cookie,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _sign_in_page(
    request: Request,
    settings: SettingsDep,
    *,
    next_path: str,
    username: str = "",
    message_key: str | None = None,
    status: int = 200,
    carry: resend.CarriedForm | None = None,
) -> Response:
    t = Translator(browser_language(request))
    return resend.sign_in_page(
        request, settings, t, next_path=next_path, username=username, message_key=message_key, status=status, carry=carry
    )


@router.get("/sign-in")
def sign_in_form(
    request: Request,
    settings: SettingsDep,
    conn: ConnectionDep,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
    expired: str = "",
) -> Response:
    secret = request.cookies.get(COOKIE, "")
    if secret and sessions.resolve_session(conn, secret) is not None:
        return RedirectResponse(same_site_path(next_path), status_code=303)
    return _sign_in_page(request, settings, next_path=same_site_path(next_path), message_key="sign_in.expired" if expired else None)


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    settings: SettingsDep,
    conn: ConnectionDep,
    form: FormDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    sign_in_token: Annotated[str, Form(max_length=200)] = "",
    next_field: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    next_path = same_site_path(next_field)
    carry = resend.carried_in_sign_in(form)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), sign_in_token.encode()):
        return _sign_in_page(
            request, settings, next_path=next_path, username=username, message_key="sign_in.form_expired", status=403, carry=carry
        )
    attempt = sign_in(conn, username, password)
    if attempt.outcome is not SignInOutcome.SIGNED_IN or attempt.user is None:
        key = {SignInOutcome.LOCKED: "sign_in.locked", SignInOutcome.DISABLED: "sign_in.disabled"}.get(attempt.outcome, "sign_in.refused")
        status = 429 if attempt.outcome is SignInOutcome.LOCKED else 401
        return _sign_in_page(request, settings, next_path=next_path, username=username, message_key=key, status=status, carry=carry)
    opened = sessions.open_session(conn, attempt.user)
    response: Response
    if carry is not None:  # signed in again: what was typed before, to send again
        t = Translator(pick_language(attempt.user.language))
        response = resend.resend_page(request, t, opened.session, carry, reason_key="resend.signed_in", status=200)
    else:
        response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, settings, opened.secret)
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out(page: PageDep, conn: ConnectionDep) -> Response:
    sessions.close_session(conn, page.secret)
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(response, page.request, page.settings)
    response.delete_cookie(SHIFT_COOKIE, path="/check")  # the shift's border post and direction end with the session
    return response


@router.post("/language")
def choose_language(page: PageDep, conn: ConnectionDep) -> Response:
    """The language of this session; a user's standing language is set with the user."""
    language = page.text("language")
    sessions.set_session_language(conn, page.secret, language if language in LANGUAGES else None)
    return RedirectResponse(same_site_path(page.text("back")), status_code=303)


@router.get("/")
def home(page: PageDep) -> Response:
    return render(page.request, "home.html", t=page.t, session=page.session)
