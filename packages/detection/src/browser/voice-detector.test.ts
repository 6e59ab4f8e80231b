import { describe, expect, it } from 'vitest';
import { BrowserVoiceDetector } from './voice-detector.js';
import type { VoiceReply, VoiceRequest } from './voice-protocol.js';

/** A stand-in for the voice worker: records requests and answers init with `onInit`. */
class FakeWorker extends EventTarget {
  readonly requests: VoiceRequest[] = [];
  readonly transfers: unknown[][] = [];
  terminated = false;
  constructor(private readonly onInit: VoiceReply | null) {
    super();
  }
  postMessage(request: VoiceRequest, transfer: unknown[] = []): void {
    this.requests.push(request);
    this.transfers.push(transfer);
    if (request.type === 'init' && this.onInit) {
      const reply = this.onInit;
      queueMicrotask(() => this.emit(reply));
    }
  }
  emit(reply: VoiceReply): void {
    this.dispatchEvent(new MessageEvent('message', { data: reply }));
  }
  terminate(): void {
    this.terminated = true;
  }
}

const load = (worker: FakeWorker, threshold?: number) =>
  BrowserVoiceDetector.load({
    threshold,
    loadTimeoutMs: 200,
    createWorker: () => worker as unknown as Worker,
  });

describe('BrowserVoiceDetector', () => {
  it('loads the model from our own origin with the exam threshold, then relays changes', async () => {
    const worker = new FakeWorker({ type: 'ready', model: 'Silero test', loadMs: 3 });
    const detector = await load(worker, 0.7);
    expect(detector.model).toBe('Silero test');
    expect(worker.requests[0]).toEqual({
      type: 'init',
      modelUrl: '/detection/voice/silero_vad_v5.onnx',
      runtimePath: '/detection/ort/',
      threshold: 0.7,
    });
    const seen: unknown[] = [];
    detector.onChange((change) => seen.push(change));
    const samples = new Float32Array(4096);
    detector.feed(samples, 48_000, 1000);
    expect(worker.requests[1]).toMatchObject({ type: 'audio', sampleRate: 48_000, startMs: 1000 });
    expect(worker.transfers[1]).toEqual([samples.buffer]);
    const change = { active: true, atMs: 1200, score: 0.93, peakDb: -31 };
    worker.emit({ type: 'change', change });
    expect(seen).toEqual([change]);
    detector.end(5000);
    expect(worker.requests[2]).toEqual({ type: 'end', atMs: 5000 });
    detector.stop();
    expect(worker.terminated).toBe(true);
  });

  it('rejects and stops the worker when the model does not load', async () => {
    const failed = new FakeWorker({ type: 'failed', error: 'model: HTTP 404' });
    await expect(load(failed)).rejects.toThrow('HTTP 404');
    expect(failed.terminated).toBe(true);
    const silent = new FakeWorker(null);
    await expect(load(silent)).rejects.toThrow('did not load in time');
    expect(silent.terminated).toBe(true);
  });
});
