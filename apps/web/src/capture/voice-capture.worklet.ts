/**
 * The voice capture worklet: runs on the audio rendering thread, collects the microphone's
 * 128-sample render quanta into chunks of VOICE_CHUNK_SAMPLES and posts each to the page
 * (transferred, not copied), which hands it on to the voice worker. Built by Vite as a module
 * of its own (`?worker&url`) and loaded with `audioWorklet.addModule`.
 */
import {
  VOICE_CAPTURE_PROCESSOR,
  VOICE_CHUNK_SAMPLES,
  type VoiceCaptureChunk,
} from './voice-capture-protocol';

// The worklet scope's globals, which TypeScript's DOM library does not declare.
declare abstract class AudioWorkletProcessor {
  readonly port: MessagePort;
  abstract process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}
declare function registerProcessor(
  name: string,
  processor: new (options?: AudioWorkletNodeOptions) => AudioWorkletProcessor,
): void;

class VoiceCaptureProcessor extends AudioWorkletProcessor {
  private chunk = new Float32Array(VOICE_CHUNK_SAMPLES);
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    // The node mixes its input down to one channel; none while nothing is connected.
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    let at = 0;
    while (at < channel.length) {
      const take = Math.min(channel.length - at, VOICE_CHUNK_SAMPLES - this.filled);
      this.chunk.set(channel.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === VOICE_CHUNK_SAMPLES) {
        const message: VoiceCaptureChunk = { samples: this.chunk };
        this.port.postMessage(message, [this.chunk.buffer]);
        this.chunk = new Float32Array(VOICE_CHUNK_SAMPLES);
        this.filled = 0;
      }
    }
    // Keep running for as long as the node exists; the page disconnects it to stop.
    return true;
  }
}

registerProcessor(VOICE_CAPTURE_PROCESSOR, VoiceCaptureProcessor);
