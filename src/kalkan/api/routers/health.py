"""``GET /healthz``: the process answers and the database with it. No authentication."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from kalkan.api.deps import DatabaseDep
from kalkan.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class HealthResponse(BaseModel):
    status: str
    database: str


@router.get("/healthz", responses={503: {"description": "The database is unreachable"}})
def health(database: DatabaseDep) -> HealthResponse:
    try:
        with database.transaction() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        logger.warning("health check: database unreachable: %s", error)
        raise ServiceUnavailable("the database is unreachable") from None
    return HealthResponse(status="ok", database="ok")
