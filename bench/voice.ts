/**
 * What the product's voice detector costs per second of audio, next to the energy detector
 * it replaced:
 *
 *   npm run bench:voice
 *
 * A clip of speech with pauses over a faint background hiss, at 48 kHz as a microphone gives
 * it, is made at run time in a temporary directory (espeak-ng and sox; without them, a
 * synthetic voice-like signal made in code). In Node: Silero VAD on onnxruntime-web's wasm
 * backend as `invigil analyze-audio` runs it — the model alone per 32 ms frame, the whole
 * detector (resampling, frames, segmenting) per 4096-sample chunk as the exam page hands it
 * over, and per whole clip in one-second chunks as `analyze-audio` reads a file — and the
 * energy detector over the same clip. Then the same detector in headless Chromium's module
 * worker (skipped with a reason when Chromium is missing). Not a test: read the figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSileroNode, voiceDetectorFor } from '../packages/detection/src/node/voice-node.js';
import { missingTools } from '../packages/detection/src/eval-audio/sounds.js';
import { MODEL_RATE, Resampler } from '../packages/detection/src/voice/resample.js';
import { detectSound, detectSpeech } from '../packages/detection/src/voice/segments.js';
import { DEFAULT_SPEECH_THRESHOLD } from '../packages/detection/src/voice/segmenter.js';
import { FRAME_SAMPLES, SILERO_MODEL_NAME } from '../packages/detection/src/voice/silero.js';
import { decodeWav } from '../packages/detection/src/voice/wav.js';
import { browserVoiceTimings } from './voice-browser.js';

/** The microphone's rate in the browser (Chromium's usual AudioContext rate). */
const RATE = 48_000;
/** Length of the clip, s. */
const SECONDS = Number(process.env['BENCH_VOICE_SECONDS'] ?? 60);
/** Samples per hand-over on the exam page (apps/web/src/capture/voice-capture-protocol.ts). */
const CHUNK = 4096;
/** Whole-clip passes; their median is reported. */
const ROUNDS = 3;
/** The energy detector's level in the comparison (as in the audio evaluation). */
const ENERGY_THRESHOLD_DB = -35;
const FRAME_MS = (FRAME_SAMPLES * 1000) / MODEL_RATE;

const SENTENCES = [
  'Psst, what did you put for question three?',
  'I think it is the second answer, but I am not sure.',
  'Can you read me the next one? Quickly, before the proctor looks.',
  'The formula for the area of a circle is pi r squared.',
  'No, the other one, the one with the graph.',
  'Okay, thanks, I will write that down.',
];

/** Speech by espeak-ng with pauses over faint hiss, 48 kHz mono, SECONDS long. */
function spokenClip(dir: string): Float32Array {
  const parts = SENTENCES.map((text, i) => {
    const raw = path.join(dir, `s${i}.raw.wav`);
    const out = path.join(dir, `s${i}.wav`);
    execFileSync('espeak-ng', [
      '-v',
      i % 2 ? 'en-us+f3' : 'en-gb+m3',
      '-s',
      '160',
      '-w',
      raw,
      text,
    ]);
    execFileSync('sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', out, 'norm', '-6']);
    execFileSync('sox', [out, path.join(dir, `p${i}.wav`), 'pad', '0', String(1 + (i % 3))]);
    return path.join(dir, `p${i}.wav`);
  });
  const joined = path.join(dir, 'joined.wav');
  const speech = path.join(dir, 'speech.wav');
  const hiss = path.join(dir, 'hiss.wav');
  const clip = path.join(dir, 'clip.wav');
  execFileSync('sox', [...parts, joined]);
  execFileSync('sox', [joined, speech, 'repeat', '20', 'trim', '0', String(SECONDS)]);
  execFileSync('sox', [
    ...['-n', '-r', String(RATE), '-c', '1', '-b', '16', hiss],
    ...['synth', String(SECONDS), 'pinknoise', 'vol', '0.01'],
  ]);
  execFileSync('sox', ['-m', speech, hiss, clip]);
  return decodeWav(new Uint8Array(readFileSync(clip))).samples;
}

/** Without espeak-ng and sox: two-second voiced bursts (harmonics, syllable rhythm) and hiss. */
function syntheticClip(): Float32Array {
  const out = new Float32Array(SECONDS * RATE);
  let seed = 1;
  const noise = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (let i = 0; i < out.length; i++) {
    const t = i / RATE;
    const voiced = t % 3 < 2;
    const f0 = 120 + 20 * Math.sin(2 * Math.PI * 0.5 * t);
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    const syllables = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    out[i] = (voiced ? 0.2 * v * syllables : 0) + 0.003 * noise();
  }
  return out;
}

interface Summary {
  median: number;
  p95: number;
  mean: number;
}

function summary(ms: number[]): Summary {
  const s = [...ms].sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)]!,
    p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

const median = (xs: number[]) => summary(xs).median;

async function timed(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * One table row: what, per-unit median and p95 (ms), real-time factor (cost ÷ audio time) from
 * the mean, and from the median (less of the waits for a CPU on a shared machine).
 */
interface Row {
  what: string;
  where: string;
  unit: string;
  median?: number;
  p95?: number;
  rtf: number;
  rtfMedian?: number;
}

function perUnit(what: string, where: string, unit: string, ms: number[], unitMs: number): Row {
  const s = summary(ms);
  return {
    what,
    where,
    unit,
    median: s.median,
    p95: s.p95,
    rtf: s.mean / unitMs,
    rtfMedian: s.median / unitMs,
  };
}

function table(rows: Row[]): string {
  const ms = (v: number | undefined) =>
    v === undefined ? '–' : v < 1 ? v.toFixed(3) : v.toFixed(2);
  const lines = [
    [
      'measure',
      'where',
      'unit',
      'median ms',
      'p95 ms',
      'RTF (mean)',
      'RTF (median)',
      '× real time',
    ],
    ...rows.map((r) => [
      r.what,
      r.where,
      r.unit,
      ms(r.median),
      ms(r.p95),
      r.rtf.toFixed(4),
      r.rtfMedian === undefined ? '–' : r.rtfMedian.toFixed(4),
      Math.round(1 / r.rtf).toLocaleString('en'),
    ]),
  ];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const fmt = (l: string[]) =>
    `| ${l.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (c < 3 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [fmt(lines[0]!), rule, ...lines.slice(1).map(fmt)].join('\n');
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-bench-voice-'));
try {
  const missing = await missingTools();
  const clip = missing.length ? syntheticClip() : spokenClip(dir);
  const clipMs = (clip.length * 1000) / RATE;
  const chunkMs = (CHUNK * 1000) / RATE;
  console.log(
    `clip: ${(clipMs / 1000).toFixed(1)} s at ${RATE} Hz, ` +
      (missing.length ? `synthetic (${missing.join(', ')} missing)` : 'espeak-ng speech + hiss'),
  );
  console.log(`model: ${SILERO_MODEL_NAME}; Node ${process.version}; ${os.cpus().length} CPUs`);

  const loadMs = await timed(() => loadSileroNode());
  const model = await loadSileroNode();
  const frames16k = new Resampler(RATE).push(clip);
  const rows: Row[] = [];

  // The model alone, frame by frame (after a warm-up of its first calls).
  for (let at = 0; at < 20 * FRAME_SAMPLES; at += FRAME_SAMPLES) {
    await model.probability(frames16k.subarray(at, at + FRAME_SAMPLES));
  }
  model.reset();
  const frameMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    model.reset();
    for (let at = 0; at + FRAME_SAMPLES <= frames16k.length; at += FRAME_SAMPLES) {
      const frame = frames16k.subarray(at, at + FRAME_SAMPLES);
      frameMs.push(await timed(() => model.probability(frame)));
    }
  }
  rows.push(perUnit('Silero model alone', 'Node', '32 ms frame', frameMs, FRAME_MS));

  // The whole detector, chunk by chunk as the exam page hands the samples over.
  const pushMs: number[] = [];
  let speechStretches = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const detector = voiceDetectorFor(model, RATE, { threshold: DEFAULT_SPEECH_THRESHOLD });
    for (let at = 0; at + CHUNK <= clip.length; at += CHUNK) {
      const chunk = clip.subarray(at, at + CHUNK);
      let changes = 0;
      pushMs.push(
        await timed(async () => {
          changes = (await detector.push(chunk, (at * 1000) / RATE)).filter((c) => c.active).length;
        }),
      );
      if (round === 0) speechStretches += changes;
    }
  }
  rows.push(
    perUnit(
      'voice detector (resample + Silero + segmenter)',
      'Node',
      '4096-sample chunk',
      pushMs,
      chunkMs,
    ),
  );

  // The resampler alone, in the same chunks (part of the row above).
  const resampleMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const resampler = new Resampler(RATE);
    for (let at = 0; at + CHUNK <= clip.length; at += CHUNK) {
      const chunk = clip.subarray(at, at + CHUNK);
      resampleMs.push(await timed(() => resampler.push(chunk)));
    }
  }
  rows.push(
    perUnit('  of which resampling 48 → 16 kHz', 'Node', '4096-sample chunk', resampleMs, chunkMs),
  );

  // A whole file as `invigil analyze-audio` reads it (one-second chunks).
  const fileMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const detector = voiceDetectorFor(model, RATE, { threshold: DEFAULT_SPEECH_THRESHOLD });
    fileMs.push(await timed(() => detectSpeech(detector, clip, RATE)));
  }
  rows.push({
    what: 'voice detector, whole clip (analyze-audio)',
    where: 'Node',
    unit: 'clip',
    rtf: median(fileMs) / clipMs,
  });

  // The energy detector it replaced, over the same clip.
  for (let i = 0; i < 3; i++) detectSound(clip, RATE, ENERGY_THRESHOLD_DB); // warm-up
  const energyMs: number[] = [];
  for (let round = 0; round < ROUNDS * 3; round++) {
    energyMs.push(await timed(() => detectSound(clip, RATE, ENERGY_THRESHOLD_DB)));
  }
  const energyFrames = Math.floor(clip.length / Math.round(RATE * 0.032));
  const energyPerFrame = median(energyMs) / energyFrames;
  rows.push({
    what: `energy detector (RMS ≥ ${ENERGY_THRESHOLD_DB} dBFS)`,
    where: 'Node',
    unit: '32 ms frame (mean)',
    median: energyPerFrame,
    rtf: median(energyMs) / clipMs,
  });

  // The same detector in headless Chromium's worker.
  const browser = await browserVoiceTimings(clip, RATE, CHUNK, frames16k);
  let browserNote: string;
  if (typeof browser === 'string') {
    browserNote = `browser part skipped: ${browser}`;
  } else {
    rows.push(
      perUnit('Silero model alone', 'Chromium worker', '32 ms frame', browser.frameMs, FRAME_MS),
    );
    rows.push(
      perUnit(
        'voice detector (resample + Silero + segmenter)',
        'Chromium worker',
        '4096-sample chunk',
        browser.chunkMs,
        chunkMs,
      ),
    );
    // Chromium coarsens performance.now() to 0.1 ms where the page is not cross-origin isolated.
    browserNote =
      `Chromium worker: model and runtime loaded in ${browser.loadMs.toFixed(0)} ms ` +
      `(its clock counts in steps of 0.1 ms)`;
  }

  console.log(`\nNode: model and runtime loaded in ${loadMs.toFixed(0)} ms; ${browserNote}`);
  console.log(`speech stretches found in the clip: ${speechStretches}\n`);
  console.log(table(rows));
  console.log(
    `\nRTF (real-time factor) = processing time ÷ audio time, from the mean and the median per unit (lower is cheaper; × real time from the mean). ` +
      `One 32 ms frame = ${FRAME_SAMPLES} samples at 16 kHz; one chunk = ${CHUNK} samples at ` +
      `${RATE / 1000} kHz = ${chunkMs.toFixed(1)} ms. ${ROUNDS} passes over the clip.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
