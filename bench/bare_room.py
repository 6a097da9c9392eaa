"""The bare-bones room: the least a video room can do, as a baseline for bench/join.py.

    .venv/bin/python bench/bare_room.py --port 8099

One aiohttp process serves one page and one WebSocket relay. The page has a Join button that
calls getUserMedia, opens the relay socket and makes one RTCPeerConnection; the relay tells a
newcomer whether someone is already in the room (then the newcomer offers) and forwards every
other frame to the other socket of the room. Trickle ICE, no STUN, no lobby, no notes, no auth.
Nothing here is prepared before the click: that is what a room that does nothing clever costs.
"""

from __future__ import annotations

import argparse
import json

from aiohttp import WSMsgType, web

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>bare room</title></head>
<body><button data-testid="join-button" id="join">Join</button>
<video data-testid="remote-media" id="remote" autoplay playsinline muted></video>
<script type="module">
const room = new URLSearchParams(location.search).get("room") || "r";
const video = document.getElementById("remote");
const mark = (name) => performance.mark(`mockroom:${name}`);  // the room's names, compared
mark("script-ready");
document.getElementById("join").onclick = async () => {
  mark("join-click");
  const stream = await navigator.mediaDevices.getUserMedia(
    {audio: true, video: {width: {ideal: 640}, height: {ideal: 480}}});
  mark("gum-done");
  const pc = new RTCPeerConnection();
  for (const t of stream.getTracks()) pc.addTrack(t, stream);
  pc.ontrack = (e) => { if (e.track.kind === "video") video.srcObject = e.streams[0]; };
  const ws = new WebSocket(`ws://${location.host}/ws?room=${encodeURIComponent(room)}`);
  const send = (m) => ws.send(JSON.stringify(m));
  ws.onopen = () => mark("ws-open");
  pc.onconnectionstatechange = () => mark(`pc-${pc.connectionState}`);
  pc.onicecandidate = (e) => e.candidate && send({candidate: e.candidate.toJSON()});
  let chain = Promise.resolve();
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    chain = chain.then(async () => {
      if (m.peer) {
        mark("peer-announced");
        await pc.setLocalDescription();
        send({description: pc.localDescription});
        mark("offer-sent");
      } else if (m.description) {
        mark(`${m.description.type}-received`);
        await pc.setRemoteDescription(m.description);
        mark(`${m.description.type}-applied`);
        if (m.description.type === "offer") {
          await pc.setLocalDescription();
          send({description: pc.localDescription});
          mark("answer-sent");
        }
      } else if (m.candidate) {
        await pc.addIceCandidate(m.candidate);
      }
    });
  };
  window.__bare = {pc, ws};
};
</script></body></html>"""

ROOMS: web.AppKey[dict[str, list[web.WebSocketResponse]]] = web.AppKey("rooms", dict)


async def page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def relay(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    sockets = request.app[ROOMS].setdefault(request.query.get("room", "r"), [])
    if sockets:
        await ws.send_str(json.dumps({"peer": True}))  # someone is here: you offer
    sockets.append(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                for other in sockets:
                    if other is not ws:
                        await other.send_str(msg.data)
    finally:
        sockets.remove(ws)
    return ws


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def make_app() -> web.Application:
    app = web.Application()
    app[ROOMS] = {}
    app.router.add_get("/", page)
    app.router.add_get("/ws", relay)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
