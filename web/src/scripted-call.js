// The media link to the server's scripted interviewer: one RTCPeerConnection, offered by us.
// No DOM here: the page gets the interviewer's stream and the connection state by callbacks.
//
// aiortc has no trickle ICE towards us, and on a LAN gathering is quick: the offer waits for
// gathering (at most ICE_WAIT_MS) and candidates found later are sent one by one.

const ICE_WAIT_MS = 1000;

export class ScriptedCall {
  /**
   * @param {{send: (msg: any) => void, stream: MediaStream, isVideo: boolean,
   *   iceServers?: RTCIceServer[]}} options
   */
  constructor({ send, stream, isVideo, iceServers }) {
    this.send = send;
    this.stream = stream;
    this.isVideo = isVideo;
    this.iceServers = iceServers || [];
    /** @type {RTCPeerConnection|null} */
    this.pc = null;
    this.remote = new MediaStream();
    /** @type {(stream: MediaStream) => void} the interviewer's voice (and card) arrived */
    this.ontrack = () => {};
    /** @type {(state: RTCPeerConnectionState) => void} */
    this.onstate = () => {};
  }

  /** A fresh offer (first join, or after a reconnect: the server's peer is new then). */
  async negotiate() {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    const stream = this.stream;
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    // aiortc needs an m-line for every kind it sends (WEBRTC-NOTES.md): audio always, video in
    // video rooms (the question card), even where this browser has no such track.
    for (const kind of this.isVideo ? ["audio", "video"] : ["audio"]) {
      if (!stream.getTracks().some((t) => t.kind === kind)) {
        pc.addTransceiver(kind, { direction: "recvonly" });
      }
    }
    this.remote = new MediaStream();
    const remote = this.remote;
    pc.ontrack = (event) => {
      remote.addTrack(event.track);
      if (pc === this.pc) this.ontrack(remote);
    };
    pc.onconnectionstatechange = () => {
      if (pc === this.pc) this.onstate(pc.connectionState);
    };
    let sent = false;
    pc.onicecandidate = (event) => {
      // Candidates found after the offer went out (gathering took longer than ICE_WAIT_MS).
      if (sent && event.candidate && pc === this.pc) {
        this.send({ type: "scripted", action: "candidate", candidate: event.candidate.toJSON() });
      }
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc, ICE_WAIT_MS);
    if (pc !== this.pc) return; // closed or replaced meanwhile
    this.send({ type: "scripted", action: "offer", sdp: pc.localDescription?.sdp });
    sent = true;
  }

  /** @param {string} sdp the server's answer */
  async answer(sdp) {
    await this.pc?.setRemoteDescription({ type: "answer", sdp });
  }

  /** Hangs up; our own tracks belong to the page (it stops them). */
  close() {
    const pc = this.pc;
    this.pc = null;
    if (!pc) return;
    pc.close();
    for (const t of this.remote.getTracks()) t.stop();
    this.onstate("closed");
  }
}

/** @param {RTCPeerConnection} pc @param {number} limitMs */
function gatheringDone(pc, limitMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
}
