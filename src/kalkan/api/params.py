"""Parameter types the routers share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from kalkan.model.restriction import AgencyCode


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


#: An agency code in any case: ``kz-ncb`` is ``KZ-NCB``. (The model's pattern is checked
#: before its upper-casing, so the case is normalised first.)
AgencyCodeParam = Annotated[AgencyCode, BeforeValidator(_upper)]
