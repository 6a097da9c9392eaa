// Connection quality from getStats: state, round trip, packet loss and inbound bitrate per peer.
// No DOM: the room UI renders what `sampleStats` returns.

/**
 * @typedef {object} StatsSample
 * @property {string} state          RTCPeerConnection.connectionState
 * @property {number|null} rttMs     current round trip of the selected candidate pair
 * @property {number|null} lossPct   packets lost since the last sample, in percent
 * @property {number|null} kbps      inbound bitrate since the last sample
 * @property {number} framesDecoded  video frames decoded so far (0 for audio-only)
 * @property {{bytes: number, lost: number, received: number, at: number}} totals
 */

/**
 * @param {RTCPeerConnection} pc
 * @param {StatsSample|null} prev the previous sample of the same connection
 * @returns {Promise<StatsSample>}
 */
export async function sampleStats(pc, prev) {
  const report = await pc.getStats();
  let rttMs = null;
  let bytes = 0;
  let lost = 0;
  let received = 0;
  let framesDecoded = 0;
  /** @type {string|null} */
  let pairId = null;
  report.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  report.forEach((s) => {
    if (s.type === "candidate-pair" && (s.id === pairId || (!pairId && s.nominated)) &&
        typeof s.currentRoundTripTime === "number") {
      rttMs = s.currentRoundTripTime * 1000;
    } else if (s.type === "inbound-rtp") {
      bytes += s.bytesReceived || 0;
      lost += Math.max(0, s.packetsLost || 0);
      received += s.packetsReceived || 0;
      if (s.kind === "video") framesDecoded += s.framesDecoded || 0;
    }
  });
  const at = performance.now();
  let lossPct = null;
  let kbps = null;
  if (prev) {
    const dLost = lost - prev.totals.lost;
    const dAll = dLost + (received - prev.totals.received);
    lossPct = dAll > 0 ? (100 * Math.max(0, dLost)) / dAll : 0;
    const dt = (at - prev.totals.at) / 1000;
    kbps = dt > 0 ? Math.max(0, (8 * (bytes - prev.totals.bytes)) / 1000 / dt) : null;
  }
  return {
    state: pc.connectionState,
    rttMs,
    lossPct,
    kbps,
    framesDecoded,
    totals: { bytes, lost, received, at },
  };
}

/** A one-word verdict for the indicator's colour. @param {StatsSample} sample */
export function quality(sample) {
  if (sample.state !== "connected") return sample.state === "connecting" || sample.state === "new"
    ? "pending" : "bad";
  if ((sample.lossPct ?? 0) > 5 || (sample.rttMs ?? 0) > 400) return "poor";
  return "good";
}

/** "RTT 12 ms · loss 0.0 % · 1450 kbit/s" @param {StatsSample} sample */
export function describeStats(sample) {
  const parts = [];
  if (sample.rttMs != null) parts.push(`RTT ${Math.round(sample.rttMs)} ms`);
  if (sample.lossPct != null) parts.push(`loss ${sample.lossPct.toFixed(1)} %`);
  if (sample.kbps != null) parts.push(`${Math.round(sample.kbps)} kbit/s`);
  return parts.join(" · ");
}
