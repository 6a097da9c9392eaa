"""HTTP helpers: rooms through aiohttp's test client or a live server, bearer headers, GETs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _with_tokens(data: dict[str, Any]) -> dict[str, Any]:
    """Each role's token pulled out of its link, as `data["tokens"][role]`."""
    data["tokens"] = {role: url.split("token=", 1)[1] for role, url in data["links"].items()}
    return data


async def create_room(client: Any, **body: Any) -> dict[str, Any]:
    """POST /api/rooms through the test client and return the JSON, with the tokens."""
    body.setdefault("mode", "peer")
    body.setdefault("media", "video")
    resp = await client.post("/api/rooms", json=body)
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    return _with_tokens(data)


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def make_room(base_url: str, **body: Any) -> dict[str, Any]:
    """POST /api/rooms on a live server (blocking) and return the JSON, with the tokens."""
    body.setdefault("mode", "peer")
    body.setdefault("media", "video")
    return _with_tokens(post_json(base_url + "/api/rooms", body))


def status_of(url: str, token: str) -> int:
    """The HTTP status of a GET with the token as a bearer (errors included, never raised)."""
    req = urllib.request.Request(url, headers=auth(token))
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
