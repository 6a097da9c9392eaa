// Follows the server's answer windows: one TakeRecorder per take, started when `recording`
// turns true and stopped when it turns false; the rows of "Your answers" show each upload.

import { ClipApi, TakeRecorder, pickMimeType } from "./recorder.js";

export class TakeFollower {
  /**
   * @param {{api: ClipApi, stream: MediaStream, answers: import("./scripted-answers.js").AnswerList,
   *   serverNow: () => number}} options
   */
  constructor({ api, stream, answers, serverNow }) {
    this.api = api;
    this.stream = stream;
    this.answers = answers;
    this.serverNow = serverNow;
    /** @type {TakeRecorder|null} */
    this.recorder = null;
    this.key = "";
    this.startedAt = 0;
    /** @type {Set<Promise<void>>} takes still uploading */
    this.stopping = new Set();
    /** @type {Map<string, TakeRecorder>} those takes' recorders, by "question:take" */
    this.uploading = new Map();
  }

  /** Starts a take when the answer window opens and stops it when it closes.
   * @param {import("./wire.js").ScriptedState} state */
  follow(state) {
    const key = state.recording && state.question ? `${state.question.id}:${state.take}` : "";
    if (key === this.key) return;
    if (this.recorder) {
      // The window closed: the server's next timer (after_answer) starts at the closing moment.
      const closedAt = state.timer?.phase === "after_answer" ? state.timer.started_at
        : this.serverNow();
      this.stopTake(this.recorder, closedAt - this.startedAt);
    }
    this.recorder = null;
    this.key = key;
    if (!key || !this.stream.getTracks().length) return;
    // The same take again: the session resumed a take its server lost mid-answer (a crash, a
    // dropped socket). The new recording starts the clip over (`reset`), so the old one's
    // upload, perhaps still retrying, must stop now: it would write into the new clip.
    const previous = this.uploading.get(key);
    if (previous) {
      previous.onprogress = () => {};
      previous.abort("recorded again");
      this.uploading.delete(key);
    }
    this.startedAt = state.timer?.started_at || this.serverNow();
    const row = this.answers.row(state.question.id, state.take, state.question.index);
    const stream = this.stream;
    const recorder = new TakeRecorder({
      api: this.api, stream,
      mime: pickMimeType(stream.getVideoTracks().length > 0, stream.getAudioTracks().length > 0),
      questionId: state.question.id, take: state.take,
      onprogress: (progress) => this.answers.progress(row, progress),
    });
    this.recorder = recorder;
    try {
      recorder.start();
    } catch (error) {
      this.answers.show(row, "error", `Cannot record here: ${error.message}`);
      this.recorder = null;
    }
  }

  /** @param {TakeRecorder} recorder @param {number} windowMs */
  stopTake(recorder, windowMs) {
    const { questionId, take } = recorder.progress;
    const key = `${questionId}:${take}`;
    const row = this.answers.row(questionId, take);
    row.dataset.windowMs = String(Math.round(windowMs));
    const stopped = recorder.stop().then((result) => {
      if (!recorder.aborted) row.dataset.durationMs = String(Math.round(result.durationMs));
    });
    this.stopping.add(stopped);
    this.uploading.set(key, recorder);
    stopped.finally(() => {
      this.stopping.delete(stopped);
      if (this.uploading.get(key) === recorder) this.uploading.delete(key);
    });
  }

  /** Stops the take in progress without finishing it (another tab records it now).
   * @param {string} reason */
  abort(reason) {
    this.recorder?.abort(reason);
    this.recorder = null;
    this.key = "";
  }

  /** Resolves once every stopped take has finished uploading (or failed). */
  async settled() {
    await Promise.allSettled([...this.stopping]);
  }
}
