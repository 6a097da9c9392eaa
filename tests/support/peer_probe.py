"""What a page's own RTCPeerConnections did: every one it made (a reconnect must not make a new
one), the video frames they decoded (media that never stopped keeps counting), and the frames
its remote <video> presented."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from support.browser import wait_until

# The element that plays the other person's media (a <video>, or an <audio> in an audio room).
REMOTE = "[data-testid=remote-media]"

# Resolves once the remote video presented `count` new frames (rejects after 10 s).
FRAMES_ARRIVE = """
([selector, count]) => new Promise((resolve, reject) => {
  const video = document.querySelector(selector);
  if (!video || !video.requestVideoFrameCallback) return reject(new Error("no remote video"));
  const timer = setTimeout(() => reject(new Error("frames stopped")), 10000);
  let seen = 0;
  const step = (now, meta) => {
    if (++seen >= count) {
      clearTimeout(timer);
      resolve({width: meta.width, height: meta.height, presented: meta.presentedFrames});
    } else {
      video.requestVideoFrameCallback(step);
    }
  };
  video.requestVideoFrameCallback(step);
})
"""

# Keeps every RTCPeerConnection the page makes in window.__pcs: a reconnect must not make a new
# one, and a test can read their negotiated directions.
RECORD_PEER_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();
"""

# Video frames decoded so far on the page's open connections, and which connections those are.
DECODED = """async () => {
  let frames = 0;
  const open = [];
  for (const [i, pc] of window.__pcs.entries()) {
    if (pc.connectionState === "closed") continue;
    open.push(i + ":" + pc.connectionState);
    (await pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded || 0;
    });
  }
  return {frames, open, made: window.__pcs.length};
}"""


def decoded(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(DECODED)
    return result


def frames_pass(page: Page, count: int) -> None:
    """Waits until the page decoded `count` more video frames than it has now."""
    start = decoded(page)["frames"]
    wait_until(page, f"async () => (await ({DECODED})()).frames >= {start + count}", None, 15)


def expect_connected_with_frames(page: Page) -> dict[str, Any]:
    """The call is connected, with one remote element that presents frames: their size."""
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=20_000)
    remote = page.locator(REMOTE)
    expect(remote).to_have_count(1)
    frames: dict[str, Any] = page.evaluate(FRAMES_ARRIVE, [REMOTE, 5])
    assert frames["width"] > 0 and frames["height"] > 0
    return frames
