"""late-mount.js's mediaUp under Node: what waits for the call's media (the meters, the panes
loaded after Join) is told the media is up, whether the connection came up before or after the
watch began.

The call view, and with it the watch, is built once the answer is applied (join-view.js); on a
loaded machine the connection can be connected by then, and no later state change would come.
"""

from __future__ import annotations

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

MEDIA_UP = r"""
const { mediaUp } = await import(process.env.SRC + "/late-mount.js");
// No <video> (an audio room): a connected connection is the media being up.
globalThis.document = { querySelector: () => null };
const settled = async (promise) => {
  let done = false;
  promise.then(() => { done = true; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};
const peer = (state) => ({ id: "p1", pc: { connectionState: state } });
const call = (p) => ({ peers: new Map([[p.id, p]]), onpeerstate: () => {} });

const before = call(peer("connected"));
const upBefore = await settled(mediaUp(before, { maxMs: 600000 }));

const later = call(peer("connecting"));
const waiting = mediaUp(later, { maxMs: 600000 });
const notYet = await settled(waiting);
later.peers.get("p1").pc.connectionState = "connected";
later.onpeerstate(later.peers.get("p1"));
const upLater = await settled(waiting);

const alone = await settled(mediaUp({ peers: new Map(), onpeerstate: () => {} }));
console.log(JSON.stringify({ upBefore, notYet, upLater, alone }));
process.exit(0);
"""


def test_media_up_whether_connected_before_or_after_the_watch() -> None:
    out = run_node(MEDIA_UP)
    # Up already when the watch began: told at once, not after the cap (10 minutes here).
    assert out["upBefore"] is True
    # Not yet up: waits, and is told when it comes up.
    assert out["notYet"] is False
    assert out["upLater"] is True
    # Alone in the room there is nothing to wait for.
    assert out["alone"] is True
