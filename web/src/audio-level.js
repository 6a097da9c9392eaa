// Who is speaking: the level of a stream's audio, from a WebAudio analyser, as a 0..3 bucket
// (the tile draws a ring per bucket through a data attribute: no inline styles under our CSP).


/** RMS of the time-domain signal → a bucket: 0 silent, 1 quiet, 2 speaking, 3 loud. */
/** @param {number} rms */
export function levelBucket(rms) {
  if (rms < 0.008) return 0;
  if (rms < 0.03) return 1;
  if (rms < 0.1) return 2;
  return 3;
}

const TICK_MS = 50;
// Peak hold: the ring fades over about half a second instead of flickering between syllables.
const DECAY = 0.85;

/** One AudioContext for all the page's meters (browsers cap how many may exist). */
export class LevelMeters {
  constructor() {
    /** @type {AudioContext|null} */
    this.ctx = null;
  }

  context() {
    if (!this.ctx) {
      const Ctor = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
      if (!Ctor) return null;
      this.ctx = new Ctor();
    }
    // Made after the Join click it may still start suspended: resume (sticky activation).
    if (this.ctx.state === "suspended") this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  /**
   * Calls `onLevel(bucket)` whenever the bucket changes (sampled every 50 ms).
   * @param {MediaStream} stream
   * @param {(bucket: number) => void} onLevel
   * @returns {() => void} stops watching
   */
  watch(stream, onLevel) {
    return watchLevel(this.context(), stream, onLevel);
  }
}

/**
 * @param {AudioContext|null} ctx @param {MediaStream} stream
 * @param {(bucket: number) => void} onLevel
 */
function watchLevel(ctx, stream, onLevel) {
  if (!ctx || stream.getAudioTracks().length === 0) return () => {};
  let source;
  try {
    source = ctx.createMediaStreamSource(stream);
  } catch {
    return () => {};
  }
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048; // ~43 ms at 48 kHz: a window as long as a syllable
  source.connect(analyser); // not to the destination: the <audio>/<video> element plays it
  const samples = new Float32Array(analyser.fftSize);
  let last = -1;
  let held = 0;
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const x of samples) sum += x * x;
    held = Math.max(Math.sqrt(sum / samples.length), held * DECAY);
    const bucket = levelBucket(held);
    if (bucket !== last) {
      last = bucket;
      onLevel(bucket);
    }
  }, TICK_MS);
  return () => {
    clearInterval(timer);
    source.disconnect();
  };
}
