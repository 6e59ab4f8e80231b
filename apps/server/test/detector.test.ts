import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPoolDetector } from '../src/adapters/worker-pool.detector.js';
import { detectorContract } from '../src/ports/detector.contract.js';
import { detectionImages } from './helpers/detection-images.js';

// One real worker for the whole file: loading the models costs ~1 s and ~300 MB.
const shared = new WorkerPoolDetector({ size: 1 });
afterAll(() => shared.close());

detectorContract('worker-thread pool', async () => {
  const isShared = !sharedHandedOut;
  sharedHandedOut = true;
  // The first fixture is the shared pool; later ones (e.g. "refuses work after close") are fresh.
  const detector = isShared ? shared : new WorkerPoolDetector({ size: 1 });
  return {
    detector,
    images: detectionImages(),
    cleanup: async () => {
      if (!isShared) await detector.close();
    },
  };
});
let sharedHandedOut = false;

describe('worker-thread pool', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-fake-worker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fakeWorker = (name: string, body: string) => {
    const file = path.join(dir, `${name}.mjs`);
    writeFileSync(file, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
    return file;
  };

  it('fails only the request of a crashed worker, and starts a new one for the next', async () => {
    const file = fakeWorker(
      'crash-first',
      `parentPort.on('message', (m) => {
        if (m.bytes[0] === 1) process.exit(3);
        parentPort.postMessage({ id: m.id, ok: true, analysis: { width: m.bytes[0] } });
      });`,
    );
    const pool = new WorkerPoolDetector({ size: 1, workerPath: file });
    const crashed = pool.analyze(new Uint8Array([1]));
    const next = pool.analyze(new Uint8Array([2]));
    await expect(crashed).rejects.toThrow(/stopped/);
    expect((await next).width).toBe(2);
    await pool.close();
  });

  it('fails the request, not the server, when the worker bundle is missing', async () => {
    const pool = new WorkerPoolDetector({ size: 1, workerPath: path.join(dir, 'missing.mjs') });
    await expect(pool.analyze(new Uint8Array([1]))).rejects.toThrow();
    await pool.close();
  });

  it('ends a worker that outgrows its memory limits; only its request fails', async () => {
    const file = fakeWorker(
      'hog',
      `const hoard = [];
      parentPort.on('message', (m) => {
        if (m.bytes[0] === 1) for (;;) hoard.push(new Array(100_000).fill({ m }));
        parentPort.postMessage({ id: m.id, ok: true, analysis: { width: m.bytes[0] } });
      });`,
    );
    const pool = new WorkerPoolDetector({
      size: 1,
      workerPath: file,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    await expect(pool.analyze(new Uint8Array([1]))).rejects.toThrow(/memory|stopped|failed/i);
    expect((await pool.analyze(new Uint8Array([2]))).width).toBe(2);
    await pool.close();
  });

  it('kills a worker that takes too long', async () => {
    const file = fakeWorker('silent', `parentPort.on('message', () => {});`);
    const pool = new WorkerPoolDetector({ size: 1, workerPath: file, timeoutMs: 200 });
    await expect(pool.analyze(new Uint8Array([1]))).rejects.toThrow(/longer than 200 ms/);
    await pool.close();
  });

  it('runs up to `size` requests at once', async () => {
    // Each fake worker holds its request for a while and answers with its thread id: three
    // requests in flight at once must land on three different workers. (No wall-clock bound:
    // a loaded machine starts workers slowly, which says nothing about concurrency.)
    const file = fakeWorker(
      'slow',
      `import { threadId } from 'node:worker_threads';
      parentPort.on('message', (m) => setTimeout(() =>
        parentPort.postMessage({ id: m.id, ok: true, analysis: { width: m.bytes[0], height: threadId } }), 300));`,
    );
    const pool = new WorkerPoolDetector({ size: 3, workerPath: file });
    const results = await Promise.all([1, 2, 3].map((n) => pool.analyze(new Uint8Array([n]))));
    expect(results.map((r) => r.width)).toEqual([1, 2, 3]);
    expect(new Set(results.map((r) => r.height)).size).toBe(3);
    await pool.close();
  });
});
