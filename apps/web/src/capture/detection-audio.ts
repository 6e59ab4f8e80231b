import type { BrowserVoiceDetector } from '@invigil/detection/browser';
import {
  VOICE_CAPTURE_PROCESSOR,
  VOICE_CHUNK_SAMPLES,
  type VoiceCaptureChunk,
} from './voice-capture-protocol';
import workletUrl from './voice-capture.worklet.ts?worker&url';

/** The node that takes the microphone's samples off the audio graph. */
type CaptureNode = AudioWorkletNode | ScriptProcessorNode;

/**
 * Hands the microphone's samples to the voice worker, all of them and in order (the model
 * needs continuous audio, unlike a level meter). An AudioWorkletNode collects them on the
 * audio rendering thread and posts one chunk of about 85 ms at a time, so the page's thread
 * only passes each chunk on — the model itself runs in the worker. Where there is no
 * `audioWorklet` (an insecure origin, an old browser) or its module does not load, the
 * deprecated ScriptProcessorNode does the same from the page's thread. Web Audio keeps
 * running in a background tab.
 */
export class VoiceMonitor {
  private context: AudioContext | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private node: CaptureNode | null = null;

  constructor(private readonly detector: BrowserVoiceDetector) {}

  /** Starts listening to the stream's audio; false when there is none or no Web Audio. */
  start(stream: MediaStream): boolean {
    this.stop();
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return false;
    const context = new AudioContext();
    void context.resume().catch(() => undefined);
    this.context = context;
    this.source = context.createMediaStreamSource(stream);
    // Undefined outside a secure context, whatever the DOM types say.
    const worklet = context.audioWorklet as AudioWorklet | undefined;
    if (worklet) {
      worklet
        .addModule(workletUrl)
        .then(() => this.attach(context, this.workletNode(context)))
        .catch((error: unknown) => {
          if (this.context !== context) return; // stopped meanwhile: nothing to fall back for
          console.warn('Voice capture worklet did not start; using a ScriptProcessorNode:', error);
          this.attach(context, this.scriptProcessor(context));
        });
    } else {
      this.attach(context, this.scriptProcessor(context));
    }
    return true;
  }

  /** Stops listening; an open stretch of speech is ended now. */
  stop(): void {
    this.detach();
    this.source?.disconnect();
    this.source = null;
    void this.context?.close().catch(() => undefined);
    if (this.context) this.detector.end(Date.now());
    this.context = null;
  }

  /** Connects `node` after the source, unless listening stopped or restarted meanwhile. */
  private attach(context: AudioContext, make: () => CaptureNode): void {
    if (this.context !== context || !this.source) return;
    const node = make();
    this.source.connect(node);
    // The node only runs when connected onwards; its output is silence (nothing written).
    node.connect(context.destination);
    this.node = node;
  }

  private detach(): void {
    const node = this.node;
    this.node = null;
    if (!node) return;
    // Not `instanceof`: AudioWorkletNode is not defined where the fallback runs.
    if ('port' in node) {
      node.port.onmessage = null;
      node.port.close();
    } else {
      node.onaudioprocess = null;
    }
    node.disconnect();
  }

  /** The samples of one chunk, captured until now, go to the detector. */
  private deliver(context: AudioContext, samples: Float32Array): void {
    if (this.context !== context) return;
    const startMs = Date.now() - (samples.length * 1000) / context.sampleRate;
    this.detector.feed(samples, context.sampleRate, startMs);
  }

  private workletNode(context: AudioContext): () => AudioWorkletNode {
    return () => {
      const node = new AudioWorkletNode(context, VOICE_CAPTURE_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        // Mixed down to mono before the processor sees it, as the script processor does.
        channelCount: 1,
        channelCountMode: 'explicit',
      });
      node.port.onmessage = (event: MessageEvent<VoiceCaptureChunk>) =>
        this.deliver(context, event.data.samples);
      return node;
    };
  }

  private scriptProcessor(context: AudioContext): () => ScriptProcessorNode {
    return () => {
      const node = context.createScriptProcessor(VOICE_CHUNK_SAMPLES, 1, 1);
      node.onaudioprocess = (event) =>
        this.deliver(context, event.inputBuffer.getChannelData(0).slice());
      return node;
    };
  }
}
