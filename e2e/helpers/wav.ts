import { writeFileSync } from 'node:fs';

/**
 * Writes a 16-bit mono WAV for Chromium's fake microphone
 * (`--use-file-for-fake-audio-capture`, which loops it): a steady 440 Hz tone of the given
 * peak amplitude for `toneSeconds`, then silence for `silenceSeconds`.
 */
export function writeToneWav(
  file: string,
  { toneSeconds = 4, silenceSeconds = 3, amplitude = 0.3, rate = 48_000 } = {},
): void {
  const samples = Math.round((toneSeconds + silenceSeconds) * rate);
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples * 2, 40);
  const toneSamples = toneSeconds * rate;
  for (let i = 0; i < samples; i++) {
    const value = i < toneSamples ? amplitude * Math.sin((2 * Math.PI * 440 * i) / rate) : 0;
    out.writeInt16LE(Math.round(value * 32767), 44 + i * 2);
  }
  writeFileSync(file, out);
}
