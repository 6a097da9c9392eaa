// While someone shares their screen, the others also see their camera as picture-in-picture.
//
// The screen replaces the camera on the main video sender (call.js, no renegotiation); the
// camera then goes out on a second, send-only video transceiver per connection, added here
// (call.js's perfect negotiation sends the offer). On the receiving side the first video
// transceiver is the main picture; a track arriving on any later one is the sharer's camera.

/** @typedef {import("./call.js").Call} Call */
/** @typedef {import("./call.js").RemotePeer} RemotePeer */

export class CameraPip {
  /** @param {Call} call */
  constructor(call) {
    this.call = call;
    /** The camera's own stream id, so the far side never takes it for the main one. */
    this.stream = new MediaStream();
    /** @type {Map<RTCPeerConnection, RTCRtpTransceiver>} */
    this.senders = new Map();
  }

  /** Starts sending the camera alongside the shared screen. @param {MediaStreamTrack|null} camera */
  start(camera) {
    if (!camera || !this.call.plan.sends) return;
    for (const peer of this.call.peers.values()) {
      const pc = peer.pc;
      if (!pc || !peer.attached || pc.signalingState === "closed") continue;
      const existing = this.senders.get(pc);
      if (existing && existing.currentDirection !== "stopped") {
        existing.direction = "sendonly";
        existing.sender.replaceTrack(camera).catch((err) => console.warn(err));
      } else {
        this.senders.set(pc, pc.addTransceiver(camera, { direction: "sendonly", streams: [this.stream] }));
      }
    }
  }

  stop() {
    for (const [pc, tr] of this.senders) {
      if (pc.signalingState === "closed" || tr.currentDirection === "stopped") {
        this.senders.delete(pc);
        continue;
      }
      tr.sender.replaceTrack(null).catch(() => {});
      tr.direction = "inactive";
    }
  }
}

/**
 * Watches each connection for a second video track (someone's camera while they share) and
 * keeps the peer's main stream on the main picture.
 * @param {(peerId: string, camera: MediaStreamTrack) => void} onpip
 * @returns {(peer: RemotePeer) => void} call it for every peer (new or with a new connection)
 */
export function followPips(onpip) {
  const seen = new WeakSet();
  return (peer) => {
    const pc = peer.pc;
    if (!pc || seen.has(pc)) return;
    seen.add(pc);
    // Registered after call.js's ontrack, so this runs after it filed the track.
    pc.addEventListener("track", ({ track }) => {
      if (track.kind !== "video") return;
      const videos = pc.getTransceivers().filter((t) => t.receiver.track.kind === "video");
      const main = videos[0] && videos[0].receiver.track;
      if (!main || track === main) return;
      for (const t of peer.stream.getVideoTracks()) if (t !== main) peer.stream.removeTrack(t);
      if (!peer.stream.getTracks().includes(main)) peer.stream.addTrack(main);
      onpip(peer.id, track);
    });
  };
}
