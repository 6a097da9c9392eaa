// Records one answer take with MediaRecorder and uploads it while it records, one chunk a second.
//
// No DOM here: the page gives a MediaStream and gets progress callbacks. The server API is
// documented in server/mockroom/recordings.py. Each take is ONE MediaRecorder from start to stop,
// because WebM timeslices only concatenate into a valid file as one continuous recording.
// A chunk stays in memory until the server acknowledged it; failed uploads are retried with
// backoff, and after an error the uploader asks the server which chunk it expects and resumes.

import { ApiError, request } from "./api.js";

// Re-exported: the answer lists show progress without loading the recorder itself.
export { progressText } from "./clip-progress.js";

/** @typedef {{clipId: string|null, questionId: string, take: number, state: string,
 *   acked: number, total: number, bytes: number, error: string|null}} ClipProgress */

const TIMESLICE_MS = 1000;
const MAX_BACKOFF_MS = 8000;

/**
 * The recording container this browser can make for the tracks it records.
 * @param {boolean} video a camera track is recorded @param {boolean} [audio] and a microphone
 */
export function pickMimeType(video, audio = true) {
  const wanted = video
    ? [audio ? "video/webm;codecs=vp8,opus" : "video/webm;codecs=vp8", "video/webm", "video/mp4"]
    : ["audio/webm;codecs=opus", "audio/webm", "audio/mp4"];
  const supported = typeof MediaRecorder !== "undefined" && MediaRecorder.isTypeSupported;
  return wanted.find((type) => !supported || MediaRecorder.isTypeSupported(type)) || wanted[0];
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Small JSON/bytes client for /api/rooms/{id}/clips, authorised by the candidate's token. */
export class ClipApi {
  /** @param {{roomId: string, token: string, fetchImpl?: typeof fetch}} options */
  constructor({ roomId, token, fetchImpl }) {
    this.base = `/api/rooms/${encodeURIComponent(roomId)}/clips`;
    this.token = token;
    this.fetch = fetchImpl || ((...args) => fetch(...args));
  }

  /**
   * @param {string} method @param {string} path
   * @param {{json?: unknown, blob?: Blob}} [body] @returns {Promise<any>}
   */
  request(method, path, body = {}) {
    return request(this.base + path, { method, token: this.token, fetchImpl: this.fetch, ...body });
  }

  /** @param {string} questionId @param {number} take @param {string} mime @param {boolean} [reset] */
  open(questionId, take, mime, reset) {
    return this.request("POST", "", { json: { question_id: questionId, take, mime, reset } });
  }
  /** @param {string} clipId */
  info(clipId) {
    return this.request("GET", `/${clipId}/info`);
  }
  /** @param {string} clipId @param {number} seq @param {Blob} blob */
  putChunk(clipId, seq, blob) {
    return this.request("PUT", `/${clipId}/chunks/${seq}`, { blob });
  }
  /** @param {string} clipId @param {number} durationMs */
  finish(clipId, durationMs) {
    return this.request("POST", `/${clipId}/finish`, { json: { duration_ms: Math.round(durationMs) } });
  }
  /** The room's clips so far (the page lists them after a reload). */
  list() {
    return this.request("GET", "");
  }
}

/** One take: a MediaRecorder on `stream` and an ordered, acknowledged upload of its chunks. */
export class TakeRecorder {
  /**
   * @param {{api: ClipApi, stream: MediaStream, mime: string, questionId: string, take: number,
   *   onprogress?: (p: ClipProgress) => void}} options
   */
  constructor({ api, stream, mime, questionId, take, onprogress }) {
    this.api = api;
    this.stream = stream;
    this.mime = mime;
    this.onprogress = onprogress || (() => {});
    /** @type {{seq: number, blob: Blob}[]} chunks not yet acknowledged, in order */
    this.pending = [];
    this.nextSeq = 0;
    this.startedAt = 0;
    this.durationMs = 0;
    this.stopped = false;
    this.aborted = false; // another tab took over: nothing more is sent
    this.pumping = null;
    /** @type {MediaRecorder|null} */
    this.recorder = null;
    /** @type {ClipProgress} */
    this.progress = {
      clipId: null, questionId, take, state: "starting", acked: 0, total: 0, bytes: 0, error: null,
    };
  }

  /** @param {Partial<ClipProgress>} changes */
  report(changes) {
    Object.assign(this.progress, changes);
    this.onprogress({ ...this.progress });
  }

  /** Starts recording at once; the clip is created on the server in parallel. */
  start() {
    const recorder = new MediaRecorder(this.stream, { mimeType: this.mime });
    this.recorder = recorder;
    this.mime = recorder.mimeType || this.mime;
    recorder.addEventListener("start", () => { this.startedAt = performance.now(); });
    recorder.addEventListener("dataavailable", (event) => {
      if (!event.data || event.data.size === 0 || this.aborted) return;
      this.pending.push({ seq: this.nextSeq++, blob: event.data });
      this.report({ total: this.nextSeq });
      this.pump().catch(() => {}); // reported in drain(); stop() surfaces it again
    });
    this.stoppedEvent = new Promise((resolve) => recorder.addEventListener("stop", () => {
      this.durationMs = performance.now() - this.startedAt;
      resolve(undefined);
    }));
    recorder.start(TIMESLICE_MS);
    this.report({ state: "recording" });
    // A fresh recorder never continues an older file of the same take (a reload mid-answer):
    // `reset` makes the server start the clip over.
    this.opened = this.retry(() => this.api.open(this.progress.questionId, this.progress.take,
      this.mime, true)).then((clip) => {
      this.clipId = clip.clip_id;
      this.report({ clipId: clip.clip_id });
      this.pump().catch(() => {});
      return clip;
    });
    this.opened.catch((error) => this.report({ state: "error", error: String(error.message) }));
  }

  /** Stops recording, uploads what is left, marks the clip finished; resolves with progress. */
  async stop() {
    if (this.stopped) return this.finished;
    this.stopped = true;
    this.finished = (async () => {
      if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
      await this.stoppedEvent;
      this.report({ state: "uploading" });
      try {
        await this.opened;
        await this.pump();
        if (this.aborted) return { ...this.progress, durationMs: 0, mime: this.mime };
        await this.retry(() => this.api.finish(this.clipId, this.durationMs));
        this.report({ state: "saved" });
      } catch (error) {
        this.report({ state: "error", error: String(error.message || error) });
      }
      return { ...this.progress, durationMs: this.durationMs, mime: this.mime };
    })();
    return this.finished;
  }

  /**
   * Stops recording and uploading at once, without finishing the clip: this tab lost the
   * session (another tab took it over and records this take itself).
   * @param {string} reason shown in the progress line
   */
  abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.stopped = true;
    this.pending = [];
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.report({ state: "stopped", error: reason });
    this.finished = Promise.resolve({ ...this.progress, durationMs: 0, mime: this.mime });
  }

  /** Uploads pending chunks one at a time, in order; one pump runs at a time. */
  pump() {
    if (!this.clipId) return Promise.resolve();
    if (!this.pumping) {
      this.pumping = this.drain().finally(() => { this.pumping = null; });
    }
    return this.pumping.then(() => (this.pending.length ? this.pump() : undefined));
  }

  async drain() {
    while (this.pending.length && !this.aborted) {
      const chunk = this.pending[0];
      try {
        const reply = await this.retry(() => this.api.putChunk(this.clipId, chunk.seq, chunk.blob));
        // retry() may already have dropped it after asking the server where it stands.
        if (this.pending[0] === chunk) this.pending.shift();
        this.report({ acked: reply.next_seq, bytes: reply.bytes });
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && error.body?.expected != null) {
          this.resumeAt(error.body.expected);
          continue;
        }
        this.report({ state: "error", error: String(error.message || error) });
        throw error;
      }
    }
  }

  /** The server holds everything before `expected`: drop those; a hole we cannot fill is fatal. */
  /** @param {number} expected */
  resumeAt(expected) {
    while (this.pending.length && this.pending[0].seq < expected) this.pending.shift();
    if (this.pending.length && this.pending[0].seq > expected) {
      throw new Error(`the server lost chunk ${expected}; this take cannot be completed`);
    }
  }

  /** Retries network failures and 5xx with backoff; after one, re-reads where the server is. */
  /** @param {() => Promise<any>} operation @returns {Promise<any>} */
  async retry(operation) {
    let delay = 250;
    for (;;) {
      try {
        return await operation();
      } catch (error) {
        if (this.aborted) throw error;
        const status = error instanceof ApiError ? error.status : 0;
        // 507: the server's recording storage is full; retrying cannot help, say so at once.
        if (status && (status < 500 || status === 507) && status !== 408 && status !== 429) {
          throw error;
        }
        this.report({ error: `connection problem, retrying (${error.message || error})` });
        await sleep(delay);
        if (this.aborted) throw new Error("this take was stopped");
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        if (this.clipId && this.pending.length) {
          try {
            const info = await this.api.info(this.clipId);
            this.resumeAt(info.next_seq);
            this.report({ acked: info.next_seq, bytes: info.bytes, error: null });
            if (!this.pending.length) return { next_seq: info.next_seq, bytes: info.bytes };
          } catch (_) { /* still offline: try the operation again */ }
        }
      }
    }
  }
}
