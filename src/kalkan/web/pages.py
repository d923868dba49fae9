"""Rendering pages: the Jinja environment, what every page knows, and the headers every page sends."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.settings import Settings
from kalkan.store.sessions import WebSession
from kalkan.web.i18n import LANGUAGES, Translator

_environment = Environment(
    loader=PackageLoader("kalkan.web", "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
#: ``names[0].value`` -> ``field.names.value``: the catalogue key of a form field's label.
_environment.filters["label_key"] = lambda name: "field." + re.sub(r"\[\d+\]", "", str(name))

#: Pages hold police data: never cached, never framed, scripts and styles only from the server itself.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    path: str
    permission: Permission | None


#: The areas of the site, each shown to users whose roles grant its permission.
NAVIGATION = (
    NavItem("nav.check", "/check", Permission.RUN_CHECKS),
    NavItem("nav.search", "/search", Permission.READ_RECORDS),
    NavItem("nav.bureau", "/bureau", Permission.WRITE_RECORDS),
    NavItem("nav.notices", "/notices", Permission.WRITE_RECORDS),
    NavItem("nav.review", "/review-queue", Permission.MANAGE_AGENCIES),
    NavItem("nav.agencies", "/admin/agencies", Permission.MANAGE_AGENCIES),
    NavItem("nav.users", "/admin/users", Permission.MANAGE_AGENCY_USERS),
    NavItem("nav.tokens", "/admin/tokens", None),
    NavItem("nav.audit", "/audit", Permission.READ_AUDIT),
)


@dataclass
class Page:
    """What a handler of a signed-in page works with."""

    request: Request
    session: WebSession
    secret: str
    t: Translator
    settings: Settings
    form: FormData = field(default_factory=FormData)

    @property
    def scope(self) -> Scope:
        return self.session.scope

    def text(self, name: str) -> str:
        """A form field as stripped text ('' when absent or a file)."""
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""


def navigation(scope: Scope | None) -> list[NavItem]:
    if scope is None:
        return []
    return [item for item in NAVIGATION if item.permission is None or scope.can(item.permission)]


def render(
    request: Request,
    template: str,
    *,
    t: Translator,
    session: WebSession | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    scope = session.scope if session else None
    context = {
        "t": t,
        "language": t.language,
        "direction": t.direction,
        "languages": LANGUAGES,
        "session": session,
        "user": session.user if session else None,
        "csrf_token": session.csrf_token if session else "",
        "nav": navigation(scope),
        "current_path": request.url.path,
        "can": (lambda permission: scope is not None and scope.can(Permission(permission))),
        **values,
    }
    html = _environment.get_template(template).render(context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
