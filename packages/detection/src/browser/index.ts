/**
 * The detectors in the browser: a module worker running human on the tfjs wasm backend
 * (models and binaries from our own origin), fed with webcam frames by BrowserDetector; a
 * second worker running the Silero voice-activity model on the microphone
 * (BrowserVoiceDetector); and the energy measure (vad.ts) it replaced.
 */
export * from './browser-detector.js';
export { BROWSER_ASSET_URLS } from './protocol.js';
export * from './voice-detector.js';
export { VOICE_ASSET_URLS } from './voice-protocol.js';
export { DEFAULT_SPEECH_THRESHOLD, type SpeechChange } from '../voice/segmenter.js';
export * from '../vad.js';
