"""The relay's frames on Redis pub/sub (pure: bytes in, bytes out).

One frame is one pub/sub message: a kind byte, the 16-character session id, then the payload.
Data frames (`T` text, `B` binary) carry the WebSocket frame as it is, so the hot path copies
bytes and parses no JSON; control frames carry a small JSON object.

    O open      edge -> home   {"from": node, "path": "/ws/rooms/...?token=...", "headers": {...}}
    A accepted  home -> edge   {}                 the home node's own socket is open
    R refused   home -> edge   {"status": 403}    the home answered the upgrade with an error
    T / B       both ways      the frame's text (UTF-8) or bytes
    C close     both ways      {"code": 1000, "reason": "..."}
    Q question  any -> home    {"from": node, "ask": "roster", "room": id}   (asking.py)
    P answer    home -> asker  {"answer": ...}   (null: the home has none)
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

SID_LEN = 16
KINDS = frozenset(b"OARTBCQP")


def new_session_id() -> str:
    return secrets.token_hex(SID_LEN // 2)


@dataclass(frozen=True)
class Frame:
    kind: str  # one of "OARTBCQP"
    sid: str
    payload: bytes

    def json(self) -> dict[str, Any]:
        value = json.loads(self.payload or b"{}")
        if not isinstance(value, dict):
            raise ValueError("a control frame carries a JSON object")
        return value


def encode(kind: str, sid: str, payload: bytes | str | dict[str, Any] = b"") -> bytes:
    if isinstance(payload, dict):
        payload = json.dumps(payload, separators=(",", ":"))
    if isinstance(payload, str):
        payload = payload.encode()
    return kind.encode() + sid.encode() + payload


def decode(message: bytes) -> Frame:
    """A frame, or ValueError for bytes no node of ours sends."""
    if len(message) < 1 + SID_LEN or message[0] not in KINDS:
        raise ValueError("not a relay frame")
    sid = message[1 : 1 + SID_LEN].decode("ascii")
    return Frame(chr(message[0]), sid, message[1 + SID_LEN :])


def notice(kind: str, **fields: Any) -> bytes:
    """A cluster-wide notice (EVERYONE channel): JSON with its kind."""
    return json.dumps({"kind": kind, **fields}).encode()
