import type { EnergyVad, VadChange } from '@invigil/detection/browser';

/** How often the microphone level is measured, ms (each sample covers the last ~43 ms). */
const SAMPLE_MS = 100;

/**
 * Measures the microphone's level with a Web Audio AnalyserNode and feeds it to the energy
 * voice detector. The analyser runs on the audio thread; this side only reads 2048 samples
 * ten times a second. In a background tab the browser slows the timer to about once a
 * second; the detector decides by time, so it still works, more coarsely.
 */
export class VoiceMonitor {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private source: MediaStreamAudioSourceNode | null = null;

  constructor(
    private readonly vad: EnergyVad,
    private readonly levelOf: (samples: Float32Array) => number,
    private readonly onChange: (change: VadChange) => void,
  ) {}

  /** Starts listening to the stream's audio; false when there is none or no Web Audio. */
  start(stream: MediaStream): boolean {
    this.stop();
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return false;
    const context = new AudioContext();
    void context.resume().catch(() => undefined);
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.context = context;
    this.source = source;
    this.timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      const change = this.vad.push(Date.now(), this.levelOf(samples));
      if (change) this.onChange(change);
    }, SAMPLE_MS);
    return true;
  }

  /** Stops listening; an open stretch of sound is ended now. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.source?.disconnect();
    this.source = null;
    void this.context?.close().catch(() => undefined);
    this.context = null;
    const change = this.vad.end(Date.now());
    if (change) this.onChange(change);
  }
}
