/** One finished, independently playable recording segment. */
export interface RecordedSegment {
  blob: Blob;
  mimeType: string;
  /** Epoch ms when this segment's recorder started and stopped. */
  startMs: number;
  endMs: number;
}

/** How a SegmentRecorder records. */
export interface SegmentRecorderOptions {
  stream: MediaStream;
  mimeType: string;
  videoBitsPerSecond?: number;
  audioBitsPerSecond?: number;
  /** Length of each segment. */
  segmentMs: number;
  onSegment: (segment: RecordedSegment) => void;
  /** The stream ended (all its tracks stopped) or the recorder failed. */
  onStopped?: (reason: 'ended' | 'error', error?: unknown) => void;
  now?: () => number;
}

interface Run {
  recorder: MediaRecorder;
  chunks: Blob[];
  startMs: number;
  done: Promise<void>;
}

/**
 * Records a stream as a series of independently playable files: every `segmentMs` the running
 * MediaRecorder is stopped and a new one started on the same stream, so each segment is a
 * complete file with its own header and a starting keyframe. The next recorder starts just
 * before the previous one stops, so segments touch or overlap by a few milliseconds instead of
 * leaving a hole. Segments are handed over as soon as they are complete; nothing here waits
 * for an upload.
 */
export class SegmentRecorder {
  private current: Run | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly options: SegmentRecorderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True while recording. */
  get recording(): boolean {
    return !this.stopped;
  }

  /** Starts the first segment. Throws when the browser cannot record this stream. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.current = this.begin();
    this.schedule();
  }

  /** Stops recording; resolves once the last segment has been handed over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.current;
    this.current = null;
    if (run) await this.finish(run);
  }

  private schedule(): void {
    const run = this.current;
    if (!run) return;
    const due = run.startMs + this.options.segmentMs - this.now();
    this.timer = setTimeout(() => this.rotate(), Math.max(0, due));
  }

  private rotate(): void {
    if (this.stopped) return;
    const old = this.current;
    if (!this.options.stream.active) {
      this.stopped = true;
      this.current = null;
      if (old) void this.finish(old);
      this.options.onStopped?.('ended');
      return;
    }
    try {
      this.current = this.begin();
    } catch (error) {
      this.stopped = true;
      this.current = null;
      if (old) void this.finish(old);
      this.options.onStopped?.('error', error);
      return;
    }
    if (old) void this.finish(old);
    this.schedule();
  }

  private begin(): Run {
    const { stream, mimeType, videoBitsPerSecond, audioBitsPerSecond } = this.options;
    const init: MediaRecorderOptions = { mimeType };
    if (videoBitsPerSecond) init.videoBitsPerSecond = videoBitsPerSecond;
    if (audioBitsPerSecond) init.audioBitsPerSecond = audioBitsPerSecond;
    const recorder = new MediaRecorder(stream, init);
    const chunks: Blob[] = [];
    const run: Run = { recorder, chunks, startMs: 0, done: Promise.resolve() };
    run.done = new Promise<void>((resolve) => {
      recorder.ondataavailable = (event) => {
        if (event.data.size > 0) chunks.push(event.data);
      };
      recorder.onstop = () => resolve();
      recorder.onerror = (event) => {
        if (this.current === run && !this.stopped) {
          this.stopped = true;
          if (this.timer) clearTimeout(this.timer);
          this.current = null;
          this.options.onStopped?.('error', (event as Event & { error?: unknown }).error);
        }
        resolve();
      };
    });
    run.startMs = this.now();
    recorder.start();
    // The browser stops the recorder by itself when the stream's tracks end.
    recorder.addEventListener('stop', () => {
      if (this.current === run && !this.stopped) {
        this.stopped = true;
        if (this.timer) clearTimeout(this.timer);
        this.current = null;
        this.emit(run, this.now());
        this.options.onStopped?.('ended');
      }
    });
    return run;
  }

  private async finish(run: Run): Promise<void> {
    const endMs = this.now();
    if (run.recorder.state !== 'inactive') {
      try {
        run.recorder.stop();
      } catch {
        // Already stopping.
      }
    }
    await run.done;
    this.emit(run, endMs);
  }

  private emitted = new WeakSet<Run>();

  private emit(run: Run, endMs: number): void {
    if (this.emitted.has(run)) return;
    this.emitted.add(run);
    if (run.chunks.length === 0) return;
    const mimeType = run.recorder.mimeType || this.options.mimeType;
    const blob = new Blob(run.chunks, { type: mimeType });
    if (blob.size === 0) return;
    this.options.onSegment({
      blob,
      mimeType,
      startMs: run.startMs,
      endMs: Math.max(endMs, run.startMs),
    });
  }
}
