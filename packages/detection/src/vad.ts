/**
 * Signal energy: the RMS level of short audio frames in dBFS, and a detector comparing it
 * with a threshold, with hysteresis and a hangover.
 *
 * The energy detector was the voice detector before the speech model (voice/silero.ts): it
 * hears any loud sound — typing, a door, a fan — not only speech, which is why it was
 * replaced. It stays as the baseline the audio evaluation measures the model against
 * (`npm run eval:audio`), and the level is reported with each stretch of speech for
 * reviewers. (The system check's microphone meter is student/flow/level-meter.tsx.)
 */

/** The quietest level reported, dBFS (digital silence would be −∞). */
export const SILENCE_DBFS = -120;

/** RMS level of samples in [-1, 1] as dBFS (0 = full scale), floored at SILENCE_DBFS. */
export function rmsDbfs(samples: ArrayLike<number>): number {
  if (samples.length === 0) return SILENCE_DBFS;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return SILENCE_DBFS;
  return Math.max(SILENCE_DBFS, Math.round(20 * Math.log10(rms) * 10) / 10);
}

/** Tuning of the energy detector. */
export interface VadOptions {
  /** Sound starts when the level reaches this, dBFS (the voice rule's threshold). */
  thresholdDb: number;
  /** Once on, it stays on until the level drops this many dB below the threshold. */
  hysteresisDb?: number;
  /** The level must stay at or above the threshold this long before sound starts, ms. */
  attackMs?: number;
  /** Sound ends only after this long below the lower level, ms (bridges pauses between words). */
  hangoverMs?: number;
}

/** A start or end of sound; `atMs` is when it began (the first loud or quiet frame). */
export interface VadChange {
  active: boolean;
  atMs: number;
  /** For a start, the loudest level so far; for an end, the loudest level of the stretch. */
  peakDb: number;
}

/**
 * The detector's state over a stream of levels. Feed it one level per audio frame (any
 * regular or irregular spacing: decisions are by time, so a throttled timer still works,
 * only more coarsely). Pure and deterministic.
 */
export class EnergyVad {
  private active = false;
  /** Start of the current run of frames that would change the state, or null. */
  private pendingSince: number | null = null;
  private peak = SILENCE_DBFS;
  private readonly hysteresisDb: number;
  private readonly attackMs: number;
  private readonly hangoverMs: number;

  constructor(private readonly options: VadOptions) {
    this.hysteresisDb = options.hysteresisDb ?? 6;
    this.attackMs = options.attackMs ?? 150;
    this.hangoverMs = options.hangoverMs ?? 1500;
  }

  /** Whether sound is on now. */
  isActive(): boolean {
    return this.active;
  }

  /** Takes the level of the frame at `atMs`; returns a change when the state flips. */
  push(atMs: number, levelDb: number): VadChange | null {
    if (!this.active) {
      if (levelDb < this.options.thresholdDb) {
        this.pendingSince = null;
        this.peak = SILENCE_DBFS;
        return null;
      }
      this.pendingSince ??= atMs;
      this.peak = Math.max(this.peak, levelDb);
      if (atMs - this.pendingSince < this.attackMs) return null;
      this.active = true;
      const change = { active: true, atMs: this.pendingSince, peakDb: this.peak };
      this.pendingSince = null;
      return change;
    }
    if (levelDb >= this.options.thresholdDb - this.hysteresisDb) {
      this.pendingSince = null;
      this.peak = Math.max(this.peak, levelDb);
      return null;
    }
    this.pendingSince ??= atMs;
    if (atMs - this.pendingSince < this.hangoverMs) return null;
    this.active = false;
    const change = { active: false, atMs: this.pendingSince, peakDb: this.peak };
    this.pendingSince = null;
    this.peak = SILENCE_DBFS;
    return change;
  }

  /** Ends sound now if it is on (when the microphone stops). */
  end(atMs: number): VadChange | null {
    if (!this.active) return null;
    this.active = false;
    const change = { active: false, atMs: this.pendingSince ?? atMs, peakDb: this.peak };
    this.pendingSince = null;
    this.peak = SILENCE_DBFS;
    return change;
  }
}
