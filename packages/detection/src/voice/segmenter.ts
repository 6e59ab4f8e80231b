/**
 * Turns per-frame speech probabilities into stretches of speech: a start once the
 * probability has stayed at or above the threshold for `minSpeechMs`, an end once it has
 * stayed below a lower level for `hangoverMs` (pauses between words and sentences do not
 * split one stretch into many). Pure and deterministic; the browser worker, `invigil
 * analyze-audio` and the audio evaluation all run this same code on the same model output.
 */

/**
 * The Silero model's usual cut-off, and the voice rule's default threshold (the same value as
 * DEFAULT_VOICE_SPEECH_THRESHOLD in contracts, not imported so the voice worker stays small).
 */
export const DEFAULT_SPEECH_THRESHOLD = 0.5;

/** Tuning of the segmenter. */
export interface SpeechSegmenterOptions {
  /** Speech probability from which a frame counts as speech (the voice rule's threshold). */
  threshold: number;
  /** Speech must last this long before it starts, ms (drops clicks and single syllables). */
  minSpeechMs?: number;
  /** Once on, speech ends only after this long below `threshold − hysteresis`, ms. */
  hangoverMs?: number;
  /** How far below the threshold the probability must fall to count as a pause. */
  hysteresis?: number;
}

/** A start or end of speech; `atMs` is when it began (the first speech or quiet frame). */
export interface SpeechChange {
  active: boolean;
  atMs: number;
  /** The highest speech probability of the stretch so far. */
  score: number;
  /** The loudest frame of the stretch so far, dBFS (for reviewers; not used to decide). */
  peakDb: number;
}

/** The segmenter's state over a stream of frames. */
export class SpeechSegmenter {
  private active = false;
  private pendingSince: number | null = null;
  private score = 0;
  private peakDb = -120;
  private readonly minSpeechMs: number;
  private readonly hangoverMs: number;
  private readonly low: number;

  constructor(private readonly options: SpeechSegmenterOptions) {
    this.minSpeechMs = options.minSpeechMs ?? 250;
    this.hangoverMs = options.hangoverMs ?? 1000;
    this.low = Math.max(0.01, options.threshold - (options.hysteresis ?? 0.15));
  }

  /** Whether speech is on now. */
  isActive(): boolean {
    return this.active;
  }

  /** Takes the frame at `atMs` (its speech probability and level); returns a change on a flip. */
  push(atMs: number, probability: number, levelDb: number): SpeechChange | null {
    if (!this.active) {
      if (probability < this.options.threshold) {
        this.reset();
        return null;
      }
      this.pendingSince ??= atMs;
      this.note(probability, levelDb);
      if (atMs - this.pendingSince < this.minSpeechMs) return null;
      this.active = true;
      const change = this.change(true, this.pendingSince);
      this.pendingSince = null;
      return change;
    }
    if (probability >= this.low) {
      this.pendingSince = null;
      this.note(probability, levelDb);
      return null;
    }
    this.pendingSince ??= atMs;
    if (atMs - this.pendingSince < this.hangoverMs) return null;
    const change = this.change(false, this.pendingSince);
    this.active = false;
    this.reset();
    return change;
  }

  /** Ends speech now if it is on (the microphone stopped, or the file ended). */
  end(atMs: number): SpeechChange | null {
    if (!this.active) return null;
    const change = this.change(false, this.pendingSince ?? atMs);
    this.active = false;
    this.reset();
    return change;
  }

  private note(probability: number, levelDb: number): void {
    this.score = Math.max(this.score, probability);
    this.peakDb = Math.max(this.peakDb, levelDb);
  }

  private reset(): void {
    this.pendingSince = null;
    this.score = 0;
    this.peakDb = -120;
  }

  private change(active: boolean, atMs: number): SpeechChange {
    return { active, atMs, score: Math.round(this.score * 1000) / 1000, peakDb: this.peakDb };
  }
}
