import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SegmentRecorder, type RecordedSegment } from './segment-recorder';

/** A MediaRecorder stand-in: emits one chunk per run when stopped, like the real one. */
class FakeRecorder extends EventTarget {
  static log: string[] = [];
  static count = 0;
  state: 'inactive' | 'recording' = 'inactive';
  readonly mimeType: string;
  readonly id = FakeRecorder.count++;
  ondataavailable: ((e: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  constructor(
    readonly stream: { active: boolean },
    readonly options: MediaRecorderOptions,
  ) {
    super();
    this.mimeType = options.mimeType ?? '';
  }
  start() {
    this.state = 'recording';
    FakeRecorder.log.push(`start ${this.id}`);
  }
  stop() {
    if (this.state === 'inactive') return;
    this.state = 'inactive';
    FakeRecorder.log.push(`stop ${this.id}`);
    queueMicrotask(() => {
      this.ondataavailable?.({ data: new Blob([`segment ${this.id}`]) });
      this.onstop?.();
      this.dispatchEvent(new Event('stop'));
    });
  }
}

describe('SegmentRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    FakeRecorder.log = [];
    FakeRecorder.count = 0;
    vi.stubGlobal('MediaRecorder', FakeRecorder);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('restarts the recorder every segment, starting the next before stopping the last', async () => {
    const segments: RecordedSegment[] = [];
    const stream = { active: true } as unknown as MediaStream;
    const recorder = new SegmentRecorder({
      stream,
      mimeType: 'video/webm;codecs=vp8,opus',
      videoBitsPerSecond: 400_000,
      audioBitsPerSecond: 32_000,
      segmentMs: 6000,
      onSegment: (s) => segments.push(s),
    });
    recorder.start();
    await vi.advanceTimersByTimeAsync(12_000);
    await recorder.stop();
    expect(FakeRecorder.log).toEqual([
      'start 0',
      'start 1',
      'stop 0',
      'start 2',
      'stop 1',
      'stop 2',
    ]);
    expect(segments.map((s) => [s.startMs - 1_000_000, s.endMs - 1_000_000])).toEqual([
      [0, 6000],
      [6000, 12_000],
      [12_000, 12_000],
    ]);
    expect(await segments[1]!.blob.text()).toBe('segment 1');
    expect(segments[0]!.mimeType).toBe('video/webm;codecs=vp8,opus');
  });

  it('reports the end of the stream and hands over the last segment', async () => {
    const segments: RecordedSegment[] = [];
    const stopped: string[] = [];
    const stream = { active: true };
    const recorder = new SegmentRecorder({
      stream: stream as unknown as MediaStream,
      mimeType: 'video/webm',
      segmentMs: 6000,
      onSegment: (s) => segments.push(s),
      onStopped: (reason) => stopped.push(reason),
    });
    recorder.start();
    await vi.advanceTimersByTimeAsync(2000);
    stream.active = false;
    await vi.advanceTimersByTimeAsync(4000);
    expect(stopped).toEqual(['ended']);
    expect(segments).toHaveLength(1);
    expect(recorder.recording).toBe(false);
  });
});
