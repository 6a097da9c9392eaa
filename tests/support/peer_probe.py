"""What a page's own RTCPeerConnections did: every one it made (a reconnect must not make a new
one), and the video frames they decoded (media that never stopped keeps counting)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from support.browser import wait_until

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

# Keeps every RTCPeerConnection the page makes: a reconnect must not make a new one.
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
