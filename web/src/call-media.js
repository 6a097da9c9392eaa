// How fast our video starts: the bandwidth estimate our sender begins a call with. No DOM.
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
