"""Chromium hears the interviewer: the ready-made Opus packets (scripted/opus.py) decode and play
in a real browser, from the moment the question is on the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from support.browser import wait_until
from support.live_server import LiveServer
from support.scripted_pages import join_and_start, one_question_room

pytestmark = pytest.mark.browser

# Every peer connection the page makes, so the test can read its receiver's statistics.
KEEP_PEERS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__peers.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();
"""

# What the browser's audio receiver reports: the codec it decodes and the energy it played.
INBOUND_AUDIO = """
async () => {
  for (const pc of window.__peers) {
    const stats = await pc.getStats();
    for (const r of stats.values()) {
      if (r.type === "inbound-rtp" && r.kind === "audio") {
        const codec = stats.get(r.codecId);
        return {energy: r.totalAudioEnergy || 0, packets: r.packetsReceived,
                mime: codec ? codec.mimeType : null};
      }
    }
  }
  return null;
}
"""


def test_the_question_is_heard_in_chromium(
    scripted_browser: Browser, live_server: LiveServer
) -> None:
    room = one_question_room(live_server.url, think_seconds=30, answer_seconds=30)
    context = scripted_browser.new_context()
    context.add_init_script(KEEP_PEERS)
    page = context.new_page()
    try:
        join_and_start(page, room)
        expect(page.get_by_test_id("question-text")).not_to_have_text("", timeout=20_000)
        # The question is being read: its energy must rise well above silence (the keep-alive
        # packets decode to zero) while the think timer has not started yet.
        wait_until(
            page,
            f"async () => {{ const s = await ({INBOUND_AUDIO})(); return s && s.energy > 0.05; }}",
        )
        stats: Any = page.evaluate(INBOUND_AUDIO)
        assert stats["mime"] == "audio/opus" and stats["packets"] > 50, stats
    finally:
        context.close()
