import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeWav } from '../voice/wav.js';

const run = promisify(execFile);

/** The rate every generated file is written at. */
export const EVAL_RATE = 16_000;

/** Runs sox with these arguments (output always 16 kHz mono, 16-bit). */
export async function sox(args: string[]): Promise<void> {
  await run('sox', args, { maxBuffer: 1 << 20 });
}

/** Reads a generated WAV file. */
export async function samplesOf(path: string): Promise<Float32Array> {
  return decodeWav(new Uint8Array(await readFile(path))).samples;
}

/** Whether espeak-ng and sox are installed; the missing ones otherwise. */
export async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const [tool, flag] of [
    ['espeak-ng', '--version'],
    ['sox', '--version'],
  ] as const) {
    await run(tool, [flag]).catch(() => missing.push(tool));
  }
  return missing;
}

/** One spoken sentence by espeak-ng, silence trimmed, at 16 kHz, peak-normalised. */
export async function speak(
  dir: string,
  name: string,
  voice: string,
  text: string,
  speed: number,
  pitch: number,
): Promise<Float32Array> {
  await mkdir(dir, { recursive: true });
  const raw = join(dir, `${name}.raw.wav`);
  const out = join(dir, `${name}.wav`);
  await run('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', raw, text]);
  // Trim the synthesiser's leading and trailing silence so the label is the speech itself.
  const trim = [
    'silence',
    '1',
    '0.02',
    '0.5%',
    'reverse',
    'silence',
    '1',
    '0.02',
    '0.5%',
    'reverse',
  ];
  await sox([raw, '-r', String(EVAL_RATE), '-c', '1', '-b', '16', out, ...trim, 'norm', '-1']);
  return samplesOf(out);
}

/** sox arguments that synthesise into `out` at 16 kHz mono: `effects` as written on a shell. */
const make = (out: string, effects: string) => [
  ...['-n', '-r', String(EVAL_RATE), '-c', '1', '-b', '16', out],
  ...effects.trim().split(/\s+/),
];

/**
 * The non-speech sounds of an exam room, synthesised by sox, each as one or more parts that
 * are mixed. `seed` varies each one (periods, pitches, filters) so the variants of a kind are
 * not copies of each other.
 */
export const NON_SPEECH: Record<string, (seed: number, seconds: number) => string[][]> = {
  silence: (_seed, s) => [make('PART0', `synth ${s} whitenoise vol 0.0005`)],
  fan: (seed, s) => [
    make('PART0', `synth ${s} brownnoise lowpass ${400 + seed * 100} norm -3`),
    make('PART1', `synth ${s} sine ${90 + seed * 15} norm -20`),
  ],
  air_conditioner: (seed, s) => [
    make('PART0', `synth ${s} pinknoise bandpass ${700 + seed * 150} 1.5q tremolo 0.3 20 norm -3`),
    make('PART1', `synth ${s} square ${seed % 2 ? 50 : 60} lowpass 300 norm -18`),
  ],
  keyboard: (seed, s) =>
    // Clicks: short bursts of high-passed noise; three interleaved periods make the rhythm
    // irregular, like typing.
    [0.17, 0.23, 0.31].map((period, i) => {
      const p = period + seed * 0.013;
      return make(
        `PART${i}`,
        `synth 0.018 whitenoise highpass ${1500 + i * 900} fade q 0.001 0.018 0.012 ` +
          `pad 0 ${(p - 0.018).toFixed(3)} repeat ${Math.ceil(s / p)} trim 0 ${s} norm ${-6 - i * 3}`,
      );
    }),
  music: (seed, s) => {
    // Plucked chords repeated every half second over a slow bass tone (instrumental).
    const root = seed % 5;
    const note = (i: number, semitones: number) =>
      make(
        `PART${i}`,
        `synth 0.5 pluck %${semitones} repeat ${Math.ceil(s / 0.5)} trim 0 ${s} norm -6`,
      );
    return [
      note(0, root),
      note(1, root + 4),
      note(2, root + 7),
      make('PART3', `synth ${s} sine %${root - 24} tremolo 2 60 norm -12`),
    ];
  },
  door: (seed, s) => {
    // A knock or a door closing: a low thump every few seconds.
    const every = 3 + seed * 0.7;
    return [
      make(
        'PART0',
        `synth 0.25 brownnoise lowpass ${180 + seed * 40} fade q 0.003 0.25 0.22 norm -3 ` +
          `pad 0 ${every - 0.25} repeat ${Math.ceil(s / every)} trim 0 ${s}`,
      ),
    ];
  },
  chair: (seed, s) => {
    // A chair scraping: band-passed noise with a rattle, every few seconds.
    const every = 4 + seed * 0.9;
    return [
      make(
        'PART0',
        `synth 0.7 pinknoise bandpass ${500 + seed * 200} 2q tremolo ${15 + seed * 3} 90 ` +
          `fade q 0.05 0.7 0.2 norm -6 pad 0 ${every - 0.7} repeat ${Math.ceil(s / every)} trim 0 ${s}`,
      ),
    ];
  },
};

/** Makes one non-speech file at `out` (parts are mixed when the recipe has several). */
export async function makeNonSpeech(
  kind: string,
  seed: number,
  seconds: number,
  out: string,
): Promise<void> {
  const recipe = NON_SPEECH[kind];
  if (!recipe) throw new Error(`unknown sound ${kind}`);
  const steps = recipe(seed, seconds);
  const parts = steps.map((_, i) => `${out}.part${i}.wav`);
  for (const [i, step] of steps.entries()) {
    await sox(step.map((a) => (a.startsWith('PART') ? parts[i]! : a)));
  }
  // Mixed, then set to a plausible level at a laptop microphone (varied by the seed).
  const level = ['norm', `${(PEAK_DB[kind] ?? -20) - (seed % 3) * 4}`];
  await sox([...(parts.length > 1 ? ['-m'] : []), ...parts, out, ...level]);
  await Promise.all(parts.map((part) => rm(part, { force: true })));
}

/** Peak level of each kind of sound at the microphone, dBFS, before the seed's variation. */
const PEAK_DB: Record<string, number> = {
  silence: -62,
  fan: -30,
  air_conditioner: -28,
  keyboard: -14,
  music: -20,
  door: -8,
  chair: -18,
};
