"""How ``kalkan serve`` has uvicorn speak HTTP: h11, with Nagle's algorithm off.

With several workers uvicorn binds the listening socket itself, without naming the TCP
protocol, and asyncio then leaves Nagle's algorithm on for every accepted connection. A
response goes out in two writes (head, then body): the second waits for the client to
acknowledge the first, and clients acknowledge late (40 ms on Linux). Every answer took
40 ms longer than its work. This protocol turns Nagle's algorithm off on each connection,
whatever the number of workers.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; ``uvicorn.run(http="kalkan.api.server:NoDelayH11Protocol")``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
