"""Helpers shared by the tests (and by bench/, which puts tests/ on sys.path): no tests here.

- `paths`: the checkout's folders (REPO, WEB).
- `live_server`: `mockroom serve` as a subprocess (start, stop, its log); benches use it too.
- `http`: room creation through the test client or a live server, bearer headers, JSON GETs.
- `ws`: the signaling socket (join, next message of a type, the ping/pong fence, recorders).
- `notes`: y-websocket clients (pycrdt in process, the Node Yjs client) and their barriers.
- `clips`: the clip upload API and recorder.js driven from Node.
- `media`: a MediaRecorder-like WebM made in the test; `speech`: espeak-ng speech fixtures,
  word error rate, and the transcript tests' upload/review helpers.
- `node`: `run_node`, a module script against web/src under Node (its last line's JSON).
- `banks`: strings a candidate must never see; `interview`: the interview-flow tests' bank,
  clock and drivers (`started`, `at_phase`, `drive_whole_interview`).
- `browser`, `axe`, `scripted_browser`: Playwright with Debian's Chromium, axe-core audits, and the
  Chromium that talks through a spoken WAV (module fixtures for the scripted-room tests).
- `peer_probe`: a page's own RTCPeerConnections, the video frames they decoded, and the remote
  element's presented frames (`REMOTE`, `expect_connected_with_frames`).
- `scripted_flow`: the scripted phase machine's tests' questions, flow and drivers (`make`,
  `started`, `kinds`).
- `scripted_peer`: an in-process aiortc candidate for scripted rooms.
- `tls`: a self-signed certificate for loopback.
- `postgres`: a private PostgreSQL (initdb/pg_ctl in a temp dir) for the store tests.
- `redis`: a private redis-server; `cluster`: `mockroom serve` nodes sharing it and a database.
- `nginx`: Debian's nginx in front of test servers, with README's own example blocks.

Test modules import from here, never from each other; conftest.py holds only fixtures.
"""
