"""The y-websocket wire format, as pure functions (no I/O, no CRDT).

A message is `varUint type` followed by a type-specific body:

- 0 sync: `varUint subtype` (0 step 1, 1 step 2, 2 update) + `varUint8Array payload`
  (a state vector for step 1, a Yjs v1 update otherwise);
- 1 awareness: `varUint8Array` of an awareness update:
  `varUint n`, then n of (`varUint clientID`, `varUint clock`, `varString JSON state`);
- 2 auth (sent by the server only; ignored here), 3 query awareness (no body).

The server relays update bytes as received, so this module only needs to find the payload and to
build the few messages the server originates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..jsonbody import InvalidJson, parse_json

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

# A Yjs v1 update with no structs and an empty delete set: nothing to store or relay.
EMPTY_UPDATE = b"\x00\x00"


class CodecError(ValueError):
    """The bytes are not a well-formed y-websocket message."""


def read_var_uint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """lib0 varUint: 7 bits per byte, little end first, high bit = more bytes follow."""
    value = 0
    shift = 0
    end = len(data)
    while True:
        if pos >= end:
            raise CodecError("truncated varUint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise CodecError("varUint too long")


def write_var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def read_var_bytes(data: bytes | memoryview, pos: int) -> tuple[bytes, int]:
    length, pos = read_var_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise CodecError("truncated byte array")
    return bytes(data[pos:end]), end


def var_bytes(payload: bytes) -> bytes:
    return write_var_uint(len(payload)) + payload


@dataclass(frozen=True)
class Message:
    kind: int  # MESSAGE_*
    sub: int  # SYNC_* for sync messages, else -1
    payload: bytes  # state vector, update or awareness update; b"" for query awareness


def parse(data: bytes) -> Message:
    """Split a message into its kind, sync subtype and payload; raises CodecError."""
    kind, pos = read_var_uint(data, 0)
    if kind == MESSAGE_SYNC:
        sub, pos = read_var_uint(data, pos)
        if sub not in (SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE):
            raise CodecError(f"unknown sync message {sub}")
        payload, _ = read_var_bytes(data, pos)
        return Message(kind, sub, payload)
    if kind == MESSAGE_AWARENESS:
        payload, _ = read_var_bytes(data, pos)
        return Message(kind, -1, payload)
    if kind in (MESSAGE_AUTH, MESSAGE_QUERY_AWARENESS):
        return Message(kind, -1, b"")
    raise CodecError(f"unknown message type {kind}")


def update_payload(data: bytes) -> bytes | None:
    """The update of a sync update message (what every keystroke sends), or None for any other
    message, which `parse` reads. Only the header is read; raises CodecError if truncated."""
    if len(data) < 3 or data[0] != MESSAGE_SYNC or data[1] != SYNC_UPDATE:
        return None
    length, pos = data[2], 3
    if length >= 0x80:
        length, pos = read_var_uint(data, 2)
    end = pos + length
    if end > len(data):
        raise CodecError("truncated byte array")
    return data[pos:end]


def sync_step1(state_vector: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, SYNC_STEP1)) + var_bytes(state_vector)


def sync_step2(update: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, SYNC_STEP2)) + var_bytes(update)


def update_message(update: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, SYNC_UPDATE)) + var_bytes(update)


def awareness_message(awareness_update: bytes) -> bytes:
    return bytes((MESSAGE_AWARENESS,)) + var_bytes(awareness_update)


@dataclass(frozen=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: str  # the JSON text as sent; "null" means the client went away


def parse_awareness(payload: bytes) -> list[AwarenessEntry]:
    count, pos = read_var_uint(payload, 0)
    entries = []
    for _ in range(count):
        client_id, pos = read_var_uint(payload, pos)
        clock, pos = read_var_uint(payload, pos)
        raw, pos = read_var_bytes(payload, pos)
        try:
            state = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CodecError("awareness state is not UTF-8") from None
        entries.append(AwarenessEntry(client_id, clock, state))
    return entries


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    parts = [write_var_uint(len(entries))]
    for entry in entries:
        parts.append(write_var_uint(entry.client_id))
        parts.append(write_var_uint(entry.clock))
        parts.append(var_bytes(entry.state.encode("utf-8")))
    return b"".join(parts)


def awareness_state(entry: AwarenessEntry) -> Any:
    """The decoded state, or None for a removal / a state that is not JSON."""
    try:
        return parse_json(entry.state, what="An awareness state")
    except InvalidJson:
        return None
