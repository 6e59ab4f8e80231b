/** The model's sample rate. */
export const MODEL_RATE = 16_000;

/**
 * Streaming conversion to 16 kHz mono. Downsampling averages the input over each output
 * sample's span (a box filter: crude, but enough to keep hiss above 8 kHz from folding into
 * the speech band for a detector); upsampling interpolates linearly. Chunks may have any
 * length; the output is the same whether the input comes in one piece or many.
 */
export class Resampler {
  private readonly step: number;
  /** Input not yet consumed, and the position of the next output sample within it. */
  private carry: number[] = [];
  private position = 0;

  constructor(readonly inputRate: number) {
    if (!(inputRate >= 4000 && inputRate <= 384_000)) {
      throw new RangeError(`unsupported sample rate ${inputRate}`);
    }
    this.step = inputRate / MODEL_RATE;
  }

  /** Converts the next chunk of input samples; returns the 16 kHz samples now complete. */
  push(chunk: ArrayLike<number>): Float32Array {
    if (this.step === 1) return Float32Array.from(chunk);
    const input = this.carry.length ? [...this.carry, ...Array.from(chunk)] : Array.from(chunk);
    const out: number[] = [];
    let p = this.position;
    if (this.step > 1) {
      while (p + this.step <= input.length) {
        const from = Math.floor(p);
        const to = Math.floor(p + this.step);
        let sum = 0;
        for (let i = from; i < to; i++) sum += input[i] ?? 0;
        out.push(sum / Math.max(1, to - from));
        p += this.step;
      }
    } else {
      while (p + 1 < input.length) {
        const i = Math.floor(p);
        const f = p - i;
        out.push((input[i] ?? 0) * (1 - f) + (input[i + 1] ?? 0) * f);
        p += this.step;
      }
    }
    const keep = Math.floor(p);
    this.carry = input.slice(keep);
    this.position = p - keep;
    return Float32Array.from(out);
  }
}
