"""A form sent too late is not lost: what was typed is carried through signing in, then offered to send again.

A form posted after its session ended (expired, idle, signed out elsewhere) gets the sign-in
page, with the form's fields carried in it as hidden fields; once signed in, the user gets a
page that shows what they typed and sends it again, with the new session's CSRF token, to
where it was going: one key press (the button has the focus). A form whose CSRF token is of
an earlier session while the session is live (a tab opened before signing in again) gets that
page at once. Nothing is done until the user sends it again, and the handler then checks it
as any other form, under the user's own Scope.

Only a form posted from a page of this site (its ``Origin``, or else its ``Referer``) is
offered again: a post from another site is refused as before, so that a forged form cannot
become a page with a ready token and a button. Files cannot be carried (a file field cannot be
filled by the server): the page says so. Passwords are never carried.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from kalkan.settings import Settings
from kalkan.store.sessions import WebSession
from kalkan.web.i18n import Translator
from kalkan.web.pages import render
from kalkan.web.session import SIGN_IN_COOKIE, is_secure, same_site_path

#: The prefix of a carried field in the sign-in form: ``carry:names[0].value``.
CARRY_PREFIX: Final = "carry:"
#: The carried form's destination, a path of this site.
CARRY_ACTION: Final = "carry_action"
MAX_CARRIED_FIELDS: Final = 400
MAX_CARRIED_CHARACTERS: Final = 200_000
_NEVER_CARRIED: Final = ("csrf_token", "sign_in_token", "password")


@dataclass(frozen=True, slots=True)
class CarriedForm:
    """What a user typed into a form of ``action``, and whether files were left behind."""

    action: str
    fields: tuple[tuple[str, str], ...]
    had_files: bool = False
    back: str = "/"  # the page the form was on


def same_origin(request: Request) -> bool:
    """Whether the post came from a page of this site (browsers send ``Origin`` with a post)."""
    here = urlsplit(str(request.base_url))
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    there = urlsplit(sent)
    return bool(sent) and (there.scheme, there.netloc) == (here.scheme, here.netloc)


def carried(request: Request, form: FormData) -> CarriedForm | None:
    """The posted form, to offer again; None when it must not be (another site, too big, nothing typed)."""
    if request.method != "POST" or not same_origin(request):
        return None
    fields: list[tuple[str, str]] = []
    had_files = False
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            had_files = had_files or bool(value.filename)
        elif not any(word in name for word in _NEVER_CARRIED):
            fields.append((name, value))
    if not fields or len(fields) > MAX_CARRIED_FIELDS or sum(len(n) + len(v) for n, v in fields) > MAX_CARRIED_CHARACTERS:
        return None
    referer = urlsplit(request.headers.get("referer", ""))
    return CarriedForm(request.url.path, tuple(fields), had_files, same_site_path(referer.path if referer.netloc else ""))


def carried_in_sign_in(form: FormData) -> CarriedForm | None:
    """The form a sign-in form carries (its ``carry:`` fields), or None."""
    action = form.get(CARRY_ACTION)
    if not isinstance(action, str) or not action.startswith("/") or action.startswith("//") or action.startswith("/sign-"):
        return None
    fields = tuple(
        (name.removeprefix(CARRY_PREFIX), value)
        for name, value in form.multi_items()
        if name.startswith(CARRY_PREFIX) and isinstance(value, str) and not any(word in name for word in _NEVER_CARRIED)
    )
    if not fields or len(fields) > MAX_CARRIED_FIELDS:
        return None
    back = form.get("next")
    return CarriedForm(action, fields, form.get("carry_had_files") == "1", same_site_path(back if isinstance(back, str) else None))


def sign_in_page(
    request: Request,
    settings: Settings,
    t: Translator,
    *,
    next_path: str,
    username: str = "",
    message_key: str | None = None,
    status: int = 200,
    carry: CarriedForm | None = None,
) -> Response:
    """The sign-in page with a fresh sign-in token (in its cookie), carrying a form if there is one."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        t=t,
        status=status,
        sign_in_token=token,
        next_path=next_path,
        username=username,
        message_key=message_key,
        carry=carry,
        carry_prefix=CARRY_PREFIX,
    )
    response.set_cookie(
        SIGN_IN_COOKIE, token, max_age=3600, path="/sign-in", secure=is_secure(request, settings), httponly=True, samesite="strict"
    )
    return response


def resend_page(request: Request, t: Translator, session: WebSession, carry: CarriedForm, *, reason_key: str, status: int) -> Response:
    """What the user typed, shown, and a form that sends it again with ``session``'s token."""
    shown = [(_label(t, name), value) for name, value in carry.fields if value.strip()]
    return render(request, "resend.html", t=t, session=session, carry=carry, reason_key=reason_key, status=status, shown=shown)


def _label(t: Translator, name: str) -> str:
    """A field's label in the user's language: the record forms', the check's or the search's, else its name."""
    plain = re.sub(r"\[\d+\]", "", name)
    for key in (f"field.{plain}", f"check.{plain}", f"search.{plain}"):
        if t.has(key):
            return t(key)
    return name
