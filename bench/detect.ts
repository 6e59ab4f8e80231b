/**
 * `npm run bench:detect`: per-frame latency of each detector in Node (tfjs wasm backend,
 * one thread) at 640×480, and the frames per second one core sustains. Frames are made
 * from the sample images shipped in the detection library's npm package; nothing is
 * downloaded. Not a test: machines differ, so read the numbers, do not assert them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NodeDetector, decodeImage } from '../packages/detection/src/node/index.js';
import { ALL_PARTS, type DetectorParts } from '../packages/detection/src/human-config.js';
import { crop, pad, type RgbImage } from '../packages/detection/src/image-ops.js';
import { downscale } from '../packages/detection/src/eval/degrade.js';
import { descriptorSimilarity } from '../packages/detection/src/face-recognition.js';

const require = createRequire(import.meta.url);

/** Sample frames at 640×480: crops of the library's own sample pictures. */
function frames(): RgbImage[] {
  const assets = join(dirname(dirname(require.resolve('@vladmandic/human'))), 'assets');
  const out: RgbImage[] = [];
  for (const f of readdirSync(assets).filter((n) => n.endsWith('.jpg'))) {
    const img = decodeImage(readFileSync(join(assets, f)));
    const scale = Math.max(640 / img.width, 480 / img.height);
    // Scale down (never up) so that a 640×480 window holds a representative scene.
    const fitted = scale < 1 ? downscale(img, Math.max(scale, 0.5)) : img;
    out.push(crop(fitted, [0, 0, 640, 480]));
  }
  return out.filter((f) => f.width === 640 && f.height === 480);
}

interface Stats {
  median: number;
  p95: number;
  fps: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  return {
    median,
    p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!,
    fps: 1000 / median,
  };
}

async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < 3; i++) await fn(i); // warm-up: first calls compile kernels
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn(i);
    ms.push(performance.now() - started);
  }
  return stats(ms);
}

/** Entry point used by packages/detection/scripts/run.mjs. */
export async function main(argv: string[]): Promise<number> {
  const n = Number(argv[argv.indexOf('--frames') + 1]) || 40;
  const loadStarted = performance.now();
  const detector = await NodeDetector.create();
  const loadMs = performance.now() - loadStarted;
  const samples = frames();
  const frame = (i: number) => samples[i % samples.length]!;
  const raw = (parts: DetectorParts) => (i: number) => detector.detect(frame(i), parts);
  const enrolled =
    (await detector.analyze(frame(0), { parts: { objects: false } })).embedding ?? [];
  const none: DetectorParts = { pose: false, embedding: false, objects: false };
  const rows: Array<[string, Stats]> = [
    ['face detector (blazeface)', await time(n, raw(none))],
    ['face + mesh (head pose)', await time(n, raw({ ...none, pose: true }))],
    [
      'face + mesh, padded frame',
      await time(n, (i) => detector.detect(pad(frame(i), 0.25).image, { ...none, pose: true })),
    ],
    [
      'identity: detect + embed + compare',
      await time(n, async (i) => {
        const a = await detector.analyze(frame(i), { parts: { objects: false }, tiles: false });
        return descriptorSimilarity(a.embedding ?? [], enrolled);
      }),
    ],
    ['objects (centernet)', await time(n, raw({ ...none, objects: true }))],
    [
      'objects, padded frame + 2x2 tiles',
      await time(n, (i) =>
        detector.analyze(frame(i), {
          parts: { ...none, faces: false, objects: true },
          tiles: false,
          objectTiles: true,
        }),
      ),
    ],
    [
      'full pipeline (all detectors)',
      await time(n, (i) =>
        detector.analyze(frame(i), { parts: ALL_PARTS, tiles: false, objectTiles: false }),
      ),
    ],
    [
      'full pipeline + object tiles (server)',
      await time(n, (i) => detector.analyze(frame(i), { parts: ALL_PARTS, tiles: false })),
    ],
  ];
  console.log(
    `detection benchmark: ${detector.models.library}; ${samples.length} sample frames at 640x480; ${n} timed frames each after 3 warm-up; models loaded in ${Math.round(loadMs)} ms`,
  );
  console.log('detector                               median ms   p95 ms   frames/s per core');
  for (const [name, s] of rows) {
    console.log(
      `${name.padEnd(38)} ${s.median.toFixed(1).padStart(9)} ${s.p95.toFixed(1).padStart(8)} ${s.fps.toFixed(1).padStart(19)}`,
    );
  }
  return 0;
}
