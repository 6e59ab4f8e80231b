import { describe, expect, it } from 'vitest';
import { SpeechSegmenter } from './segmenter.js';
import { Resampler } from './resample.js';
import { decodeWav, UnreadableAudioError } from './wav.js';
import { encodeWav } from '../eval-audio/wav-write.js';

/** Feeds one probability per 32 ms frame; returns the changes. */
function run(probabilities: number[], threshold = 0.5) {
  const s = new SpeechSegmenter({ threshold, minSpeechMs: 250, hangoverMs: 1000 });
  return probabilities
    .map((p, i) => s.push(i * 32, p, -30))
    .filter((c) => c !== null)
    .map((c) => ({ active: c.active, atMs: c.atMs }));
}

describe('SpeechSegmenter', () => {
  it('starts after the minimum speech time, dated from the first speech frame', () => {
    expect(run([0.1, 0.9, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])).toEqual([
      { active: true, atMs: 32 },
    ]);
  });

  it('ignores a click shorter than the minimum', () => {
    expect(run([0.9, 0.9, 0.1, 0.9, 0.1, 0.1])).toEqual([]);
  });

  it('bridges a pause shorter than the hangover and ends after a longer one', () => {
    const speech = Array(20).fill(0.9);
    const pause = Array(20).fill(0.1); // 640 ms
    const silence = Array(40).fill(0.05); // 1280 ms
    const changes = run([...speech, ...pause, ...speech, ...silence]);
    expect(changes).toEqual([
      { active: true, atMs: 0 },
      { active: false, atMs: 60 * 32 },
    ]);
  });

  it('keeps speech on while the probability stays above the lower (hysteresis) level', () => {
    const changes = run([...Array(20).fill(0.9), ...Array(60).fill(0.4)]);
    expect(changes).toEqual([{ active: true, atMs: 0 }]);
  });

  it('a higher threshold hears less', () => {
    expect(run(Array(20).fill(0.6), 0.7)).toEqual([]);
  });
});

describe('Resampler', () => {
  it('gives the same 16 kHz output whether fed at once or in chunks', () => {
    const input = Float32Array.from({ length: 48_000 }, (_, i) => Math.sin(i / 20));
    const whole = new Resampler(48_000).push(input);
    const r = new Resampler(48_000);
    const parts = [
      r.push(input.subarray(0, 1001)),
      r.push(input.subarray(1001, 30_017)),
      r.push(input.subarray(30_017)),
    ];
    const chunked = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    expect(whole.length).toBe(16_000);
    expect(chunked.length).toBe(whole.length);
    expect(chunked[12_345]).toBeCloseTo(whole[12_345]!, 6);
  });

  it('upsamples 8 kHz', () => {
    expect(new Resampler(8000).push(new Float32Array(8000)).length).toBeGreaterThanOrEqual(15_998);
  });
});

describe('decodeWav', () => {
  it('reads 16-bit PCM back', () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 0.25]);
    const audio = decodeWav(encodeWav(samples, 16_000));
    expect(audio.sampleRate).toBe(16_000);
    expect(Array.from(audio.samples).map((s) => Math.round(s * 100) / 100)).toEqual([
      0, 0.5, -0.5, 0.25,
    ]);
  });

  it('refuses what is not a WAV file', () => {
    expect(() => decodeWav(new TextEncoder().encode('not audio at all'))).toThrow(
      UnreadableAudioError,
    );
  });
});
