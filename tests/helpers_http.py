"""Small blocking HTTP helpers for tests that talk to a live server subprocess."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def make_room(base_url: str, **body: Any) -> dict[str, Any]:
    body.setdefault("mode", "peer")
    body.setdefault("media", "video")
    data = post_json(base_url + "/api/rooms", body)
    data["tokens"] = {role: url.split("token=", 1)[1] for role, url in data["links"].items()}
    return data


def status_of(url: str, token: str) -> int:
    """The HTTP status of a GET with the token as a bearer (errors included, never raised)."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
