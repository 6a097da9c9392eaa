// The scripted room through a server outage (its node went away, or restarted): what the page
// says while its socket reconnects, and how the session goes on by itself once a server answers
// again, at the same question and take (docs/protocol.md, "Scripted interviewer").
//
// The page (scripted-page.js) feeds it the socket's states and each scripted-state; it loads
// with the live view, since nothing before the join can have an outage.
import { bannerText } from "./reconnect.js";

/** @typedef {import("./wire.js").ScriptedState} ScriptedState */
/** @typedef {import("./scripted-takes.js").TakeFollower} TakeFollower */

// How long "Back — connected" stays, and the longer note that the session went on by itself.
const BACK_MS = 3000;
const WENT_ON_MS = 8000;

export class OutageFollower {
  /** @param {{say: (text: string) => void, status: HTMLElement,
   *   send: (msg: import("./wire.js").ScriptedOut) => void}} io */
  constructor({ say, status, send }) {
    this.say = say;
    this.status = status;
    this.send = send;
    /** Where the session stood when the server went away (null: no outage in progress).
     * @type {{phase: string, recording: {question_id: string, take: number}|null}|null} */
    this.was = null;
    /** The page asked the new server to go on by itself; its reply is still on the way. */
    this.resuming = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} clears the "Back — …" line */
    this.backTimer = undefined;
  }

  /** The socket's state while joined: keep where the session stood when it dropped, and say
   * how the reconnect goes.
   * @param {import("./protocol.js").ClientState} state
   * @param {import("./protocol.js").StateDetail|undefined} detail
   * @param {ScriptedState|null} scripted the last state the server sent
   * @param {TakeFollower|null} takes */
  connection(state, detail, scripted, takes) {
    if (state === "reconnecting" && !this.was && scripted) {
      const [questionId, take] = takes?.key ? takes.key.split(":") : [];
      this.was = {
        phase: scripted.phase,
        recording: takes?.recorder && questionId
          ? { question_id: questionId, take: Number(take) } : null,
      };
    }
    if (state !== "reconnecting" && state !== "open") return;
    // The interviewer's media comes from the server: it is down with it (no mediaUp).
    const banner = bannerText(state, { ...detail, mediaUp: false });
    const recording = state === "reconnecting" && scripted?.recording;
    this.show(banner ? banner.text + (recording ? " (recording continues)" : "") : "",
      banner ? banner.state : "", banner?.state === "back" ? BACK_MS : 0);
  }

  /** Each scripted-state, before the page renders it: the first one from a server after an
   * outage goes on by itself if the session was running.
   * @param {ScriptedState} state */
  state(state) {
    if (this.was) this.goOn(state);
    if (state.phase !== "waiting") this.resuming = false;
  }

  /** An error from the server. True when it answered the page's own resume: the server would
   * not go on by itself, so Resume is the person's again (the page renders its last state). */
  refused() {
    const was = this.resuming;
    this.resuming = false;
    return was;
  }

  /**
   * A session that was running goes on at the same question and take. A take the page kept
   * recording through the outage goes on in its window (same clip, chunks kept); otherwise the
   * session resumes as Resume would. A session that was waiting stays for the person.
   * @param {ScriptedState} state
   */
  goOn(state) {
    const was = this.was;
    this.was = null;
    if (!was || ["waiting", "done"].includes(was.phase)) return;
    if (state.phase !== "waiting" || !state.consented) return;
    const kept = was.recording && state.resume?.interrupted &&
      state.resume.question_id === was.recording.question_id &&
      state.resume.take === was.recording.take ? was.recording : null;
    this.resuming = true;
    this.send({ type: "scripted", action: "start", ...(kept ? { recording: kept } : {}) });
    this.show(kept
      ? "Back — the server changed over; your answer kept recording the whole time. Carry on."
      : "Back — the server changed over; picking up at the same question.", "back", WENT_ON_MS);
  }

  /** @param {string} text @param {string} state @param {number} clearAfterMs 0: stays */
  show(text, state, clearAfterMs) {
    this.say(text);
    this.status.dataset.state = state;
    clearTimeout(this.backTimer);
    if (!clearAfterMs) return;
    this.backTimer = setTimeout(() => {
      this.say("");
      this.status.dataset.state = "";
    }, clearAfterMs);
  }
}
