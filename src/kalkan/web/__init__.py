"""Server-rendered pages for officers, bureaus, analysts, the secretariat and auditors.

``install_web(app)`` adds the pages and their static files to the application that
``kalkan.api.app.create_app`` builds. Pages call the same store functions as the API, with
the signed-in user's Scope, so they show and allow exactly what the API would.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from kalkan.settings import Settings
from kalkan.web.errors import too_large_page
from kalkan.web.routes import admin, audit, auth, bureau, imports, notices, officer, records

__all__ = ["install_web", "too_large_page", "upload_limits"]

#: The officer's form: a photo and a fingerprint of at most ``MAX_PROBE_BYTES`` each, and room to
#: answer a larger one with the form and its fault rather than a bare refusal.
CHECK_FORM_BYTES = 64 * 1024 * 1024


def upload_limits(settings: Settings) -> dict[str, int]:
    """The body sizes the pages' upload forms may send, above the API's ``max_request_bytes``."""
    return {"/check": max(CHECK_FORM_BYTES, settings.max_request_bytes), "/bureau/import": settings.max_import_bytes}


def install_web(app: FastAPI) -> None:
    for area in (auth, records, bureau, imports, notices, officer, admin, audit):
        app.include_router(area.router)
    static = resources.files("kalkan.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
