import type { FrameAnalysis } from '../analysis.js';
import type { DetectorParts } from '../human-config.js';
import { DEFAULT_THRESHOLDS, type DetectionThresholds } from '../thresholds.js';
import { BROWSER_ASSET_URLS, type WorkerReply, type WorkerRequest } from './protocol.js';

/** How the browser detector runs. */
export interface BrowserDetectorOptions {
  /** The detectors wanted; faces always run. Parts that are off are never loaded. */
  parts: DetectorParts;
  thresholds?: DetectionThresholds;
  /** Most frames per second analysed (the worker paces itself to this). */
  maxFps?: number;
  /**
   * How often objects (phone, book, person) are looked for, ms. The object model costs
   * 5–10 face frames, so it runs every few seconds rather than on every frame.
   */
  objectsEveryMs?: number;
  /**
   * How often an objects frame also searches overlapping tiles for small objects, ms
   * (multi-scale: four more object passes, so it runs on every few objects frames only;
   * 0 = never).
   */
  objectTilesEveryMs?: number;
  /** How often the face is compared with the enrolled one, ms. */
  identityEveryMs?: number;
  /** Frames are scaled down to at most this wide before analysis, px. */
  frameWidth?: number;
  /** Give up loading after this long, ms. */
  loadTimeoutMs?: number;
  /** Makes the worker (tests inject their own). */
  createWorker?: () => Worker;
}

/** One analysed video frame, with when it was grabbed and which detectors ran on it. */
export interface TimedAnalysis extends FrameAnalysis {
  atMs: number;
  parts: DetectorParts;
}

/** Frame-rate figures, for the status line and the benchmark. */
export interface DetectorStats {
  /** Analysed frames per second over the last few seconds. */
  fps: number;
  frames: number;
  /** Frames the worker could not analyse. */
  errors: number;
  /** Mean time the worker spent on a frame over the last few seconds, ms. */
  analysisMs: number;
}

type Pending = { resolve: (reply: WorkerReply) => void };

/**
 * Objects frames search the tiles at most this often by default, ms (0 = never). Off: on the
 * development set the tiles found no more phones on normal frames and added false ones on
 * dark and noisy frames (docs/detection-quality.md). With e.g. 15 000 and objects every 5 s,
 * every third objects frame would search them; the tiles cost four more object passes.
 */
export const DEFAULT_OBJECT_TILES_EVERY_MS = 0;

/**
 * Whether an objects frame at `atMs` also searches the tiles, the last one having done so
 * at `lastMs`, at most once per `everyMs` (0 = never).
 */
export function objectTilesDue(
  atMs: number,
  lastMs: number,
  everyMs = DEFAULT_OBJECT_TILES_EVERY_MS,
): boolean {
  return everyMs > 0 && atMs - lastMs >= everyMs;
}

/** Frames in a row the worker may fail on before the detector gives up. */
const MAX_FAILURES = 10;

/** Runs human in a module worker; Vite bundles the worker and its imports as a separate chunk. */
function defaultWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), {
    type: 'module',
    name: 'invigil-detection',
  });
}

/**
 * The detectors in the browser. The worker holds the models; this side grabs frames from a
 * playing video (scaled ImageBitmaps, transferred, not copied), sends the next one only when
 * the previous answer is back — frames arriving meanwhile are simply not taken — and adds
 * the costly parts (objects, identity) every few seconds. Nothing here can block the page:
 * grabbing a frame is one createImageBitmap call.
 */
export class BrowserDetector {
  private video: HTMLVideoElement | null = null;
  private running = false;
  private busy = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastObjects = -Infinity;
  private lastObjectTiles = -Infinity;
  private lastIdentity = -Infinity;
  private enrolled = false;
  /** Completion time and worker time of recent frames. */
  private readonly done: { at: number; ms: number }[] = [];
  private frames = 0;
  private errors = 0;
  private readonly waiters: { urgent: boolean; resolve: () => void }[] = [];
  private onFailure: ((error: string) => void) | null = null;
  /** The worker is gone (stopped or crashed): requests fail at once. */
  private dead = false;

  private constructor(
    private readonly worker: Worker,
    private readonly options: BrowserDetectorOptions,
    /** Model names and versions, for the evidence trail of each event. */
    readonly model: string,
    /** How long loading took, ms. */
    readonly loadMs: number,
  ) {
    worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ('id' in reply) {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        waiter?.resolve(reply);
      }
    });
    worker.addEventListener('error', (event) => {
      // The worker died (out of memory, a crash in wasm): stop rather than hang.
      this.running = false;
      this.dead = true;
      for (const waiter of this.pending.values()) {
        waiter.resolve({ type: 'error', id: 0, error: 'worker failed' });
      }
      this.pending.clear();
      this.onFailure?.(event.message || 'the detection worker stopped');
    });
  }

  /** Starts the worker and loads the models; rejects when they cannot be loaded. */
  static async load(options: BrowserDetectorOptions): Promise<BrowserDetector> {
    const worker = (options.createWorker ?? defaultWorker)();
    try {
      const ready = await new Promise<Extract<WorkerReply, { type: 'ready' }>>(
        (resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('detection models did not load in time')),
            options.loadTimeoutMs ?? 60_000,
          );
          worker.addEventListener('error', (event) => {
            clearTimeout(timer);
            reject(new Error(`detection worker failed: ${event.message || 'load error'}`));
          });
          worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
            if (event.data.type === 'ready') resolve(event.data);
            if (event.data.type === 'failed') reject(new Error(event.data.error));
            if (event.data.type === 'ready' || event.data.type === 'failed') clearTimeout(timer);
          });
          const init: WorkerRequest = {
            type: 'init',
            ...BROWSER_ASSET_URLS,
            parts: options.parts,
            thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
            minFrameMs: Math.round(1000 / (options.maxFps ?? 8)),
          };
          worker.postMessage(init);
        },
      );
      return new BrowserDetector(worker, options, ready.model, ready.loadMs);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /** Compares faces with the main face of this photo from now on; false if it has none. */
  async enroll(photo: Blob): Promise<{ ok: boolean; reason?: string }> {
    if (!this.options.parts.embedding) return { ok: false, reason: 'identity is off' };
    const reply = await this.request({ type: 'enroll', id: this.nextId++, image: photo });
    const ok = reply.type === 'enrolled' && reply.ok;
    this.enrolled ||= ok;
    return reply.type === 'enrolled' ? { ok, reason: reply.reason } : { ok: false };
  }

  /**
   * Analyses every frame of `video` it can, calling `onAnalysis` with each result, until
   * `stop`. Calling it again switches to another video (a reconnected camera).
   */
  watch(
    video: HTMLVideoElement,
    onAnalysis: (analysis: TimedAnalysis) => void,
    onFailure?: (error: string) => void,
  ): void {
    this.video = video;
    this.onFailure = onFailure ?? null;
    if (this.running) return;
    this.running = true;
    void this.loop(onAnalysis);
  }

  /**
   * Analyses one encoded image (a stored snapshot) with the given parts, ahead of the next
   * video frame. Used so that what the browser reports for a snapshot is exactly what it saw
   * in that picture.
   */
  async analyzeImage(image: Blob, parts: DetectorParts): Promise<FrameAnalysis> {
    // After the frame in flight, ahead of the next one.
    await this.acquire(true);
    try {
      const reply = await this.request({
        type: 'frame',
        id: this.nextId++,
        image,
        parts: { ...parts, embedding: parts.embedding && this.enrolled },
        urgent: true,
      });
      if (reply.type !== 'result')
        throw new Error(reply.type === 'error' ? reply.error : 'no result');
      return reply.analysis;
    } finally {
      this.release();
    }
  }

  /** Frame-rate figures. */
  stats(): DetectorStats {
    const now = performance.now();
    while (this.done.length && (this.done[0]?.at ?? 0) < now - 5000) this.done.shift();
    const span = this.done.length > 1 ? now - (this.done[0]?.at ?? now) : 0;
    const fps = span > 0 ? ((this.done.length - 1) * 1000) / span : 0;
    const ms = this.done.reduce((sum, d) => sum + d.ms, 0) / (this.done.length || 1);
    return {
      fps: Math.round(fps * 10) / 10,
      frames: this.frames,
      errors: this.errors,
      analysisMs: Math.round(ms),
    };
  }

  /** Stops analysing and ends the worker (its memory is freed at once). */
  stop(): void {
    this.running = false;
    this.dead = true;
    this.worker.terminate();
    for (const waiter of this.pending.values())
      waiter.resolve({ type: 'error', id: 0, error: 'stopped' });
    this.pending.clear();
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Takes the worker for one request; urgent requests go before waiting video frames. */
  private acquire(urgent: boolean): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ urgent, resolve }));
  }

  /** Hands the worker to the next waiter (urgent first), or frees it. */
  private release(): void {
    const i = this.waiters.findIndex((w) => w.urgent);
    const next = i >= 0 ? this.waiters.splice(i, 1)[0] : this.waiters.shift();
    if (next) next.resolve();
    else this.busy = false;
  }

  private request(message: WorkerRequest): Promise<WorkerReply> {
    if (this.dead) return Promise.resolve({ type: 'error', id: 0, error: 'stopped' });
    return new Promise((resolve) => {
      this.pending.set((message as { id: number }).id, { resolve });
      const transfer =
        message.type === 'frame' && !(message.image instanceof Blob) ? [message.image] : [];
      this.worker.postMessage(message, transfer);
    });
  }

  /** The frame loop: driven by the worker's answers, so a hidden tab's throttled timers do not slow it. */
  private async loop(onAnalysis: (analysis: TimedAnalysis) => void): Promise<void> {
    let failures = 0;
    while (this.running) {
      await this.acquire(false);
      const bitmap = this.running ? await this.grab() : null;
      if (!bitmap) {
        // Stopped, or no picture yet (camera starting): look again shortly.
        this.release();
        if (this.running) await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      const atMs = Date.now();
      const parts = this.partsFor(atMs);
      const objectTiles = parts.objects && this.objectTilesDue(atMs);
      const reply = await this.request({
        type: 'frame',
        id: this.nextId++,
        image: bitmap,
        parts,
        urgent: false,
        objectTiles,
      });
      this.release();
      if (!this.running) return;
      if (reply.type !== 'result') {
        this.errors += 1;
        failures += 1;
        if (failures >= MAX_FAILURES) {
          // Something is persistently wrong (not a single odd frame): give up and say so.
          this.running = false;
          this.onFailure?.(reply.type === 'error' ? reply.error : 'no result');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      failures = 0;
      this.frames += 1;
      this.done.push({ at: performance.now(), ms: reply.analysis.timings.total ?? 0 });
      if (parts.objects) this.lastObjects = atMs;
      if (objectTiles) this.lastObjectTiles = atMs;
      if (parts.embedding) this.lastIdentity = atMs;
      onAnalysis({ ...reply.analysis, atMs, parts });
    }
  }

  /** Whether an objects frame at `atMs` also searches the tiles (multi-scale). */
  private objectTilesDue(atMs: number): boolean {
    return objectTilesDue(atMs, this.lastObjectTiles, this.options.objectTilesEveryMs);
  }

  /** The costly parts run only every few seconds; faces (and pose) every frame. */
  private partsFor(atMs: number): DetectorParts {
    const { parts } = this.options;
    return {
      pose: parts.pose,
      objects: parts.objects && atMs - this.lastObjects >= (this.options.objectsEveryMs ?? 5000),
      embedding:
        parts.embedding &&
        this.enrolled &&
        atMs - this.lastIdentity >= (this.options.identityEveryMs ?? 5000),
    };
  }

  private async grab(): Promise<ImageBitmap | null> {
    const video = this.video;
    if (!video || video.readyState < 2 || !video.videoWidth || !video.videoHeight) return null;
    // An ended camera leaves its last frame in the element: never analyse a frozen picture.
    const stream = video.srcObject instanceof MediaStream ? video.srcObject : null;
    if (stream && !stream.getVideoTracks().some((t) => t.readyState === 'live')) return null;
    const maxWidth = this.options.frameWidth ?? 640;
    const scale = Math.min(1, maxWidth / video.videoWidth);
    try {
      return await createImageBitmap(video, {
        resizeWidth: Math.round(video.videoWidth * scale),
        resizeHeight: Math.round(video.videoHeight * scale),
        resizeQuality: 'low',
      });
    } catch {
      return null;
    }
  }
}
