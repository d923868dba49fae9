"""The process's checkers as the pages reach them: the same ``Services`` the API's checks use."""

from __future__ import annotations

from kalkan.screening.services import Services
from kalkan.web.pages import Page


def services_of(page: Page) -> Services:
    shared: Services = page.request.app.state.services
    return shared
