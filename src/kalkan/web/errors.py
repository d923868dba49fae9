"""Errors as pages: every web route answers HTML, never the API's JSON and never a traceback.

``WebRoute`` wraps each handler: no session sends the browser to sign in; a stale form is
refused with nothing done; a ``KalkanError`` becomes a page with its status. Refusals (401,
403, 404) are audited as the API audits them, in a transaction of their own, since the
request's transaction was rolled back. A record the caller may not see answers the same
page as one that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Scope as RequestScope

from kalkan.access.scope import Scope
from kalkan.errors import Forbidden, KalkanError, NotFound
from kalkan.store import audit
from kalkan.store.database import Database
from kalkan.web import resend
from kalkan.web.i18n import Translator
from kalkan.web.pages import render
from kalkan.web.session import FormExpired, SignInRequired, browser_language

logger = logging.getLogger(__name__)


_TITLES = {
    400: "error.bad_request",
    403: "error.forbidden",
    404: "error.not_found",
    409: "error.conflict",
    413: "error.too_large",
    422: "error.invalid",
}


def error_page(request: Request, status: int, message_key: str, detail: str | None = None) -> Response:
    session = getattr(request.state, "web_session", None)
    t = Translator(getattr(request.state, "language", None) or browser_language(request))
    return render(
        request,
        "error.html",
        t=t,
        session=session,
        status=status,
        title_key=_TITLES.get(status, "error.title"),
        message_key=message_key,
        detail=detail,
    )


def too_large_page(scope: RequestScope, limit: int) -> Response:
    """The page refusing a form whose upload is larger than ``limit`` bytes (nothing was read of it)."""
    request = Request(scope)
    return error_page(request, 413, "error.too_large_text", f"{limit // (1024 * 1024)} MiB")


def _refused(request: Request, error: KalkanError) -> Response:
    scope = getattr(request.state, "scope", None)
    database: Database = request.app.state.database
    detail = f"{request.method} {request.url.path}: {error.message}"
    if isinstance(error, NotFound):
        # The same words whether the thing is missing or hidden: its existence does not leak.
        page = error_page(request, 404, "error.not_found_text")
    else:
        page = error_page(request, error.status, "error.forbidden_text", error.message if isinstance(error, Forbidden) else None)
    # Audited once the request's transaction is rolled back and its lock released.
    page.background = BackgroundTask(audit.record_denial, database, scope if isinstance(scope, Scope) else None, detail)
    return page


def _page_for(request: Request, error: Exception) -> Response:
    if isinstance(error, SignInRequired):
        carry = resend.carried(request, error.form)
        if carry is not None:  # a form sent after its session ended: sign in, then send it again
            t = Translator(browser_language(request))
            settings = request.app.state.settings
            return resend.sign_in_page(
                request, settings, t, next_path=error.next_path, message_key="sign_in.expired_form", status=401, carry=carry
            )
        query = {"next": error.next_path, **({"expired": "1"} if error.expired else {})}
        return RedirectResponse(f"/sign-in?{urlencode(query)}", status_code=303)
    if isinstance(error, FormExpired):
        carry = resend.carried(request, error.form)
        session = getattr(request.state, "web_session", None)
        if carry is not None and session is not None:
            t = Translator(getattr(request.state, "language", None) or browser_language(request))
            return resend.resend_page(request, t, session, carry, reason_key="resend.stale", status=403)
        return error_page(request, 403, "error.form_expired_text")
    if isinstance(error, KalkanError):
        if error.status in (401, 403, 404):
            return _refused(request, error)
        return error_page(request, error.status, "error.failed_text", error.message)
    return error_page(request, 400, "error.bad_request_text")


class WebRoute(APIRoute):
    """An HTML route: errors become pages (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (SignInRequired, FormExpired, RequestValidationError, KalkanError) as error:
                request.state.failed = True  # the request's transaction is rolled back, not committed
                return _page_for(request, error)

        return guarded
