import { DEFAULT_SPEECH_THRESHOLD, type SpeechChange } from '../voice/segmenter.js';
import { VOICE_ASSET_URLS, type VoiceReply, type VoiceRequest } from './voice-protocol.js';

/** How the browser's voice detector runs. */
export interface BrowserVoiceOptions {
  /** Speech probability from which a frame counts as speech (the exam's voice rule). */
  threshold?: number;
  /** Give up loading after this long, ms. */
  loadTimeoutMs?: number;
  /** Makes the worker (tests inject their own). */
  createWorker?: () => Worker;
}

function defaultWorker(): Worker {
  return new Worker(new URL('./voice-worker.ts', import.meta.url), {
    type: 'module',
    name: 'invigil-voice',
  });
}

/**
 * Silero VAD in a module worker. The page hands it microphone samples as they arrive
 * (transferred, not copied) and hears back when speech starts and ends.
 */
export class BrowserVoiceDetector {
  private listener: ((change: SpeechChange) => void) | null = null;

  private constructor(
    private readonly worker: Worker,
    /** Model name and runtime, for the evidence trail of each event. */
    readonly model: string,
    readonly loadMs: number,
  ) {
    worker.addEventListener('message', (event: MessageEvent<VoiceReply>) => {
      if (event.data.type === 'change') this.listener?.(event.data.change);
    });
  }

  /** Starts the worker and loads the model; rejects when it cannot be loaded. */
  static async load(options: BrowserVoiceOptions = {}): Promise<BrowserVoiceDetector> {
    const worker = (options.createWorker ?? defaultWorker)();
    try {
      const ready = await new Promise<Extract<VoiceReply, { type: 'ready' }>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the voice model did not load in time')),
          options.loadTimeoutMs ?? 60_000,
        );
        worker.addEventListener('message', (event: MessageEvent<VoiceReply>) => {
          if (event.data.type === 'ready') resolve(event.data);
          if (event.data.type === 'failed') reject(new Error(event.data.error));
          if (event.data.type !== 'change') clearTimeout(timer);
        });
        worker.addEventListener('error', (event) => {
          clearTimeout(timer);
          reject(new Error(event.message || 'the voice worker failed to start'));
        });
        const init: VoiceRequest = {
          type: 'init',
          modelUrl: VOICE_ASSET_URLS.model,
          runtimePath: VOICE_ASSET_URLS.runtimePath,
          threshold: options.threshold ?? DEFAULT_SPEECH_THRESHOLD,
        };
        worker.postMessage(init);
      });
      return new BrowserVoiceDetector(worker, ready.model, ready.loadMs);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /** Calls `listener` when speech starts or ends. */
  onChange(listener: (change: SpeechChange) => void): void {
    this.listener = listener;
  }

  /** The next microphone samples; the first one was captured at `startMs`. */
  feed(samples: Float32Array, sampleRate: number, startMs: number): void {
    const request: VoiceRequest = { type: 'audio', samples, sampleRate, startMs };
    this.worker.postMessage(request, [samples.buffer]);
  }

  /** The stream stopped: open speech ends at `atMs`; the next samples start afresh. */
  end(atMs: number): void {
    this.worker.postMessage({ type: 'end', atMs } satisfies VoiceRequest);
  }

  /** Stops the worker. */
  stop(): void {
    this.worker.terminate();
  }
}
