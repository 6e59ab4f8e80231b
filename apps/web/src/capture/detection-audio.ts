import type { BrowserVoiceDetector } from '@invigil/detection/browser';

/** Samples per hand-over to the voice worker (about 85 ms at 48 kHz). */
const BUFFER_SIZE = 4096;

/**
 * Hands the microphone's samples to the voice worker, all of them and in order (the model
 * needs continuous audio, unlike a level meter). A ScriptProcessorNode does this with no
 * module file to serve: it runs on the page's thread, but only copies a buffer ten times a
 * second — the model itself runs in the worker. Web Audio keeps running in a background tab.
 */
export class VoiceMonitor {
  private context: AudioContext | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private processor: ScriptProcessorNode | null = null;

  constructor(private readonly detector: BrowserVoiceDetector) {}

  /** Starts listening to the stream's audio; false when there is none or no Web Audio. */
  start(stream: MediaStream): boolean {
    this.stop();
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return false;
    const context = new AudioContext();
    void context.resume().catch(() => undefined);
    const source = context.createMediaStreamSource(stream);
    const processor = context.createScriptProcessor(BUFFER_SIZE, 1, 1);
    processor.onaudioprocess = (event) => {
      const samples = event.inputBuffer.getChannelData(0).slice();
      const startMs = Date.now() - (samples.length * 1000) / context.sampleRate;
      this.detector.feed(samples, context.sampleRate, startMs);
    };
    source.connect(processor);
    // A processor only runs when connected onwards; its output is silence (nothing written).
    processor.connect(context.destination);
    this.context = context;
    this.source = source;
    this.processor = processor;
    return true;
  }

  /** Stops listening; an open stretch of speech is ended now. */
  stop(): void {
    if (this.processor) this.processor.onaudioprocess = null;
    this.processor?.disconnect();
    this.source?.disconnect();
    this.processor = null;
    this.source = null;
    void this.context?.close().catch(() => undefined);
    if (this.context) this.detector.end(Date.now());
    this.context = null;
  }
}
