// Countdown cues as sound: a short beep at 30 s left and a lower one at zero.

/** Beeps through WebAudio; created on the first user gesture (autoplay rules). */
export class Beeper {
  constructor() {
    /** @type {AudioContext|null} */
    this.ctx = null;
    const unlock = () => {
      try {
        this.ctx = this.ctx || new AudioContext();
        void this.ctx.resume();
      } catch { /* no audio: the visual cue remains */ }
    };
    document.addEventListener("pointerdown", unlock, { once: true, capture: true });
    document.addEventListener("keydown", unlock, { once: true, capture: true });
  }

  /** @param {number} freq @param {number} seconds */
  beep(freq, seconds) {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== "running") return;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + seconds);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + seconds + 0.05);
  }
}
