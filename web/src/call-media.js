// How fast media starts: the bandwidth estimate our sender begins a call with, and the remote
// tracks handed to the page before the answer (streamAhead). No DOM.
//
// Chromium starts every call's bandwidth estimate at 300 kbps and paces packets at 2.5 times the
// estimate. The first frame is a keyframe, several times the size of the frames after it, so
// at 300 kbps its packets leave over about 20 ms (measured, bench/first_frame.py: "encoded →
// decode starts" 20–25 ms, of which the pacer holds the keyframe's packets most). A sender
// reads its start from the codec parameters of the description it applies from the other side
// (`x-google-start-bitrate`, kbps): setting it there, on what we apply, changes only what our
// own sender does. Browsers that do not know the parameter ignore it (it is a fmtp parameter).
// The estimate still adapts within the first few hundred milliseconds, down as well as up, so
// a thin uplink costs at most that much overshoot; on the networks interviews run on (≥ 1 Mbps
// up) it also spares the first seconds at 300 kbps's blur.

/** The estimate our sender starts at, kbps (Chromium's own default is 300). */
export const START_KBPS = 800;

// Video codecs the parameter means something to (not rtx/red/ulpfec, which carry no estimate).
const VIDEO_CODEC = /^a=rtpmap:(\d+) (VP8|VP9|AV1|H264)\/90000$/;

/**
 * The description, with `x-google-start-bitrate` on each video codec of its SDP (added to the
 * codec's fmtp line, or a new one after its rtpmap); one that already names a start bitrate,
 * or has no SDP (a rollback), is returned as it is.
 * @template {{type: RTCSdpType, sdp?: string}} D
 * @param {D} description @param {number} [kbps] @returns {D}
 */
export function withStartBitrate(description, kbps = START_KBPS) {
  const sdp = description.sdp;
  if (!sdp || sdp.includes("x-google-start-bitrate")) return description;
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(eol);
  const payloads = new Set();
  for (const line of lines) {
    const m = VIDEO_CODEC.exec(line);
    if (m) payloads.add(m[1]);
  }
  if (!payloads.size) return description;
  const param = `x-google-start-bitrate=${kbps}`;
  const fmtp = new Set();
  let out = lines.map((line) => {
    const m = /^a=fmtp:(\d+) /.exec(line);
    if (!m || !payloads.has(m[1])) return line;
    fmtp.add(m[1]);
    return `${line};${param}`;
  });
  out = out.flatMap((line) => {
    const m = VIDEO_CODEC.exec(line);
    return m && !fmtp.has(m[1]) ? [line, `a=fmtp:${m[1]} ${param}`] : [line];
  });
  return { ...description, sdp: out.join(eol) };
}

/**
 * The receivers' tracks of a connection whose transceivers we made (our offer) into the peer's
 * stream now, before the answer: a receiver's track exists from its transceiver's creation
 * (muted until media flows), and it is the very track `ontrack` hands over once the answer is
 * applied. So the page can build the remote tile and give its <video> this stream ahead of
 * the answer, and nothing about the tile is built between the answer and the first frame.
 * A transceiver that only sends (towards an observer) brings nothing.
 * @param {MediaStream} stream @param {RTCPeerConnection} pc
 */
export function streamAhead(stream, pc) {
  for (const tr of pc.getTransceivers()) {
    if (tr.direction === "sendonly" || tr.direction === "inactive") continue;
    const track = tr.receiver.track;
    for (const old of stream.getTracks()) {
      if (old.kind === track.kind && old !== track) stream.removeTrack(old);
    }
    if (!stream.getTracks().includes(track)) stream.addTrack(track);
  }
}
