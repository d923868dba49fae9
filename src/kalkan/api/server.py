"""How ``kalkan serve`` has uvicorn speak HTTP: httptools on uvloop, with Nagle's algorithm off.

httptools (the C parser of Node.js) and uvloop (libuv's event loop) do for each request what
h11 and asyncio's loop do in Python, for a fraction of the CPU time a check costs.

With several workers uvicorn binds the listening socket itself, without naming the TCP
protocol, and the event loop then leaves Nagle's algorithm on for every accepted
connection. A response goes out in two writes (head, then body): the second waits for the
client to acknowledge the first, and clients acknowledge late (40 ms on Linux). Every answer
took 40 ms longer than its work. This protocol turns Nagle's algorithm off on each
connection, whatever the number of workers.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: ``uvicorn.run(http=HTTP_PROTOCOL, loop=EVENT_LOOP)``, as ``kalkan serve`` runs it.
HTTP_PROTOCOL = "kalkan.api.server:NoDelayHttpToolsProtocol"
EVENT_LOOP = "uvloop"


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with Nagle's algorithm turned off on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
