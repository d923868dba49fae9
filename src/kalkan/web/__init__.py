"""Server-rendered pages for officers, bureaus, analysts, the secretariat and auditors.

``install_web(app)`` adds the pages and their static files to the application that
``kalkan.api.app.create_app`` builds. Pages call the same store functions as the API, with
the signed-in user's Scope, so they show and allow exactly what the API would.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from kalkan.web.routes import admin, audit, auth, bureau, notices, officer, records

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    for area in (auth, records, bureau, notices, officer, admin, audit):
        app.include_router(area.router)
    static = resources.files("kalkan.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
