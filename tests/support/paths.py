"""Where the checkout's folders are (tests run from the repository; benches too)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
