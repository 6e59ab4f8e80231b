import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  WorkerPoolDetector,
  type WorkerPoolOptions,
} from '../src/adapters/worker-pool.detector.js';
import { detectorContract } from '../src/ports/detector.contract.js';
import { detectionImages } from './helpers/detection-images.js';
import { eventually } from './helpers/eventually.js';

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

  describe('lanes', () => {
    // Reports its priority like the real worker (the nice value it was given, not applied)
    // and answers with its thread id as `height`; a request whose first byte is 1 is held
    // for good (a background lane kept busy), any other is answered at once.
    const laneWorker = () =>
      fakeWorker(
        'lanes',
        `import { threadId, workerData } from 'node:worker_threads';
        parentPort.postMessage({ kind: 'priority', tid: null,
          outcome: { applied: false, nice: workerData.nice, reason: 'fake' } });
        parentPort.on('message', (m) => {
          if (m.bytes[0] === 1) return;
          parentPort.postMessage({ id: m.id, ok: true, analysis: { width: m.bytes[0], height: threadId } });
        });`,
      );
    /** A pool over the fake worker that records which lanes started workers, at what nice. */
    const lanePool = (options: Partial<WorkerPoolOptions> = {}) => {
      const started: { lane: string; nice: number }[] = [];
      const pool = new WorkerPoolDetector({
        size: 1,
        nice: 10,
        workerPath: laneWorker(),
        onPriority: (outcome, worker) => started.push({ lane: worker.lane, nice: outcome.nice }),
        ...options,
      });
      return { pool, started };
    };
    /** Whether a promise has settled yet (checked after the event loop had a turn). */
    const settled = (promise: Promise<unknown>) => {
      let done = false;
      promise.then(
        () => (done = true),
        () => (done = true),
      );
      return () => done;
    };

    it('answers an interactive call while the background lane is busy and has a queue', async () => {
      const { pool, started } = lanePool();
      const held = pool.analyze(new Uint8Array([1]));
      const queued = pool.analyze(new Uint8Array([2]), {}, 'background');
      const heldDone = settled(held);
      const queuedDone = settled(queued);
      await eventually(() => expect(started).toEqual([{ lane: 'background', nice: 10 }]));

      const interactive = await pool.analyze(new Uint8Array([3]), {}, 'interactive');
      expect(interactive.width).toBe(3);
      // Its own thread, started for it at the main thread's priority; the background
      // requests are still where they were.
      expect(started).toEqual([
        { lane: 'background', nice: 10 },
        { lane: 'interactive', nice: 0 },
      ]);
      expect(heldDone()).toBe(false);
      expect(queuedDone()).toBe(false);
      // Interactive calls keep their own FIFO queue: overlapping ones are all answered, in turn.
      const more = await Promise.all(
        [4, 5, 6].map((n) => pool.analyze(new Uint8Array([n]), {}, 'interactive')),
      );
      expect(more.map((a) => a.width)).toEqual([4, 5, 6]);
      expect(new Set([interactive, ...more].map((a) => a.height)).size).toBe(1);
      expect(started).toHaveLength(2);

      const rejected = Promise.all([
        expect(held).rejects.toThrow(/closed/),
        expect(queued).rejects.toThrow(/closed/),
      ]);
      await pool.close();
      await rejected;
    });

    it('starts no interactive worker until an interactive call comes', async () => {
      const { pool, started } = lanePool({ size: 2 });
      await Promise.all([pool.analyze(new Uint8Array([2])), pool.analyze(new Uint8Array([3]))]);
      expect(started.map((s) => s.lane)).toEqual(['background', 'background']);
      await pool.close();
    });

    it('with no interactive workers, queues interactive calls behind background ones as before', async () => {
      const { pool, started } = lanePool({ interactiveSize: 0 });
      const held = pool.analyze(new Uint8Array([1]));
      const interactive = pool.analyze(new Uint8Array([3]), {}, 'interactive');
      const interactiveDone = settled(interactive);
      await eventually(() => expect(started).toEqual([{ lane: 'background', nice: 10 }]));
      // Give the lane time to (wrongly) answer; nothing should have reached a second thread.
      await new Promise((r) => setTimeout(r, 200));
      expect(interactiveDone()).toBe(false);
      expect(started).toHaveLength(1);
      const rejected = Promise.all([
        expect(held).rejects.toThrow(/closed/),
        expect(interactive).rejects.toThrow(/closed/),
      ]);
      await pool.close();
      await rejected;
    });

    it('fails only the request of a crashed or stuck interactive worker, then starts a fresh one', async () => {
      const file = fakeWorker(
        'interactive-crash',
        `parentPort.on('message', (m) => {
          if (m.bytes[0] === 1) process.exit(3);
          if (m.bytes[0] === 9) return;
          parentPort.postMessage({ id: m.id, ok: true, analysis: { width: m.bytes[0] } });
        });`,
      );
      const pool = new WorkerPoolDetector({ size: 1, workerPath: file });
      const crashed = pool.analyze(new Uint8Array([1]), {}, 'interactive');
      const next = pool.analyze(new Uint8Array([2]), {}, 'interactive');
      await expect(crashed).rejects.toThrow(/stopped/);
      expect((await next).width).toBe(2);
      expect((await pool.analyze(new Uint8Array([4]))).width).toBe(4);
      await pool.close();
      // A short timeout only where it is the point: a cold worker's start counts against it.
      const stuck = new WorkerPoolDetector({ size: 1, workerPath: file, timeoutMs: 200 });
      await expect(stuck.analyze(new Uint8Array([9]), {}, 'interactive')).rejects.toThrow(
        /longer than 200 ms/,
      );
      await stuck.close();
    });
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
