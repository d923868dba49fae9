"""A cap on the size of request bodies, declared (Content-Length) or streamed (chunked)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kalkan.api.errors import error_response

_NOT_A_NUMBER = -1


def too_large_message(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


#: A page refusing a body that is too large, for the paths of the pages (not ``/v1``): (scope, limit) -> response.
PageRefusal = Callable[[Scope, int], Response]


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413 before they reach a handler.

    A declared length over the limit is refused before a byte is read. A body without one
    (chunked) is counted as it arrives: the read that passes the limit raises 413 (bodies are
    read before a handler runs or a transaction opens). ``larger`` allows more to the upload
    forms of the pages (path -> limit); ``page`` refuses a page's body with a page, not JSON.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None, page: PageRefusal | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        refusal: Response | None
        if declared == _NOT_A_NUMBER:
            refusal = error_response(400, {"code": "bad_request", "message": "the Content-Length header is not a number"})
        elif declared is not None and declared > limit:
            if self.page is not None and not scope["path"].startswith("/v1/"):
                refusal = self.page(scope, limit)
            else:
                refusal = error_response(413, {"code": "request_too_large", "message": too_large_message(limit)})
        else:
            refusal = None
        if refusal is not None:
            refusal.headers["Connection"] = "close"
            await refusal(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large_message(limit))
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    """The declared body length, None without the header, ``_NOT_A_NUMBER`` for garbage."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else _NOT_A_NUMBER
    return None
