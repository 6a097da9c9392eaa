// A take's upload progress as one line of text. Its own module: the scripted page lists the
// answers already saved before it records anything, and needs this line, not the recorder.

/** @typedef {import("./recorder.js").ClipProgress} ClipProgress */

/** "Uploading 3/5 chunks…", "Saved ✓" and friends, for a progress line.
 * @param {ClipProgress} p */
export function progressText(p) {
  if (p.state === "error") return `Upload failed: ${p.error}`;
  if (p.state === "stopped") return `Stopped: ${p.error}`;
  if (p.state === "saved") return `Saved ✓ (${p.total} chunks)`;
  if (p.state === "recording") return `Recording… uploaded ${p.acked}/${p.total} chunks`;
  if (p.state === "uploading") return `Uploading ${p.acked}/${p.total} chunks…`;
  return "Starting…";
}
