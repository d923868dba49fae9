"""The HTTP protocol ``kalkan serve`` runs uvicorn with: every connection has Nagle's algorithm off."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from kalkan.api.server import NoDelayHttpToolsProtocol


async def _app(scope: Any, receive: Any, send: Any) -> None:  # never called: no request is sent
    raise AssertionError


class _Transport(asyncio.Transport):
    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def test_an_accepted_connection_gets_nagles_algorithm_turned_off() -> None:
    # Bound as uvicorn binds for several workers: without naming TCP, so asyncio leaves Nagle on.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    loop = asyncio.new_event_loop()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()), listener.accept()[0] as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            protocol = NoDelayHttpToolsProtocol(uvicorn.Config(_app), ServerState(), {}, _loop=loop)
            protocol.connection_made(_Transport(accepted))
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
        loop.close()
