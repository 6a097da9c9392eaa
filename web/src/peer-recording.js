// Peer rooms: the acting candidate's browser records its own answers, with consent.
//
// The notice (templates/recording_notice.html, the scripted room's words) is asked once per
// person per room: the answer is the interview's `recording` event, so it survives a reload and
// the other side sees whether recording is on. While on, each answer window of a question this
// link answers is one TakeRecorder (recorder.js: one MediaRecorder per take, chunks uploaded as
// they come and kept until acknowledged); a re-asked question is a new take. A reload mid-answer
// cannot continue the old file (a new MediaRecorder writes a new header), so the part uploaded
// before it is finished as it is and the rest of that answer is not recorded: nothing the server
// acknowledged is lost, and nothing is written over.

import { ClipApi, TakeRecorder, pickMimeType, progressText } from "./recorder.js";
import { h } from "./dom.js";

/** @typedef {import("./wire.js").InterviewView} InterviewView */

/** Peer clips name their question by its number in the session, never by id (phone realism). */
class PeerClipApi extends ClipApi {
  /** @param {string} number @param {number} take @param {string} mime @param {boolean} [reset] */
  open(number, take, mime, reset) {
    return this.request("POST", "", { json: { question: Number(number), take, mime, reset } });
  }
}

/**
 * @param {{roomId: string, token: string, stream: MediaStream|null,
 *   send: (action: string, extra?: Record<string, unknown>) => void,
 *   nameOf: (link: string) => string}} options
 */
export function peerRecording({ roomId, token, stream, send, nameOf }) {
  const api = new PeerClipApi({ roomId, token });
  const notice = /** @type {HTMLTemplateElement|null} */ (document.getElementById("recording-notice"));
  const consent = h("section", { class: "consent iv-consent", "data-testid": "recording-consent",
    hidden: true });
  if (notice) consent.append(notice.content.cloneNode(true));
  consent.append(h("p", { class: "iv-consent-actions" },
    h("button", { type: "button", "data-testid": "accept-recording",
      onclick: () => send("recording", { data: { on: true } }) }, "Accept recording"),
    " ",
    h("button", { type: "button", "data-testid": "decline-recording",
      onclick: () => send("recording", { data: { on: false } }) }, "Don't record me")));
  const indicator = h("span", { class: "iv-rec", "data-testid": "recording-indicator", role: "status",
    hidden: true });
  const toggle = h("button", { type: "button", class: "iv-rec-toggle", "data-testid": "recording-toggle",
    hidden: true });
  const list = h("ol", { class: "iv-takes", "data-testid": "peer-answers" });
  const answers = h("section", { class: "iv-answers", hidden: true },
    h("h3", {}, "Your recorded answers"), list);
  const review = h("a", { href: `/rooms/${encodeURIComponent(roomId)}/review?token=` +
    encodeURIComponent(token), target: "_blank", rel: "noopener", "data-testid": "review-link" },
  "Watch the recorded answers");
  const reviewLine = h("p", { class: "iv-review-link", hidden: true }, review);
  const root = h("div", { class: "iv-recording" }, consent,
    h("div", { class: "iv-rec-row" }, indicator, toggle), answers, reviewLine);

  /** @type {TakeRecorder|null} */
  let recorder = null;
  let key = "";
  /** @type {Map<string, any>} clips this link already holds, by "number:take" (after a reload) */
  const held = new Map();
  // While the interview runs the list holds only this link's own clips (recordings/access.py).
  const ready = api.list().then((clips) => {
    for (const clip of clips) {
      held.set(`${clip.number}:${clip.take}`, clip);
      if (!clip.number) continue;
      // After a reload the list starts empty: show what the server already holds.
      const seconds = clip.duration_ms ? ` (${(clip.duration_ms / 1000).toFixed(1)} s)` : "";
      show(row(clip.number, clip.take), clip.finished ? "saved" : "interrupted",
        clip.finished ? `Saved ✓${seconds}` : "Interrupted: the recording stopped before the end.");
    }
  }, () => {});

  /** @param {number} number @param {number} take */
  function row(number, take) {
    const id = `${number}:${take}`;
    let li = /** @type {HTMLLIElement|null} */ (list.querySelector(`[data-take-key="${id}"]`));
    if (!li) {
      li = h("li", { "data-take-key": id, "data-question": String(number), "data-take": String(take) },
        h("span", { class: "label" }, `Question ${number}, take ${take}: `),
        h("span", { class: "progress" }));
      list.append(li);
    }
    answers.hidden = false;
    return li;
  }

  /** @param {HTMLLIElement} li @param {string} state @param {string} text */
  function show(li, state, text) {
    li.dataset.state = state;
    /** @type {HTMLElement} */ (li.querySelector(".progress")).textContent = text;
  }

  /** @type {InterviewView|null} the state last rendered */
  let latest = null;

  /** @param {InterviewView} s */
  function wanted(s) {
    const mine = s.recording && s.recording[s.link_role] === true;
    if (!mine || s.role !== "candidate" || s.phase !== "answer" || !s.position.number) return "";
    return `${s.position.number}:${s.take || 1}`;
  }

  /** @param {string} reason */
  function stopTake(reason) {
    const current = recorder;
    recorder = null;
    if (!current) return;
    if (reason) {
      // Recording was turned off: stop sending at once, keep (finish) what the server holds.
      const clipId = current.clipId;
      current.abort(reason);
      if (clipId) api.finish(clipId, 0).catch(() => {});
      return;
    }
    void current.stop();
  }

  /** @param {string} want */
  async function startTake(want) {
    const [number, take] = want.split(":").map(Number);
    await ready;
    if (key !== want) return; // the answer ended while the clip list loaded
    const li = row(number, take);
    const before = held.get(want);
    if (before) {
      // This page was reloaded mid-answer: the old file cannot be continued.
      if (!before.finished) await api.finish(before.clip_id, 0).catch(() => {});
      show(li, "interrupted", "Interrupted by a reload: the part before it is saved.");
      return;
    }
    if (!stream || !stream.getAudioTracks().length) {
      show(li, "error", "No microphone: this answer is not recorded.");
      return;
    }
    const next = new TakeRecorder({
      api, stream, questionId: String(number), take,
      mime: pickMimeType(stream.getVideoTracks().length > 0, true),
      onprogress: (progress) => {
        if (progress.clipId) li.dataset.clipId = progress.clipId;
        show(li, progress.state, progressText(progress));
      },
    });
    recorder = next;
    try {
      next.start();
    } catch (error) {
      recorder = null;
      show(li, "error", `Cannot record here: ${/** @type {Error} */ (error).message}`);
    }
  }

  /** @param {InterviewView} s */
  function render(s) {
    latest = s;
    const link = s.link_role;
    const seat = link === "interviewer" || link === "candidate";
    const mine = seat ? s.recording?.[link] : undefined;
    consent.hidden = !seat || mine !== null || s.phase === "done";
    const actingCandidate = s.swap.swapped ? "interviewer" : "candidate";
    const on = s.recording?.[actingCandidate] === true;
    // One's own line says what this page does; the other's what their consent says.
    const answering = on && s.phase === "answer" && (actingCandidate !== link || !!recorder ||
      key !== "" && !held.has(key));
    indicator.hidden = !on;
    indicator.dataset.live = String(answering);
    indicator.textContent = !on ? "" : actingCandidate === link
      ? (answering ? "● Recording your answer" : "● Recording is on for your answers")
      : `● ${answering ? "Recording" : "Recording is on for"} ${nameOf(actingCandidate)}'s answers`;
    toggle.hidden = !seat || mine == null || s.phase === "done";
    toggle.textContent = mine ? "Stop recording my answers" : "Record my answers";
    toggle.onclick = () => send("recording", { data: { on: !mine } });
    // One's own answers open at once; the other half's once the interview is finished.
    reviewLine.hidden = !seat || !(s.phase === "done" || (list.children.length > 0 &&
      ["follow_ups", "wrap_up", "feedback"].includes(s.phase)));

    const want = wanted(s);
    if (want === key) return;
    key = want;
    stopTake(mine === false ? "You turned recording off." : "");
    if (want) void startTake(want).finally(() => latest && render(latest));
  }

  return {
    root,
    render,
    /** Stops the take in progress at once (this tab left the room or lost its seat). */
    destroy() {
      key = "";
      if (recorder) recorder.abort("This tab left the room.");
      recorder = null;
    },
  };
}
