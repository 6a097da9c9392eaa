"""GET /banks/format: the bank format as a page, not a path on the server."""

from __future__ import annotations

from typing import Any


async def test_the_bank_format_is_a_page_people_can_open(client: Any) -> None:
    resp = await client.get("/banks/format")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    assert "[[questions]]" in await resp.text()
