"""Can a browser get a TURN relay with the credentials this server hands out? (for `doctor`)

Allocation uses aioice, the ICE library aiortc already brings: a real TURN Allocate with the
long-term credential, then a deallocation, so nothing is left holding a relay port.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass
from typing import Any

from aioice import stun, turn

# turn:host[:port][?transport=udp|tcp], turns:host[:port][?transport=tcp]; host may be [v6].
TURN_URL = re.compile(
    r"^(?P<scheme>turns?):(?P<host>\[[^\]]+\]|[^:?]+)(?::(?P<port>\d+))?"
    r"(?:\?transport=(?P<transport>udp|tcp))?$"
)


@dataclass(frozen=True)
class TurnServer:
    url: str
    host: str
    port: int
    transport: str  # "udp" or "tcp"
    secure: bool  # turns: TLS over TCP
    username: str
    credential: str
    # TURN REST credentials ("<unix expiry>:<name>") expire; static ones do not (None).
    expires_at: float | None


def turn_servers(ice_servers: list[dict[str, Any]]) -> list[TurnServer]:
    """The TURN URLs among RTCIceServer dicts, with the credentials that go with each."""
    found = []
    for server in ice_servers:
        urls = server.get("urls", [])
        for url in [urls] if isinstance(urls, str) else urls:
            match = TURN_URL.match(str(url))
            if match is None:
                continue
            secure = match["scheme"] == "turns"
            username = str(server.get("username", ""))
            expiry = username.split(":", 1)[0]
            found.append(
                TurnServer(
                    url=str(url),
                    host=match["host"].strip("[]"),
                    port=int(match["port"] or (5349 if secure else 3478)),
                    transport="tcp" if secure else match["transport"] or "udp",
                    secure=secure,
                    username=username,
                    credential=str(server.get("credential", "")),
                    expires_at=float(expiry) if expiry.isdigit() else None,
                )
            )
    return found


class _Relay(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.closed = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def allocate(server: TurnServer, context: ssl.SSLContext, timeout: float) -> str | None:
    """None when a relay was allocated (and released again); otherwise what went wrong."""
    if not server.username or not server.credential:
        return "no username/credential comes with it, so browsers cannot allocate"
    try:
        transport, relay = await asyncio.wait_for(
            turn.create_turn_endpoint(
                _Relay,
                (server.host, server.port),
                server.username,
                server.credential,
                ssl=context if server.secure else None,
                transport=server.transport,
            ),
            timeout,
        )
    except stun.TransactionFailed as exc:
        return f"the allocation was refused ({exc})"
    except (TimeoutError, stun.TransactionTimeout):
        return f"no answer within {timeout:.0f} s (unreachable, or the port is blocked)"
    except (OSError, ssl.SSLError) as exc:
        return f"cannot connect ({exc})"
    transport.close()
    await asyncio.wait_for(relay.closed, timeout)
    return None
