"""The signaling wire: message types, parsing and validation. Pure: no sockets, no DOM.

Every frame is a JSON object with a "type". `parse_client_message` turns raw text into a checked
dict or raises ProtocolError / TooLarge with a message a developer can act on. The same schema is
written for humans in docs/protocol.md; keep the two in step.
"""

from __future__ import annotations

import json
from dataclasses import KW_ONLY, dataclass
from typing import Any

from ..errors import ErrorReply, MockRoomError, ProtocolError, TooLarge
from ..jsonbody import parse_json

PROTOCOL_VERSION = 1
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP = 32 * 1024

INTERVIEW_ACTIONS = frozenset(
    {
        "start",
        "begin_question",
        "next",
        "repeat",
        "extend",
        "pause",
        "resume",
        "skip",
        "pick",
        "done",
        "request_swap",
        "confirm_swap",
        "cancel_swap",
        "wrap_up",
        "open_feedback",
        "feedback",
        "finish",
        "recording",
    }
)
SCRIPTED_ACTIONS = frozenset(
    {"offer", "candidate", "consent", "start", "done", "repeat", "retake", "next", "stop"}
)


@dataclass(frozen=True)
class Field:
    """One field of a client message: its JSON type, and the limits checked before dispatch."""

    kind: type | tuple[type, ...]
    _: KW_ONLY
    required: bool = True
    max_len: int | None = None
    choices: frozenset[str] | None = None


# Client -> server messages and their fields (besides "type").
CLIENT_MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {
        "version": Field(int),
        "token": Field(str, max_len=200),
        "name": Field(str, required=False, max_len=200),
        "participant_id": Field(str, required=False, max_len=64),
        "takeover": Field(bool, required=False),
        "media": Field(dict, required=False),
    },
    "signal": {"to": Field(str, max_len=64), "data": Field(dict)},
    "state": {
        "audio": Field(bool, required=False),
        "video": Field(bool, required=False),
        "screen": Field(bool, required=False),
        "name": Field(str, required=False, max_len=200),
    },
    "ping": {"t": Field((int, float))},
    "bye": {},
    "interview": {
        "action": Field(str, choices=INTERVIEW_ACTIONS),
        "question_id": Field(str, required=False, max_len=100),
        "data": Field(dict, required=False),
    },
    "scripted": {
        "action": Field(str, choices=SCRIPTED_ACTIONS),
        "sdp": Field(str, required=False, max_len=MAX_SDP),
        "candidate": Field(dict, required=False),
        "recording": Field(dict, required=False),  # start: the take kept through an outage
    },
    "captions": {"on": Field(bool)},  # live captions in scripted rooms (scripted/captions.py)
}


def _check_signal_data(data: dict[str, Any]) -> None:
    """A signal carries one SDP description or one ICE candidate (None: end of candidates)."""
    keys = set(data)
    if keys == {"description"}:
        desc = data["description"]
        if (
            not isinstance(desc, dict)
            or desc.get("type") not in {"offer", "answer", "rollback", "pranswer"}
            or not isinstance(desc.get("sdp", ""), str)
            or len(desc.get("sdp", "")) > MAX_SDP
        ):
            raise ProtocolError("signal.data.description must be {type: offer|answer, sdp}")
    elif keys == {"candidate"}:
        cand = data["candidate"]
        if cand is not None and (
            not isinstance(cand, dict) or not isinstance(cand.get("candidate", ""), str)
        ):
            raise ProtocolError("signal.data.candidate must be an RTCIceCandidateInit or null")
    else:
        raise ProtocolError("signal.data must hold exactly one of 'description' or 'candidate'")


class ClientMessage(dict[str, Any]):
    """A checked client message, which still knows the text it came from: a relay forwards a
    field it checked as the client sent it (`field_text`), not re-encoded."""

    __slots__ = ("raw", "spans")

    def __init__(self, fields: dict[str, Any], raw: str, spans: dict[str, tuple[int, int]]):
        super().__init__(fields)
        self.raw = raw
        self.spans = spans


def field_text(message: dict[str, Any], name: str) -> str:
    """The JSON text of a top-level field: the client's own bytes when the message still has
    them (a value checked and forwarded unchanged), else the field encoded."""
    if isinstance(message, ClientMessage) and name in message.spans:
        start, end = message.spans[name]
        return message.raw[start:end]
    return encode(message[name])


def parse_client_message(
    raw: str | bytes, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
) -> ClientMessage:
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise TooLarge(f"Message of {size} bytes is over the {max_bytes}-byte limit.")
    if isinstance(raw, bytes):
        raise ProtocolError("Signaling frames are JSON text, not binary.", code="bad-frame")
    spans: dict[str, tuple[int, int]] = {}
    message = parse_json(raw, what="Frame", spans=spans)
    if not isinstance(message, dict):
        raise ProtocolError("A message must be a JSON object.", code="bad-message")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_MESSAGES:
        raise ProtocolError(
            f"Unknown message type {kind!r}; known: {', '.join(sorted(CLIENT_MESSAGES))}.",
            code="unknown-type",
        )
    spec = CLIENT_MESSAGES[kind]
    unknown = set(message) - set(spec) - {"type", "id"}
    if unknown:
        raise ProtocolError(
            f"{kind}: unknown field(s) {', '.join(sorted(unknown))}.", code="bad-message"
        )
    for name, field in spec.items():
        if name not in message:
            if field.required:
                raise ProtocolError(f"{kind}: missing field '{name}'.", code="bad-message")
            continue
        value = message[name]
        # bool is an int in Python; a JSON true must not pass as a number.
        if not isinstance(value, field.kind) or (
            isinstance(value, bool) and field.kind is not bool
        ):
            raise ProtocolError(f"{kind}.{name} has the wrong type.", code="bad-message")
        if field.max_len is not None and isinstance(value, str) and len(value) > field.max_len:
            raise ProtocolError(
                f"{kind}.{name} is longer than {field.max_len}.", code="bad-message"
            )
        if field.choices is not None and value not in field.choices:
            raise ProtocolError(
                f"{kind}.{name} must be one of {', '.join(sorted(field.choices))}.",
                code="bad-message",
            )
    if kind == "signal":
        _check_signal_data(message["data"])
    return ClientMessage(message, raw, spans)


def encode(message: Any) -> str:
    return json.dumps(message, separators=(",", ":"))


def relayed_signal(message: dict[str, Any], sender_id: str, sender_role: str) -> str:
    """The frame a signal's target receives: who sent it (from its seat and link, never from
    the frame) and its `data` exactly as the sender wrote it, already checked by
    `parse_client_message`. An SDP is most of a signal's bytes; re-encoding it cost as much as
    parsing it."""
    return (
        f'{{"type":"signal","from":{encode(sender_id)},"from_role":{encode(sender_role)},'
        f'"data":{field_text(message, "data")}}}'
    )


MAX_ID_LENGTH = 64


def message_id(message: Any) -> str | int | None:
    """The client's correlation `id` of a message, if it sent a usable one (a string of at most
    64 characters or an integer); error frames echo it so the client knows which action failed."""
    if not isinstance(message, dict):
        return None
    value = message.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and len(value) <= MAX_ID_LENGTH):
        return value
    return None


def raw_message_id(raw: str) -> str | int | None:
    """`message_id` of a frame that failed to validate: the id, if its JSON has one."""
    try:
        return message_id(parse_json(raw, what="Frame"))
    except MockRoomError:  # not JSON at all (or too deep): there is no id to echo
        return None


def error_message(
    code: str, message: str, *, fatal: bool = False, id: str | int | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message, "fatal": fatal}
    if id is not None:
        frame["id"] = id
    return frame


def error_frame(
    reply: ErrorReply, *, fatal: bool = False, id: str | int | None = None
) -> dict[str, Any]:
    """An ErrorReply as a signaling frame: its extra fields, then the usual ones."""
    return {**reply.extra, **error_message(reply.code, reply.message, fatal=fatal, id=id)}
