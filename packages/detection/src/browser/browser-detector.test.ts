import { describe, expect, it } from 'vitest';
import type { FrameAnalysis } from '../analysis.js';
import { BrowserDetector, objectTilesDue } from './browser-detector.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

const ANALYSIS: FrameAnalysis = {
  width: 640,
  height: 480,
  faces: [],
  objects: [],
  timings: { total: 12 },
  models: { library: 'x', face: 'f', mesh: 'm', embedding: 'e', objects: 'o' },
};

/** A stand-in for the detection worker: records requests and answers with `answer`. */
class FakeWorker extends EventTarget {
  readonly requests: WorkerRequest[] = [];
  terminated = false;
  constructor(private readonly answer: (request: WorkerRequest) => WorkerReply | null) {
    super();
  }
  postMessage(request: WorkerRequest): void {
    this.requests.push(request);
    const reply = this.answer(request);
    if (reply) queueMicrotask(() => this.emit(reply));
  }
  emit(reply: WorkerReply): void {
    this.dispatchEvent(new MessageEvent('message', { data: reply }));
  }
  terminate(): void {
    this.terminated = true;
  }
}

function working(request: WorkerRequest): WorkerReply | null {
  if (request.type === 'init') return { type: 'ready', model: 'human test', loadMs: 5 };
  if (request.type === 'enroll') return { type: 'enrolled', id: request.id, ok: true };
  return { type: 'result', id: request.id, analysis: ANALYSIS };
}

const parts = { pose: true, embedding: true, objects: true };
const load = (worker: FakeWorker, extra: { loadTimeoutMs?: number } = {}) =>
  BrowserDetector.load({ parts, createWorker: () => worker as unknown as Worker, ...extra });

describe('BrowserDetector', () => {
  it('loads from our own origin, with only the parts asked for and a frame-rate cap', async () => {
    const worker = new FakeWorker(working);
    const detector = await load(worker);
    expect(detector.model).toBe('human test');
    expect(worker.requests[0]).toMatchObject({
      type: 'init',
      modelBasePath: '/detection/models/',
      wasmPath: '/detection/wasm/',
      parts,
      minFrameMs: 125,
    });
  });

  it('rejects and ends the worker when the models fail to load, or take too long', async () => {
    const failing = new FakeWorker((r) =>
      r.type === 'init' ? { type: 'failed', error: 'models not loaded: blazeface' } : null,
    );
    await expect(load(failing)).rejects.toThrow('models not loaded');
    expect(failing.terminated).toBe(true);
    const silent = new FakeWorker(() => null);
    await expect(load(silent, { loadTimeoutMs: 20 })).rejects.toThrow('did not load in time');
    expect(silent.terminated).toBe(true);
  });

  it('compares identity only after a successful enrolment', async () => {
    const worker = new FakeWorker(working);
    const detector = await load(worker);
    const photo = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' });
    await detector.analyzeImage(photo, parts);
    expect(worker.requests[1]).toMatchObject({
      type: 'frame',
      urgent: true,
      parts: { embedding: false },
    });
    expect(await detector.enroll(photo)).toEqual({ ok: true, reason: undefined });
    expect(await detector.analyzeImage(photo, parts)).toEqual(ANALYSIS);
    expect(worker.requests[3]).toMatchObject({ type: 'frame', parts: { embedding: true } });
  });

  it('does not hang when the worker dies mid-request', async () => {
    let worker: FakeWorker | null = null;
    worker = new FakeWorker((r) => {
      if (r.type === 'init') return working(r);
      queueMicrotask(() => worker?.dispatchEvent(new Event('error')));
      return null;
    });
    const detector = await load(worker);
    await expect(detector.analyzeImage(new Blob([]), parts)).rejects.toThrow();
  });
});

describe('objectTilesDue', () => {
  it('searches the tiles on the first objects frame, then at most every 15 s', () => {
    expect(objectTilesDue(1000, -Infinity, 15_000)).toBe(true);
    expect(objectTilesDue(6000, 1000, 15_000)).toBe(false);
    expect(objectTilesDue(16_000, 1000, 15_000)).toBe(true);
  });

  it('never searches the tiles when switched off, as by default', () => {
    expect(objectTilesDue(1000, -Infinity, 0)).toBe(false);
    expect(objectTilesDue(1000, -Infinity)).toBe(false);
  });
});
