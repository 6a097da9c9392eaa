"""late-mount.js's mediaUp under Node: the first remote frame's callback does not resolve it in
its own task.

requestVideoFrameCallback runs inside the rendering update that puts the frame on screen. What
waits for mediaUp (the meters' AudioContext, the links panel, the interview pane: tens of ms of
script) ran in that callback's microtasks, before the update's paint, so the first frame reached
the screen only after all of it (bench/join_window.py traces). It now resolves a task later.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

FRAME_THEN_TASK = r"""
const { mediaUp } = await import(process.env.SRC + "/late-mount.js");
let frameCallback = null;
const video = { requestVideoFrameCallback: (fn) => { frameCallback = fn; } };
globalThis.document = {
  querySelector: (sel) => (sel.includes(`data-peer-id="p1"`) ? video : null),
};
const peer = { id: "p1", pc: { connectionState: "connected" } };
const call = { peers: new Map([[peer.id, peer]]), onpeerstate: () => {} };
let up = false;
mediaUp(call, { maxMs: 600000 }).then(() => { up = true; });
const watching = frameCallback !== null;
// The rendering update: the frame's callback, then its microtasks.
frameCallback(performance.now(), {});
for (let i = 0; i < 10; i++) await Promise.resolve();
const inTheFrame = up;
await new Promise((resolve) => setTimeout(resolve, 0));
await new Promise((resolve) => setTimeout(resolve, 0));
console.log(JSON.stringify({ watching, inTheFrame, taskLater: up }));
process.exit(0);
"""


def test_media_up_resolves_a_task_after_the_first_frame_callback() -> None:
    out = run_node(FRAME_THEN_TASK)
    # A connected connection with a remote <video>: it waits for that video's first frame.
    assert out["watching"] is True
    # Not in the frame's own rendering update (its microtasks run before the paint) ...
    assert out["inTheFrame"] is False
    # ... but in the next task.
    assert out["taskLater"] is True
