"""What the answering side's connection costs to apply a newcomer's offer, by how it was made.

    .venv/bin/python bench/answer_apply.py [--rounds 12]

One Chromium page (fake camera), no server: an offerer connection made as the lobby makes its
prepared offer (call-offer.js: transceivers, setLocalDescription, candidates gathered, then the
description with its candidates), and per round, interleaved, an answering connection made
  - `bare`:     with no transceivers (the spare connection of call-spare.js as it was),
  - `tracks`:   with our tracks added (addTrack) before the offer, as the bare room's page and
                the spare has it now (call-spare.js `dress`),
  - `nocands`:  empty, with the offer's candidates taken out (the bare room trickles them).
Each step is timed on the page's clock: setRemoteDescription, the match (direction, streams,
replaceTrack as call-offer.js matchTransceivers), the answer's setLocalDescription.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

SCRIPT = """async ([kind]) => {
  const stream = window.__stream ||= await navigator.mediaDevices.getUserMedia(
    {audio: true, video: {width: {ideal: 640}, height: {ideal: 480}}});
  const offerer = new RTCPeerConnection();
  for (const t of stream.getTracks()) {
    offerer.addTransceiver(t, {direction: "sendrecv", streams: [stream]});
  }
  await offerer.setLocalDescription();
  await new Promise((ok) => {
    if (offerer.iceGatheringState === "complete") ok();
    offerer.onicegatheringstatechange = () => offerer.iceGatheringState === "complete" && ok();
  });
  let sdp = offerer.localDescription.sdp;
  if (kind === "nocands") {
    sdp = sdp.split("\\r\\n").filter((l) => !l.startsWith("a=candidate")).join("\\r\\n");
  }
  const offer = {type: "offer", sdp};
  const pc = new RTCPeerConnection();
  if (kind === "tracks") for (const t of stream.getTracks()) pc.addTrack(t, stream);
  await new Promise((ok) => setTimeout(ok, 50));  // the spare sits a while before the offer
  const t0 = performance.now();
  await pc.setRemoteDescription(offer);
  const t1 = performance.now();
  const made = pc.getTransceivers().length;
  for (const tr of pc.getTransceivers()) {
    tr.direction = "sendrecv";
    const track = stream.getTracks().find((t) => t.kind === tr.receiver.track.kind);
    if (tr.sender.track !== track) await tr.sender.replaceTrack(track);
    tr.sender.setStreams(stream);
  }
  const t2 = performance.now();
  await pc.setLocalDescription();
  const t3 = performance.now();
  const answer = pc.localDescription.sdp;
  await offerer.setRemoteDescription({type: "answer", sdp: answer});
  const result = {srd: t1 - t0, match: t2 - t1, sld: t3 - t2, transceivers: made,
                  sendrecv: (answer.match(/a=sendrecv/g) || []).length,
                  candidates: (offer.sdp.match(/a=candidate/g) || []).length};
  offerer.close();
  pc.close();
  return result;
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    got: dict[str, list[dict[str, float]]] = {"bare": [], "tracks": [], "nocands": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True
        )
        page = browser.new_page()
        # A secure context for getUserMedia, with no server: the page is answered here.
        page.route(
            "http://localhost/",
            lambda route: route.fulfill(body="<html></html>", content_type="text/html"),
        )
        page.goto("http://localhost/")
        for i in range(args.rounds + 1):
            kinds = ["bare", "tracks", "nocands"]
            order = kinds[i % 3 :] + kinds[: i % 3]
            for kind in order:
                r = page.evaluate(SCRIPT, [kind])
                if i:
                    got[kind].append(r)
        browser.close()
    for kind, runs in got.items():
        print(f"{kind:7s}", end="")
        for key in ("srd", "match", "sld"):
            vals = [r[key] for r in runs]
            print(f"  {key} {statistics.median(vals):6.2f} ms", end="")
        print(
            f"  (transceivers after SRD {runs[0]['transceivers']}, answer sendrecv "
            f"{runs[0]['sendrecv']}, offer candidates {runs[0]['candidates']})"
        )
    for other in ("tracks", "nocands"):
        pairs = [b["srd"] / t["srd"] for b, t in zip(got["bare"], got[other], strict=True)]
        print(f"paired SRD ratio bare/{other}: median {statistics.median(pairs):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
