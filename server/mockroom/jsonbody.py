"""JSON from strangers: one parser for HTTP bodies and signaling frames, with depth and size limits.

Python's json module recurses once per nesting level, so `[[[[…` a few thousand deep raises
RecursionError (not a ValueError), and a 5,000-digit number raises ValueError (not a
JSONDecodeError). Neither is a client bug we should log as a crash. Every route and frame parses
through `parse_json` / `read_json`, which turn all of these into a ProtocolError the caller maps to
400 or to a WebSocket close, and which refuse what JSON does not define (NaN, Infinity).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # C, untyped in typeshed
from typing import Any, NoReturn

from aiohttp import web

from .errors import ProtocolError, TooLarge

# Our messages nest at most 4 deep (signal.data.description.sdp); 16 leaves room for clients'
# extra fields and is still far from the interpreter's recursion limit.
MAX_DEPTH = 16
MAX_BODY_BYTES = 4 * 1024 * 1024  # the app's client_max_size; a pasted bank fits with room
SMALL_BODY_BYTES = 64 * 1024  # a rating, a comment, a clip's metadata
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class InvalidJson(ProtocolError):
    """The bytes are not JSON we accept. On a socket this ends it with 1007 (invalid payload)."""

    code = "bad-json"
    close_code = 1007


class TooDeep(InvalidJson):
    """Nesting past MAX_DEPTH: no client of ours sends it, so a socket that does is closed."""

    code = "too-deep"


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nesting_depth(value: Any, limit: int, *, check_strings: bool = False) -> int:
    """How deep arrays and objects nest (a scalar is 0), stopping once past `limit`.

    Iterative on purpose: the value may already be deep enough to break a recursive walk.
    With `check_strings`, a string (or key) holding a lone surrogate raises InvalidJson.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if check_strings and not _encodable(item):
                raise InvalidJson("A string holds a lone UTF-16 surrogate (like \\ud800).")
            continue
        if isinstance(item, dict):
            if check_strings and not all(_encodable(key) for key in item):
                raise InvalidJson("A key holds a lone UTF-16 surrogate (like \\ud800).")
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def parse_json(
    raw: str | bytes,
    *,
    what: str = "The request body",
    max_depth: int = MAX_DEPTH,
    spans: dict[str, tuple[int, int]] | None = None,
) -> Any:
    """Decode one JSON text or raise InvalidJson with a message a developer can act on.

    With `spans`, a top-level object also says where each member's value lies in the text
    (`raw[start:end]`), so a relay can forward a checked value as sent instead of re-encoding it.
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidJson(f"{what} is not UTF-8 text.") from None
    try:
        value = _decode(raw, spans)
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"{what} is not valid JSON ({exc.msg}).") from None
    except RecursionError:
        raise TooDeep(
            f"{what} nests arrays or objects more than {max_depth} levels deep."
        ) from None
    except ValueError as exc:  # a number with too many digits, NaN, Infinity
        raise InvalidJson(f"{what} is not valid JSON ({str(exc).split(':')[0]}).") from None
    # Text from the wire is valid UTF-8, so a lone surrogate can only come from a \\u escape;
    # it would later fail to encode (token hashing, SQLite), so refuse it here.
    surrogates = _SURROGATE_ESCAPE.search(raw) is not None
    if nesting_depth(value, max_depth, check_strings=surrogates) > max_depth:
        raise TooDeep(f"{what} nests arrays or objects more than {max_depth} levels deep.")
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
_SPACE = re.compile(r"[ \t\n\r]*")


def _decode(raw: str, spans: dict[str, tuple[int, int]] | None) -> Any:
    start = _skip_space(raw, 0)
    if spans is None or not raw.startswith("{", start):
        return _DECODER.decode(raw)
    return _object_with_spans(raw, start, spans)


def _skip_space(raw: str, i: int) -> int:
    match = _SPACE.match(raw, i)  # always matches (perhaps the empty string)
    return match.end() if match else i


def _object_with_spans(raw: str, i: int, spans: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """json.loads of a text that opens an object at `i`, walking its members here so each
    value's place is known; every value is still decoded by the json module's own scanner.
    A repeated key keeps its last value, as json.loads does."""
    space, error = _skip_space, json.JSONDecodeError
    obj: dict[str, Any] = {}
    i = space(raw, i + 1)
    if raw.startswith("}", i):
        i += 1
    else:
        while True:
            if not raw.startswith('"', i):
                raise error("Expecting property name enclosed in double quotes", raw, i)
            key, i = scanstring(raw, i + 1)
            i = space(raw, i)
            if not raw.startswith(":", i):
                raise error("Expecting ':' delimiter", raw, i)
            i = space(raw, i + 1)
            obj[key], end = _DECODER.raw_decode(raw, i)
            spans[key] = (i, end)
            i = space(raw, end)
            if raw.startswith(",", i):
                i = space(raw, i + 1)
            elif raw.startswith("}", i):
                i += 1
                break
            else:
                raise error("Expecting ',' delimiter", raw, i)
    if space(raw, i) != len(raw):
        raise error("Extra data", raw, i)
    return obj


async def read_json(
    request: web.Request, *, max_bytes: int = MAX_BODY_BYTES, empty: Any = ...
) -> Any:
    """The request's JSON body. `empty` is returned for a request without a body, if given."""
    if not request.can_read_body and empty is not ...:
        return empty
    if request.content_length is not None and request.content_length > max_bytes:
        raise TooLarge(f"The request body is over the {max_bytes}-byte limit.")
    # aiohttp enforces client_max_size while reading, with or without Content-Length.
    body = await request.read()
    if len(body) > max_bytes:
        raise TooLarge(f"The request body is over the {max_bytes}-byte limit.")
    return parse_json(body)


async def read_json_object(request: web.Request, **kw: Any) -> dict[str, Any]:
    data = await read_json(request, **kw)
    if not isinstance(data, dict):
        raise InvalidJson("The request body must be a JSON object.")
    return data
